"""Staff pages for posts, messages and export jobs; sized for millions of posts (docs/admin.md).

No `date_hierarchy` on posts or messages: at every changelist view it runs MIN/MAX and
a DISTINCT-dates query over the whole table, seconds on millions of rows. The date
`list_filter`s replace it at no cost (fixed choices, an indexed range when picked).
Nobody adds or rewrites what users wrote: posts and messages can be seen and deleted.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import UserAdmin
from accounts.models import User
from accounts.services import deactivate_users
from microblog.pagination import EstimatedCountPaginator
from posts import services
from posts.entities import tag_key
from posts.models import (
    Activity,
    Attachment,
    Bookmark,
    Boost,
    ExportJob,
    Like,
    Mention,
    Message,
    Post,
    PostEdit,
    Report,
    Tag,
    Tagging,
)
from posts.search import filter_matching

RECENT_POSTS = 10
# The largest primary key (a bigint): a longer number in a search box is no id.
MAX_ID = 2**63 - 1


class AuthorSearchMixin:
    """Search by `@username` through the Lower(username) index instead of scanning bodies.

    Any other text is Django's case-insensitive substring match on the body, a scan of
    the whole table; PostAdmin sends it to the full-text index instead.
    """

    author_fields: list[str] = []

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.startswith("@") and len(term) > 1 and " " not in term:
            people = User.objects.named(term[1:]).values("pk")
            matches = queryset.none()
            for field in self.author_fields:
                matches |= queryset.filter(**{f"{field}__in": people})
            return matches, False
        return super().get_search_results(request, queryset, search_term)


class LanguageFilter(admin.SimpleListFilter):
    """The site's languages as fixed choices: listing the values found would scan every post."""

    title = _("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return [*settings.LANGUAGES, ("-", _("Unknown"))]

    def queryset(self, request, queryset):
        if self.value() == "-":
            return queryset.filter(language="")
        if self.value():
            return queryset.filter(language=self.value())
        return queryset


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on their parent's page, never added, changed or deleted from there."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RelatedRowsInline(ReadOnlyInline):
    """A post's rows naming one other row each (`shown`), read in one query with that row."""

    shown = ""

    def get_fields(self, request, obj=None):
        return [self.shown]

    def get_readonly_fields(self, request, obj=None):
        return [self.shown]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(self.shown)


class TaggingInline(RelatedRowsInline):
    """A post's hashtags (a handful per post)."""

    model = Tagging
    shown = "tag"
    verbose_name_plural = _("Tags")


class MentionInline(RelatedRowsInline):
    """The people a post mentions."""

    model = Mention
    shown = "user"
    verbose_name_plural = _("Mentions")


def thumbnail(picture: Attachment) -> str:
    """The picture's small size, its description as alt, linking to the large one."""
    small, large = picture.small, picture.large
    return format_html(
        '<a href="{}"><img src="{}" alt="{}" width="{}" height="{}" style="max-width: 160px; height: auto"></a>',
        large["url"],
        small["url"],
        picture.alt_text,
        small["width"],
        small["height"],
    )


class AttachmentInline(ReadOnlyInline):
    """A post's pictures with their descriptions; a moderator removes one from the Pictures list."""

    model = Attachment
    fields = ["preview", "alt_text", "width", "height"]
    readonly_fields = fields
    verbose_name_plural = _("Pictures")

    @admin.display(description=_("picture"))
    def preview(self, obj):
        return thumbnail(obj)


@admin.register(Post)
class PostAdmin(AuthorSearchMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "author",
        "short_body",
        "language",
        "attachment_count",
        "is_sensitive",
        "reply_count",
        "like_count",
        "boost_count",
        "created_at",
        "edited_at",
    ]
    list_select_related = ["author"]
    list_filter = [LanguageFilter, ("author__is_active", admin.BooleanFieldListFilter), "created_at"]
    search_fields = ["body"]
    author_fields = ["author"]
    search_help_text = _("@username for one author's posts, or words as in the site's search: \"a phrase\", or, -word.")
    raw_id_fields = ["author", "in_reply_to"]
    # Staff may correct a detected language; the author, text, time and thread are the
    # user's, and the counters are the triggers' (posts/counters.py).
    readonly_fields = [
        "author",
        "body",
        "content_warning",
        "created_at",
        "edited_at",
        "earlier_versions",
        "in_reply_to",
        "conversation",
        "reply_count",
        "like_count",
        "boost_count",
    ]
    inlines = [AttachmentInline, TaggingInline, MentionInline]
    actions = ["mark_sensitive"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    # Served by the post_created index, as explore is.
    ordering = ["-created_at", "-pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def get_inlines(self, request, obj):
        # Display only, as on the user page: nothing of them is submitted on save.
        if obj is None or request.method == "POST":
            return []
        return super().get_inlines(request, obj)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term and not term.startswith("@"):
            # The full-text index, not a substring scan of every body (half a second at 1M posts).
            return filter_matching(queryset, term), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        services.delete_files_on_commit(services.attachment_paths(Post.objects.filter(pk=obj.pk)))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        services.delete_files_on_commit(services.attachment_paths(queryset))
        super().delete_queryset(request, queryset)

    @admin.display(description=_("body"))
    def short_body(self, obj):
        return obj.body[:60]

    @admin.display(description=_("earlier versions"))
    def earlier_versions(self, obj):
        """Link to the post's versions in their own list (no count: a post's edits have no bound)."""
        if obj.edited_at is None:
            return _("Never edited")
        url = reverse("admin:posts_postedit_changelist") + f"?post__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("See the earlier versions"))

    # Who may delete a post (a moderator) may take this lesser step.
    @admin.action(description=_("Mark the pictures of the selected posts as sensitive"), permissions=["delete"])
    def mark_sensitive(self, request, queryset):
        changed = services.mark_posts_sensitive(posts=queryset)
        self.message_user(
            request,
            ngettext("%(count)d post marked as sensitive.", "%(count)d posts marked as sensitive.", changed)
            % {"count": changed},
        )


class ViewAndDeleteAdmin(admin.ModelAdmin):
    """Rows that users make by acting (tags, likes, notifications): staff look and delete, never write.

    Newest first by primary key (its index serves every page at any size), counted from
    the planner's statistics, and no list filter: listing a filter's choices or counting
    a filtered list would scan millions of rows.
    """

    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ["-pk"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Tag)
class TagAdmin(ViewAndDeleteAdmin):
    """Tags; deleting one takes it off every post that carries it."""

    list_display = ["id", "name", "key", "created_at"]
    search_fields = ["key"]
    search_help_text = _("A tag, with or without #, in any case (exact).")
    readonly_fields = ["name", "key", "created_at"]

    def get_search_results(self, request, queryset, search_term):
        # The unique index on key, not a substring scan.
        term = search_term.strip().lstrip("#")
        return (queryset.filter(key=tag_key(term)) if term else queryset), False


@admin.register(Attachment)
class AttachmentAdmin(ViewAndDeleteAdmin):
    """Every picture; deleting one deletes its files once the deletion commits."""

    list_display = ["id", "preview", "post_id", "alt_text", "created_at"]
    raw_id_fields = ["post"]
    readonly_fields = ["preview", "post", "alt_text", "width", "height", "position", "created_at"]
    exclude = ["variants"]
    search_fields = ["post__id"]
    search_help_text = _("A post's id, for that post's pictures.")

    @admin.display(description=_("picture"))
    def preview(self, obj):
        return thumbnail(obj)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.isdigit() and int(term) <= MAX_ID:
            return queryset.filter(post_id=int(term)), False  # the (post, position) index
        return (queryset.none() if term else queryset), False

    def delete_model(self, request, obj):
        services.delete_files_on_commit(obj.paths)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        services.delete_files_on_commit([path for picture in queryset for path in picture.paths])
        super().delete_queryset(request, queryset)


@admin.register(PostEdit)
class PostEditAdmin(ViewAndDeleteAdmin):
    """The versions that edits replaced, newest first; a post's own through its page's link or its id."""

    list_display = ["id", "post_id", "short_body", "content_warning", "created_at"]
    raw_id_fields = ["post"]
    readonly_fields = ["post", "body", "content_warning", "created_at"]
    search_fields = ["post__id"]
    search_help_text = _("A post's id, for that post's earlier versions.")

    @admin.display(description=_("body"))
    def short_body(self, obj):
        return obj.body[:60]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.isdigit() and int(term) <= MAX_ID:
            return queryset.filter(post_id=int(term)), False  # the (post, created_at) index
        return (queryset.none() if term else queryset), False


class ReactionAdmin(AuthorSearchMixin, ViewAndDeleteAdmin):
    """Likes, boosts, bookmarks; deleting them moves the post's counters through their triggers."""

    list_display = ["id", "user", "post_id", "created_at"]
    list_select_related = ["user"]
    raw_id_fields = ["user", "post"]
    readonly_fields = ["user", "post", "created_at"]
    search_fields = ["post__id"]
    author_fields = ["user"]
    search_help_text = _("@username for one person's rows, or a post's id for that post's rows.")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.isdigit() and int(term) <= MAX_ID:
            # The (post, ...) index, as "liked by" reads it.
            return queryset.filter(post_id=int(term)), False
        if term.startswith("@"):
            return super().get_search_results(request, queryset, term)
        return (queryset.none() if term else queryset), False

    def get_queryset(self, request):
        # The change page shows the user and the post (its str() reads the body only).
        return super().get_queryset(request).select_related("user", "post")


@admin.register(Like)
class LikeAdmin(ReactionAdmin):
    pass


@admin.register(Boost)
class BoostAdmin(ReactionAdmin):
    pass


@admin.register(Bookmark)
class BookmarkAdmin(ReactionAdmin):
    pass


@admin.register(Mention)
class MentionAdmin(ReactionAdmin):
    """Who was mentioned where (the notification belongs to the post, and goes with it)."""

    list_display = ["id", "user", "post_id"]
    readonly_fields = ["user", "post"]


@admin.register(Activity)
class ActivityAdmin(AuthorSearchMixin, ViewAndDeleteAdmin):
    """Notifications; each goes away by itself when its event row (the like, the follow...) is deleted."""

    list_display = ["id", "recipient", "actor", "kind", "post_id", "created_at"]
    list_select_related = ["recipient", "actor"]
    raw_id_fields = ["recipient", "actor", "post", "follow", "like", "boost"]
    readonly_fields = ["recipient", "actor", "kind", "post", "follow", "like", "boost", "created_at"]
    search_fields = ["recipient__username"]
    author_fields = ["recipient"]
    search_help_text = _("@username for the notifications someone received.")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.startswith("@"):
            return super().get_search_results(request, queryset, term)
        return (queryset.none() if term else queryset), False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recipient", "actor", "post", "follow", "like", "boost")


@admin.register(Message)
class MessageAdmin(AuthorSearchMixin, admin.ModelAdmin):
    """View and delete only: private messages are never written or edited by staff."""

    list_display = ["id", "sender", "recipient", "short_body", "created_at"]
    list_select_related = ["sender", "recipient"]
    list_filter = ["created_at"]
    search_fields = ["body"]
    author_fields = ["sender", "recipient"]
    search_help_text = _("@username for messages they sent or received (fast), or words in the body (slow).")
    raw_id_fields = ["sender", "recipient"]
    readonly_fields = ["sender", "recipient", "body", "created_at"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ["-created_at", "-pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sender", "recipient")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("body"))
    def short_body(self, obj):
        return obj.body[:60]


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Job state is the worker's: staff can only look, retry failures and delete."""

    list_display = ["id", "user", "state", "progress", "post_count", "created_at", "started_at", "finished_at"]
    list_select_related = ["user"]
    list_filter = ["state", "created_at"]
    search_fields = ["=user__username"]
    search_help_text = _("A username (exact, any case).")
    raw_id_fields = ["user"]
    # Kept: `manage.py cleanup` deletes finished jobs after a week, so this table stays small.
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
        return super().get_queryset(request).defer("result").select_related("user")

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


class RecentPostsFormSet(BaseInlineFormSet):
    def get_queryset(self):
        # Only the newest few: a prolific user's page must not load thousands of rows.
        # Kept, so the slice is read once, not once per form.
        if not hasattr(self, "_recent"):
            self._recent = super().get_queryset()[:RECENT_POSTS]
        return self._recent


class RecentPostsInline(ReadOnlyInline):
    """A user's newest posts on their admin page, read-only, each linking to its own page."""

    model = Post
    formset = RecentPostsFormSet
    fields = readonly_fields = ["body", "language", "created_at"]
    show_change_link = True
    verbose_name_plural = _("Most recent posts")

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-created_at", "-pk")


# accounts never imports posts, so the posts inline joins the user page from this side.
admin.site.unregister(User)


@admin.register(User)
class UserWithPostsAdmin(UserAdmin):
    inlines = [RecentPostsInline]

    def get_inlines(self, request, obj):
        # Display only: on save there is nothing to submit, so the formset (and the
        # management form it would demand) is left out.
        if obj is None or request.method == "POST":
            return []
        return super().get_inlines(request, obj)


class ReportedPostInline(ReadOnlyInline):
    """The posts a report names, as the moderator weighs them: text, author, time, pictures.

    One query for all of them, with their authors: no query per row.
    """

    model = Report.posts.through
    fields = readonly_fields = ["post_link", "body", "author", "posted_at", "pictures"]
    verbose_name = _("reported post")
    verbose_name_plural = _("Reported posts")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("post__author")
            .only(
                "report_id",
                "post__body",
                "post__created_at",
                "post__attachment_count",
                "post__is_sensitive",
                "post__author__username",
                "post__author__is_active",
            )
        )

    @admin.display(description=_("post"))
    def post_link(self, obj):
        return format_html('<a href="{}">#{}</a>', reverse("admin:posts_post_change", args=[obj.post_id]), obj.post_id)

    @admin.display(description=_("body"))
    def body(self, obj):
        return obj.post.body

    @admin.display(description=_("author"))
    def author(self, obj):
        return obj.post.author.username

    @admin.display(description=_("posted at"))
    def posted_at(self, obj):
        return obj.post.created_at

    @admin.display(description=_("pictures"))
    def pictures(self, obj):
        if obj.post.is_sensitive:
            return format_html("{} ({})", obj.post.attachment_count, _("sensitive"))
        return obj.post.attachment_count


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """The moderation queue: open reports first, newest first; each action resolves what it acts on.

    Sized like the posts' admin: no COUNT(*) of the whole table, fixed filter choices
    (status and category have choices, so listing them costs no query), joined users
    and raw id fields. Actions skip the reports already resolved.
    """

    list_display = ["id", "created_at", "status", "category", "target", "reporter", "assignee", "resolution"]
    list_display_links = ["id", "created_at"]
    list_select_related = ["target", "reporter", "assignee"]
    list_filter = ["status", "category"]
    search_fields = ["target__username"]
    search_help_text = _("@username of the reported person (exact, any case).")
    raw_id_fields = ["assignee"]
    fields = [
        "status",
        "category",
        "target",
        "reporter",
        "comment",
        "created_at",
        "assignee",
        "resolution",
        "resolution_note",
        "resolved_at",
    ]
    readonly_fields = ["status", "category", "target", "reporter", "comment", "created_at", "resolution", "resolved_at"]
    inlines = [ReportedPostInline]
    actions = ["assign_to_me", "delete_posts", "mark_sensitive", "warn", "suspend", "dismiss"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    # The report_queue index: open first, newest first.
    ordering = ["status", "-created_at", "-pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("target", "reporter", "assignee")

    def get_search_results(self, request, queryset, search_term):
        # The Lower(username) index, not a substring scan of the users joined to every report.
        term = search_term.strip().removeprefix("@")
        if not term:
            return queryset, False
        return queryset.filter(target__in=User.objects.named(term).values("pk")), False

    def get_inlines(self, request, obj):
        # Display only: nothing of them is submitted on save.
        if obj is None or request.method == "POST":
            return []
        return super().get_inlines(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A report is the record of what was asked and done: only a superuser removes one.
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        # Giving an open report to someone assigns it; taking it back reopens it.
        if obj.status == Report.Status.OPEN and obj.assignee_id:
            obj.status = Report.Status.ASSIGNED
        elif obj.status == Report.Status.ASSIGNED and not obj.assignee_id:
            obj.status = Report.Status.OPEN
        super().save_model(request, obj, form, change)

    def has_delete_posts_permission(self, request):
        return request.user.has_perm("posts.change_report") and request.user.has_perm("posts.delete_post")

    def has_suspend_permission(self, request):
        return request.user.has_perm("posts.change_report") and request.user.has_perm("accounts.change_user")

    @admin.action(description=_("Assign the selected reports to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        changed = services.assign_reports(reports=queryset, assignee=request.user)
        self.message_user(
            request,
            ngettext("%(count)d report assigned to you.", "%(count)d reports assigned to you.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Delete the reported posts and resolve"), permissions=["delete_posts"])
    def delete_posts(self, request, queryset):
        reports = self._with_posts(request, queryset)
        posts = services.reported_posts(reports)
        # Recorded in each post's admin history, as the posts' own "Delete selected" does.
        LogEntry.objects.log_actions(
            user_id=request.user.pk, queryset=list(posts.only("pk", "author_id", "body")), action_flag=DELETION
        )
        deleted = services.delete_posts(posts=posts)
        resolved = services.resolve_reports(
            reports=reports, resolution=Report.Resolution.POSTS_DELETED, moderator=request.user
        )
        self._resolved(
            request,
            resolved,
            ngettext("%(count)d post deleted.", "%(count)d posts deleted.", deleted) % {"count": deleted},
        )

    @admin.action(description=_("Mark the reported posts' pictures sensitive and resolve"), permissions=["change"])
    def mark_sensitive(self, request, queryset):
        reports = self._with_posts(request, queryset)
        changed = services.mark_posts_sensitive(posts=services.reported_posts(reports))
        resolved = services.resolve_reports(
            reports=reports, resolution=Report.Resolution.MARKED_SENSITIVE, moderator=request.user
        )
        self._resolved(
            request,
            resolved,
            ngettext("%(count)d post marked as sensitive.", "%(count)d posts marked as sensitive.", changed)
            % {"count": changed},
        )

    @admin.action(description=_("Warn the reported people by e-mail and resolve"), permissions=["change"])
    def warn(self, request, queryset):
        reports = queryset.unresolved()
        sent = services.warn_reported(reports=reports)
        resolved = services.resolve_reports(
            reports=reports, resolution=Report.Resolution.WARNED, moderator=request.user
        )
        self._resolved(
            request, resolved, ngettext("%(count)d warning sent.", "%(count)d warnings sent.", sent) % {"count": sent}
        )

    @admin.action(description=_("Suspend the reported people and resolve"), permissions=["suspend"])
    def suspend(self, request, queryset):
        reports = queryset.unresolved()
        people = User.objects.filter(pk__in=reports.values("target_id")).exclude(pk=request.user.pk)
        if not request.user.is_superuser:
            # As on the users' own admin: staff accounts are only a superuser's to moderate.
            people = people.filter(is_staff=False, is_superuser=False)
        allowed = list(people.only("pk", "username"))
        suspended = deactivate_users(users=User.objects.filter(pk__in=[person.pk for person in allowed]))
        LogEntry.objects.log_actions(
            user_id=request.user.pk,
            queryset=allowed,
            action_flag=CHANGE,
            change_message=[{"changed": {"fields": [str(capfirst(User._meta.get_field("is_active").verbose_name))]}}],
        )
        skipped = reports.exclude(target__in=[person.pk for person in allowed])
        skipped_count = skipped.count()
        resolved = services.resolve_reports(
            reports=reports.filter(target__in=[person.pk for person in allowed]),
            resolution=Report.Resolution.SUSPENDED,
            moderator=request.user,
        )
        self._resolved(
            request,
            resolved,
            ngettext("%(count)d account suspended.", "%(count)d accounts suspended.", suspended) % {"count": suspended},
        )
        if skipped_count:
            self.message_user(
                request,
                ngettext(
                    "%(count)d report left open: it is about your own or a staff account.",
                    "%(count)d reports left open: they are about your own or staff accounts.",
                    skipped_count,
                )
                % {"count": skipped_count},
                messages.WARNING,
            )

    @admin.action(description=_("Dismiss the selected reports (no action needed)"), permissions=["change"])
    def dismiss(self, request, queryset):
        resolved = services.resolve_reports(
            reports=queryset, resolution=Report.Resolution.DISMISSED, moderator=request.user
        )
        self._resolved(request, resolved, "")

    def _with_posts(self, request, queryset):
        """Return the unresolved selected reports that name posts; say how many others are left open."""
        reports = queryset.unresolved()
        with_posts = reports.filter(pk__in=Report.posts.through.objects.values("report_id"))
        ids = list(with_posts.values_list("pk", flat=True))
        left = reports.count() - len(ids)
        if left:
            self.message_user(
                request,
                ngettext(
                    "%(count)d report left open: it names no post.",
                    "%(count)d reports left open: they name no post.",
                    left,
                )
                % {"count": left},
                messages.WARNING,
            )
        # By id: deleting the posts takes their rows out of the through table this read.
        return Report.objects.filter(pk__in=ids)

    def _resolved(self, request, resolved: list, done: str) -> None:
        """Say what an action did and how many reports it resolved (their reporters are e-mailed)."""
        summary = ngettext(
            "%(count)d report resolved; its reporter is told by e-mail.",
            "%(count)d reports resolved; their reporters are told by e-mail.",
            len(resolved),
        ) % {"count": len(resolved)}
        self.message_user(request, f"{done} {summary}".strip(), messages.SUCCESS)
