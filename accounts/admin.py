"""Staff pages for people, follows and notifications; sized for 100,000 users (docs/admin.md).

Three costs are avoided on purpose on every big table: `date_hierarchy` (it runs MIN/MAX
and a DISTINCT-dates scan of the whole table on each changelist), the unfiltered second
COUNT(*) (`show_full_result_count = False`) and the first one, replaced by PostgreSQL's
row estimate when nothing is filtered (`EstimatedCountPaginator`). Date `list_filter`s stay: their
choices ("Past 7 days", "This month"...) are fixed links that cost no query.
"""

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static import admin as otp_static_admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as otp_totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.forms import AdminPasswordChangeForm, AdminUserCreationForm
from accounts.models import ApiToken, Block, Follow, Mute, Notification, User
from microblog.pagination import EstimatedCountPaginator

# What a moderator (a non-superuser with change_user) sees on a user's page. Only
# is_active is editable: passwords, staff flags, groups and permissions stay out of reach.
MODERATOR_FIELDSETS = [
    (None, {"fields": ["username", "email"]}),
    (_("Profile"), {"fields": ["first_name", "last_name", "about_me", "follower_count", "following_count"]}),
    (_("Moderation"), {"fields": ["is_active"]}),
    (_("Important dates"), {"fields": ["date_joined", "last_login", "last_seen"]}),
]
MODERATOR_EDITABLE = {"is_active"}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "is_active", "is_staff", "date_joined", "last_seen"]
    list_filter = ["is_active", "is_staff", "is_superuser", "date_joined", "last_seen"]
    # Substring matches scan the users table: fine at 100,000 rows (tens of milliseconds).
    search_fields = ["username", "email"]
    # Newest accounts first through the primary key; date_joined has no index to sort by.
    ordering = ["-pk"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    actions = ["deactivate", "reactivate"]
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
    # New names follow the site's rule; setting a password revokes the user's API tokens.
    add_form = AdminUserCreationForm
    change_password_form = AdminPasswordChangeForm

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            return MODERATOR_FIELDSETS
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            shown = {field for _name, options in MODERATOR_FIELDSETS for field in options["fields"]}
            # "password" is a field the form declares: listing it here drops it from the form.
            return sorted(shown - MODERATOR_EDITABLE | {"password"})
        return super().get_readonly_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        # Staff accounts (the moderator's own included) are only a superuser's to change.
        if obj is not None and (obj.is_staff or obj.is_superuser) and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        # change_user would otherwise let a moderator set anyone's password.
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    @admin.action(
        description=_("Deactivate the selected users (hide their posts, end their sessions)"), permissions=["change"]
    )
    def deactivate(self, request, queryset):
        changed = self._moderate(request, queryset, services.deactivate_users, was_active=True)
        self.message_user(
            request,
            ngettext("%(count)d user deactivated.", "%(count)d users deactivated.", changed) % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reactivate the selected users"), permissions=["change"])
    def reactivate(self, request, queryset):
        changed = self._moderate(request, queryset, services.reactivate_users, was_active=False)
        self.message_user(
            request,
            ngettext("%(count)d user reactivated.", "%(count)d users reactivated.", changed) % {"count": changed},
            messages.SUCCESS,
        )

    def _moderate(self, request, queryset, service, *, was_active: bool) -> int:
        """Apply `service` to the selected users this staff member may moderate; log it in their history."""
        allowed = self._moderatable(request, queryset)
        targets = list(allowed.filter(is_active=was_active).only("pk", "username"))
        changed = service(users=User.objects.filter(pk__in=[user.pk for user in targets]))
        # One bulk insert: who was (de)activated, by whom and when, on each user's History page.
        LogEntry.objects.log_actions(
            user_id=request.user.pk,
            queryset=targets,
            action_flag=CHANGE,
            # The field's label, as the admin's own change form records it.
            change_message=[{"changed": {"fields": [str(capfirst(User._meta.get_field("is_active").verbose_name))]}}],
        )
        skipped = queryset.count() - allowed.count()
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d account skipped: your own or a staff account.",
                    "%(count)d accounts skipped: your own or staff accounts.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        return changed

    def _moderatable(self, request, queryset):
        """Leave out the acting user and, for non-superusers, every staff account."""
        queryset = queryset.exclude(pk=request.user.pk)
        if not request.user.is_superuser:
            queryset = queryset.filter(is_staff=False, is_superuser=False)
        return queryset


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["follower", "followed", "created_at"]
    list_select_related = ["follower", "followed"]
    list_filter = ["created_at"]
    autocomplete_fields = ["follower", "followed"]
    # Exact names: a substring search would scan millions of edges.
    search_fields = ["=follower__username", "=followed__username"]
    search_help_text = _("A username (exact, any case): edges where they follow or are followed.")
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_readonly_fields(self, request, obj=None):
        # An edge is who follows whom: changing either end would be a different edge.
        return ["follower", "followed", "created_at"] if obj is not None else ["created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("follower", "followed")


class BoundaryAdmin(admin.ModelAdmin):
    """Blocks and mutes are each person's own choice: staff may look them up and delete one, never make one."""

    show_full_result_count = False
    paginator = EstimatedCountPaginator
    # Exact names, as for follows: a substring search would scan every row.
    search_help_text = _("A username (exact, any case).")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Block)
class BlockAdmin(BoundaryAdmin):
    list_display = ["blocker", "blocked", "created_at"]
    list_select_related = ["blocker", "blocked"]
    list_filter = ["created_at"]
    search_fields = ["=blocker__username", "=blocked__username"]


@admin.register(Mute)
class MuteAdmin(BoundaryAdmin):
    list_display = ["muter", "muted", "created_at", "expires_at"]
    list_select_related = ["muter", "muted"]
    list_filter = ["created_at"]
    search_fields = ["=muter__username", "=muted__username"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are written by the site, never by hand."""

    list_display = ["user", "name", "updated_at"]
    list_select_related = ["user"]
    # DISTINCT over a table of one row per (user, kind): bounded, and `cleanup` trims it.
    list_filter = ["name"]
    search_fields = ["=user__username", "=name"]
    search_help_text = _("A username or a notification name (exact).")
    raw_id_fields = ["user"]
    readonly_fields = ["user", "name", "payload", "updated_at"]
    fields = readonly_fields
    ordering = ["-pk"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("updated at"), ordering="timestamp")
    def updated_at(self, obj):
        return obj.updated_at


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """See and revoke (delete) API tokens; they are issued only through POST /api/tokens."""

    list_display = ["user", "created_at", "expires_at"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    # Neither the digest nor the seed is shown: together with SECRET_KEY the seed is the token.
    fields = ["user", "created_at", "expires_at"]
    readonly_fields = fields
    show_full_result_count = False
    search_fields = ["user__username"]

    def has_add_permission(self, request):
        return False


# django-otp registers its devices' admins; these are theirs, sized for many users: the
# user is picked by id (raw_id_fields, as theirs already do), each list reads its users in
# the same query and skips the second COUNT(*). The secrets and recovery codes stay hidden
# (OTP_ADMIN_HIDE_SENSITIVE_DATA). Deleting a user's devices turns their two-factor sign-in off.
class TOTPDeviceAdmin(otp_totp_admin.TOTPDeviceAdmin):
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    raw_id_fields = ["user"]


class StaticDeviceAdmin(otp_static_admin.StaticDeviceAdmin):
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    raw_id_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


for device_model, device_admin in [(TOTPDevice, TOTPDeviceAdmin), (StaticDevice, StaticDeviceAdmin)]:
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)
    admin.site.register(device_model, device_admin)
