from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from posts import services
from posts.models import ExportJob, Message, Post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["id", "author", "short_body", "language", "created_at"]
    list_select_related = ["author"]
    list_filter = ["language", "created_at"]
    search_fields = ["body"]
    raw_id_fields = ["author"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    ordering = ["-created_at", "-pk"]

    @admin.display(description=_("body"))
    def short_body(self, obj):
        return obj.body[:60]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "sender", "recipient", "short_body", "created_at"]
    list_select_related = ["sender", "recipient"]
    list_filter = ["created_at"]
    search_fields = ["body", "sender__username", "recipient__username"]
    raw_id_fields = ["sender", "recipient"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    ordering = ["-created_at", "-pk"]

    @admin.display(description=_("body"))
    def short_body(self, obj):
        return obj.body[:60]


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "state", "progress", "post_count", "created_at", "started_at", "finished_at"]
    list_select_related = ["user"]
    list_filter = ["state", "created_at"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    ordering = ["-created_at"]
    actions = ["retry_failed"]
    exclude = ["result"]
    readonly_fields = [
        "user",
        "state",
        "progress",
        "post_count",
        "error",
        "created_at",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "result_expires_at",
        "language",
        "site_url",
    ]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        # The file can be megabytes; the admin never needs it.
        return super().get_queryset(request).defer("result")

    @admin.action(description=_("Retry the selected failed exports"))
    def retry_failed(self, request, queryset):
        started = skipped = 0
        for job in queryset.filter(state=ExportJob.State.FAILED).select_related("user"):
            try:
                services.retry_export(job=job)
                started += 1
            except services.ExportAlreadyRunning:
                skipped += 1
        summary = ngettext("%(count)d export restarted.", "%(count)d exports restarted.", started) % {"count": started}
        if skipped:
            summary += " " + ngettext(
                "%(count)d skipped: its owner already has an export running.",
                "%(count)d skipped: their owners already have an export running.",
                skipped,
            ) % {"count": skipped}
        self.message_user(request, summary)
