"""Staff pages for posts, messages and export jobs; sized for millions of posts (docs/admin.md).

No `date_hierarchy` on posts or messages: at every changelist view it runs MIN/MAX and
a DISTINCT-dates query over the whole table, seconds on millions of rows. The date
`list_filter`s replace it at no cost (fixed choices, an indexed range when picked).
Nobody adds or rewrites what users wrote: posts and messages can be seen and deleted.
"""

from django.conf import settings
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin import UserAdmin
from accounts.models import User
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
        # One UPDATE; each post's cached HTML changes key with is_sensitive (posts/rendering.py).
        changed = queryset.filter(is_sensitive=False).update(is_sensitive=True)
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
