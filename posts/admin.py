from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from posts.models import Message, Post


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
