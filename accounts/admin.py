from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken, Follow, Notification, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "is_active", "is_staff", "date_joined", "last_seen"]
    list_filter = ["is_active", "is_staff", "is_superuser", "date_joined", "last_seen"]
    search_fields = ["username", "email"]
    ordering = ["-date_joined"]
    date_hierarchy = "date_joined"
    show_full_result_count = False
    readonly_fields = [
        "date_joined",
        "last_login",
        "last_seen",
        "last_message_read_time",
        "follower_count",
        "following_count",
    ]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (
            _("Profile"),
            {"fields": ["about_me", "last_seen", "last_message_read_time", "follower_count", "following_count"]},
        ),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["username", "email", "password1", "password2"]})]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # Counts only on the change page; the changelist must not count per row.
        if request.resolver_match and request.resolver_match.url_name == "accounts_user_change":
            queryset = queryset.with_counts()
        return queryset

    @admin.display(description=_("followers"))
    def follower_count(self, obj):
        return obj.follower_count

    @admin.display(description=_("following"))
    def following_count(self, obj):
        return obj.following_count


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["follower", "followed", "created_at"]
    list_select_related = ["follower", "followed"]
    raw_id_fields = ["follower", "followed"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    search_fields = ["follower__username", "followed__username"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are written by the site, never by hand."""

    list_display = ["user", "name", "timestamp"]
    list_select_related = ["user"]
    list_filter = ["name"]
    search_fields = ["user__username", "name"]
    raw_id_fields = ["user"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """See and revoke (delete) API tokens; they are issued only through POST /api/tokens."""

    list_display = ["user", "created_at", "expires_at"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    # Neither the digest nor the seed is shown: together with SECRET_KEY the seed is the token.
    fields = ["user", "created_at", "expires_at"]
    readonly_fields = fields
    date_hierarchy = "created_at"
    show_full_result_count = False
    search_fields = ["user__username"]

    def has_add_permission(self, request):
        return False
