"""The posts endpoints of the REST API: explore, feed, a user's posts, publish, delete,
conversations (context, likes, boosts, bookmarks), tags, notifications and reports.

Thin views over the QuerySets and services the pages use; the collection shape,
errors and throttles come from microblog/api.py. Paths are wired in microblog/urls.py.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import UserSerializer
from accounts.avatars import absolute_avatar_url
from accounts.models import User
from microblog.api import CappedCountPagination, MethodBeforeAuthenticationMixin, StrictCharField, error_responses
from microblog.images import ImageRejected
from microblog.jsonbody import JSONBodyParser
from microblog.pagination import MAX_OFFSET
from posts import services, timelines
from posts.body import BODY_VALIDATORS, EMPTY_MESSAGE, normalize_body, normalize_warning
from posts.entities import TAG, TAG_MAX_LENGTH, tag_key
from posts.models import (
    ALT_TEXT_MAX_LENGTH,
    CONTENT_WARNING_MAX_LENGTH,
    MAX_ATTACHMENTS,
    REPORT_COMMENT_MAX_LENGTH,
    Activity,
    Post,
    PostEdit,
    Report,
    Tag,
)
from posts.rendering import attachments_of, load_attachments
from posts.services import prepare_picture
from posts.threads import read_thread
from posts.timelines import load_posts

AuthorLinks = inline_serializer(
    name="AuthorLinks", fields={"self": serializers.CharField(), "avatar": serializers.CharField()}
)
PostLinks = inline_serializer(
    name="PostLinks",
    fields={"self": serializers.CharField(), "context": serializers.CharField(), "history": serializers.CharField()},
)


def for_caller(posts, request, *, muting: bool = False):
    """Return `posts` as the API shows them: joined, visible, and marked with the caller's state.

    Posts by people on the other side of a block are left out (accounts/safety.py), and
    with `muting` (the feeds) those of the people the caller mutes. One
    query a page whatever its size: liked, boosted and bookmarked are annotations
    (with_viewer_state). The API sends the body as text, so the rows of its mention
    links (posts.rendering.load_mentions) are not read.
    """
    return posts.visible_to(request.user, muting=muting).for_display().with_viewer_state(request.user)


class AuthorSerializer(serializers.ModelSerializer):
    """Who wrote a post: enough to show it and to fetch the full user."""

    _links = serializers.SerializerMethodField(method_name="get_links")

    class Meta:
        model = User
        fields = ["id", "username", "_links"]
        read_only_fields = fields

    @extend_schema_field(AuthorLinks)
    def get_links(self, user) -> dict:
        return {
            "self": reverse("api:user", args=[user.pk]),
            "avatar": absolute_avatar_url(user, self.context.get("request")),
        }


class BodyField(StrictCharField):
    """A post's body, normalised and checked by the same rule as the pages (posts/body.py)."""

    default_error_messages = {"blank": EMPTY_MESSAGE}

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=False, validators=BODY_VALIDATORS, **kwargs)

    def to_internal_value(self, data):
        return normalize_body(super().to_internal_value(data))


class ContentWarningField(StrictCharField):
    """A post's content warning: one line of at most 100 characters; empty (or only spaces) is none."""

    def __init__(self, **kwargs):
        super().__init__(
            trim_whitespace=False, allow_blank=True, max_length=CONTENT_WARNING_MAX_LENGTH, required=False, **kwargs
        )

    def to_internal_value(self, data):
        return normalize_warning(super().to_internal_value(data))


class ReplyToField(serializers.PrimaryKeyRelatedField):
    """The id of the post answered: a JSON integer naming a post that is still shown, or null."""

    default_error_messages = {
        "does_not_exist": _("There is no post {pk_value} to reply to: it does not exist or has been deleted."),
        "incorrect_type": _("Expected the id of a post (an integer), received {data_type}."),
    }

    def __init__(self, **kwargs):
        super().__init__(queryset=Post.objects.visible(), **kwargs)

    def to_internal_value(self, data):
        # A multipart body has only strings: there, "5" is the id 5 and "null" is null.
        request = self.context.get("request")
        if isinstance(data, str) and request is not None and request.content_type.startswith("multipart/"):
            if data == "null":
                return None
            data = int(data) if data.isascii() and data.isdigit() and len(data) < 19 else data
        # DRF would take "5" and true (as 1); the schema says integer and means it.
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class PictureSerializer(serializers.Serializer):
    """A picture of a post, as the post's JSON lists it (read only; the schema of `attachments`)."""

    url = serializers.URLField(help_text=_("The full-size picture (WebP), an absolute URL."))
    preview_url = serializers.URLField(help_text=_("The grid's smaller size (WebP), an absolute URL."))
    width = serializers.IntegerField(help_text=_("The full size's width in pixels."))
    height = serializers.IntegerField(help_text=_("The full size's height in pixels."))
    preview_width = serializers.IntegerField()
    preview_height = serializers.IntegerField()
    alt_text = serializers.CharField(help_text=_("The description of the picture; empty when it has none."))
    sensitive = serializers.BooleanField(help_text=_("Whether the post's pictures are marked as sensitive."))


class FlatListField(serializers.ListField):
    """A ListField whose items' errors are one list of messages ("2: ..."), the shape of the error schema."""

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as error:
            messages = [f"{index + 1}: {message}" for index, found in error.detail.items() for message in found]
            raise serializers.ValidationError(messages) from None


class PostListSerializer(serializers.ListSerializer):
    """A list of posts: their pictures are read for the whole list in one query (rendering.load_attachments)."""

    def to_representation(self, data):
        posts = list(data.all() if hasattr(data, "all") else data)
        load_attachments(posts)
        return super().to_representation(posts)


class PostSerializer(serializers.ModelSerializer):
    """A post with its counters, pictures and what the caller did to it.

    Clients write `body`, `in_reply_to` and `sensitive`; a multipart body also takes up to
    four `images` with their `alt_text` in the same order (PostWithPicturesSerializer).
    """

    body = BodyField(help_text=_("1 to 140 characters, not only spaces or invisible characters."))
    content_warning = ContentWarningField(
        help_text=_("Shown instead of the body and its pictures until the reader opens the post; empty for none.")
    )
    language = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("ISO 639-1 code, null when it could not be told.")
    )
    timestamp = serializers.DateTimeField(source="created_at", read_only=True)
    edited_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("When the author last edited the post; null if never.")
    )
    author = AuthorSerializer(read_only=True)
    in_reply_to = ReplyToField(
        required=False,
        allow_null=True,
        help_text=_(
            "The id of the post this one answers; null for a first post, and when the post answered was deleted."
        ),
    )
    reply_count = serializers.IntegerField(read_only=True)
    like_count = serializers.IntegerField(read_only=True)
    boost_count = serializers.IntegerField(read_only=True)
    liked = serializers.BooleanField(read_only=True, help_text=_("Whether you like this post."))
    boosted = serializers.BooleanField(read_only=True, help_text=_("Whether you boosted this post."))
    bookmarked = serializers.BooleanField(read_only=True, help_text=_("Whether this post is in your bookmarks."))
    attachments = serializers.SerializerMethodField(help_text=_("The post's pictures, in order (up to 4)."))
    sensitive = serializers.BooleanField(
        source="is_sensitive",
        required=False,
        help_text=_("Whether the pictures are sensitive (shown blurred until asked for)."),
    )
    _links = serializers.SerializerMethodField(method_name="get_links")

    class Meta:
        model = Post
        list_serializer_class = PostListSerializer
        fields = [
            "id",
            "body",
            "content_warning",
            "language",
            "timestamp",
            "edited_at",
            "author",
            "in_reply_to",
            "reply_count",
            "like_count",
            "boost_count",
            "liked",
            "boosted",
            "bookmarked",
            "attachments",
            "sensitive",
            "_links",
        ]
        read_only_fields = ["id"]

    @extend_schema_field(PictureSerializer(many=True))
    def get_attachments(self, post) -> list:
        request = self.context.get("request")
        absolute = request.build_absolute_uri if request is not None else str
        pictures = []
        for picture in attachments_of(post):
            large, small = picture.large, picture.small
            pictures.append(
                {
                    "url": absolute(large["url"]),
                    "preview_url": absolute(small["url"]),
                    "width": large["width"],
                    "height": large["height"],
                    "preview_width": small["width"],
                    "preview_height": small["height"],
                    "alt_text": picture.alt_text,
                    "sensitive": post.is_sensitive,
                }
            )
        return pictures

    @extend_schema_field(PostLinks)
    def get_links(self, post) -> dict:
        return {
            "self": reverse("api:post", args=[post.pk]),
            "context": reverse("api:post_context", args=[post.pk]),
            "history": reverse("api:post_history", args=[post.pk]),
        }

    def to_representation(self, post):
        data = super().to_representation(post)
        data["language"] = data["language"] or None
        return data


class PostWithPicturesSerializer(PostSerializer):
    """The multipart body of a new post: a post's fields, and up to four `images` with their `alt_text`."""

    images = FlatListField(
        child=serializers.FileField(allow_empty_file=True),  # the pipeline says "empty", naming the file
        write_only=True,
        required=False,
        max_length=MAX_ATTACHMENTS,
        help_text=_("Multipart only: up to 4 pictures (JPEG, PNG, WebP or GIF), each read by decoding it."),
    )
    alt_text = FlatListField(
        child=StrictCharField(max_length=ALT_TEXT_MAX_LENGTH, allow_blank=True),
        write_only=True,
        required=False,
        max_length=MAX_ATTACHMENTS,
        help_text=_("Multipart only: the description of each picture, in the order of `images`."),
    )

    class Meta(PostSerializer.Meta):
        fields = [*PostSerializer.Meta.fields, "images", "alt_text"]

    def validate(self, attrs):
        uploads = attrs.pop("images", [])
        alt_texts = [text.strip() for text in attrs.pop("alt_text", [])]
        pictures, errors = [], []
        for number, upload in enumerate(uploads):
            alt_text = alt_texts[number] if number < len(alt_texts) else ""
            if not alt_text and settings.MEDIA_REQUIRE_ALT:
                raise serializers.ValidationError(
                    {"alt_text": [_("Describe each picture for people who cannot see it.")]}
                )
            try:
                pictures.append(prepare_picture(upload, alt_text=alt_text))
            except ImageRejected as refusal:
                errors.append(f"{upload.name or '?'}: {refusal.message}")
        if errors:
            raise serializers.ValidationError({"images": errors})
        attrs["pictures"] = pictures
        return attrs


class PostListView(MethodBeforeAuthenticationMixin, generics.ListAPIView):
    """Base of the post collections, newest first."""

    serializer_class = PostSerializer


@extend_schema_view(get=extend_schema(operation_id="list_posts", summary=_("List everyone's posts")))
class ExploreView(PostListView):
    """GET: everyone's posts; POST: publish a post."""

    # The whole posts table: count only up to a cap (see microblog/api.py).
    pagination_class = CappedCountPagination
    # JSON, or multipart for a post with pictures.
    parser_classes = [JSONBodyParser, MultiPartParser]

    def get_queryset(self):
        return for_caller(Post.objects, self.request, muting=True)

    @extend_schema(
        operation_id="create_post",
        summary=_("Publish a post"),
        description=_(
            "A reply when `in_reply_to` names a post; a post that does not exist, has been deleted or is "
            "hidden is a 400. With pictures, send multipart/form-data: `body`, up to four `images`, an "
            "`alt_text` for each in the same order, and `sensitive`; a file that is not a picture we take "
            "is a 400 that names it."
        ),
        request={"application/json": PostSerializer, "multipart/form-data": PostWithPicturesSerializer},
        responses={201: PostSerializer, **error_responses(400, 415)},
    )
    def post(self, request):
        with_pictures = request.content_type.startswith("multipart/")
        serializer_class = PostWithPicturesSerializer if with_pictures else PostSerializer
        form = serializer_class(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        try:
            post = services.publish_post(
                author=request.user,
                body=form.validated_data["body"],
                in_reply_to=form.validated_data.get("in_reply_to"),
                pictures=form.validated_data.get("pictures", []),
                is_sensitive=form.validated_data.get("is_sensitive", False),
                content_warning=form.validated_data.get("content_warning", ""),
            )
        except services.ReplyRefused as refusal:
            # Deleted after the field's check: the same answer as if it had gone before.
            raise serializers.ValidationError({"in_reply_to": refusal.messages}) from None
        post = get_object_or_404(self.get_queryset(), pk=post.pk)
        location = reverse("api:post", args=[post.pk])
        return Response(self.get_serializer(post).data, status=status.HTTP_201_CREATED, headers={"Location": location})


class FeedPostSerializer(PostSerializer):
    """A post of the feed: a post, and who boosted it into the feed when a boost did."""

    boosted_by = serializers.SerializerMethodField(
        help_text=_("The username of the person you follow (or you) whose boost put the post here; null if none.")
    )

    class Meta(PostSerializer.Meta):
        fields = [*PostSerializer.Meta.fields, "boosted_by"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_boosted_by(self, post) -> str | None:
        return getattr(post, "boosted_by", "") or None


class TimelinePagination(CappedCountPagination):
    """The collection shape over a Timeline (posts/timelines.py): ?page= is an offset into its entries.

    The count stops at 1,000 entries: each entry of the home feed is checked against the
    newer boosts of the post, so counting 10,000 of them took ~180 ms at 1M posts (the
    API feed case of bench/http_bench.py) against ~20 ms for 1,000.
    """

    count_cap = 1_000

    def count_items(self, timeline) -> int:
        return timeline.seen_by(self.request.user).count(cap=self.count_cap)

    def fetch_rows(self, timeline) -> tuple[list, bool]:
        offset = (self.page - 1) * self.per_page
        if offset > MAX_OFFSET:
            return [], False
        entries = timeline.seen_by(self.request.user).entries(limit=self.per_page + 1, offset=offset)
        posts = load_posts(entries[: self.per_page], self.request.user)
        return posts, len(entries) > self.per_page


@extend_schema_view(get=extend_schema(operation_id="get_feed", summary=_("List your feed")))
class FeedView(PostListView):
    """GET: the home page's feed: the caller's posts, those of the users they follow, and their boosts."""

    serializer_class = FeedPostSerializer
    pagination_class = TimelinePagination

    def get_queryset(self):
        return timelines.home(self.request.user)


@extend_schema_view(
    get=extend_schema(
        operation_id="list_user_posts",
        summary=_("List a user's posts"),
        responses={200: PostSerializer(many=True), **error_responses(404)},
    )
)
class UserPostsView(PostListView):
    """GET: one user's posts (counted exactly: the author index bounds the count)."""

    def get_queryset(self):
        author = get_object_or_404(User.objects.visible_to(self.request.user), pk=self.kwargs["id"])
        return for_caller(Post.objects.by_author(author), self.request)


class PostChangeSerializer(serializers.Serializer):
    """The body of PATCH /api/posts/<id>: a new text, a new warning, or both; what is left out stays."""

    body = BodyField(required=False, help_text=_("1 to 140 characters, not only spaces or invisible characters."))
    content_warning = ContentWarningField(help_text=_("The new warning; empty to remove it."))


@extend_schema_view(
    get=extend_schema(
        operation_id="get_post", summary=_("Get a post"), responses={200: PostSerializer, **error_responses(404)}
    )
)
class PostDetailView(MethodBeforeAuthenticationMixin, generics.RetrieveAPIView):
    """GET: one post; PATCH: edit its text or warning if it is yours; DELETE: delete it if it is yours."""

    serializer_class = PostSerializer
    lookup_url_kwarg = "id"

    def get_queryset(self):
        return for_caller(Post.objects, self.request)

    @extend_schema(
        operation_id="edit_post",
        summary=_("Edit your post"),
        description=_(
            "Change the text, the content warning, or both; a field left out stays as it is. The version "
            "replaced is kept in the post's history; the same text again records nothing. Mentions and "
            "hashtags follow the new text, and people newly mentioned are notified. Pictures cannot be edited."
        ),
        request=PostChangeSerializer,
        responses={200: PostSerializer, **error_responses(400, 403, 404, 415)},
    )
    def patch(self, request, id):
        post = self.get_object()
        if post.author_id != request.user.pk:
            raise PermissionDenied(_("You can only edit your own posts."))
        form = PostChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            services.edit_post(
                post=post,
                editor=request.user,
                body=form.validated_data.get("body", post.body),
                content_warning=form.validated_data.get("content_warning"),
            )
        except services.EditRefused as refusal:
            if refusal.code == "gone":
                raise Http404 from None
            raise PermissionDenied(refusal.messages[0]) from None
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        fresh = get_object_or_404(self.get_queryset(), pk=post.pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(
        operation_id="delete_post",
        summary=_("Delete your post"),
        request=None,
        responses={204: OpenApiResponse(description=_("Deleted.")), **error_responses(403, 404)},
    )
    def delete(self, request, id):
        post = self.get_object()
        if post.author_id != request.user.pk:
            raise PermissionDenied(_("You can only delete your own posts."))
        services.delete_post(post=post)
        return Response(status=status.HTTP_204_NO_CONTENT)


PostContextSerializer = inline_serializer(
    name="PostContext",
    fields={
        "ancestors": PostSerializer(many=True, help_text=_("The posts above this one, the first post first.")),
        "descendants": PostSerializer(
            many=True, help_text=_("The replies under this one, in thread order: each reply after the post it answers.")
        ),
    },
)


@extend_schema_view(
    get=extend_schema(
        operation_id="get_post_context",
        summary=_("Get a post's conversation"),
        description=_(
            "The posts this one answers, up to the first post, and every reply below it, as the thread page "
            "reads them: at most 500 posts of the conversation, those nearest to this one. A post whose parent "
            "was deleted has no ancestors beyond it."
        ),
        responses={200: PostContextSerializer, **error_responses(404)},
    )
)
class PostContextView(MethodBeforeAuthenticationMixin, APIView):
    """GET: the ancestors and the descendants of a post, read as the thread page reads its conversation."""

    def get(self, request, id):
        """Answer the conversation around post `id`."""
        found = get_object_or_404(Post.objects.visible_to(request.user).only("conversation"), pk=id)
        # The thread page's reading of the conversation, flattened: one module walks it.
        thread = read_thread(found, request.user, page=None)
        if thread.post is found:  # not among the rows read: deleted between the two queries
            raise Http404
        ancestors = [ancestor for ancestor in thread.ancestors if ancestor]  # not the deleted or hidden
        descendants = thread.descendants()
        context = {"request": request}
        return Response(
            {
                "ancestors": PostSerializer(ancestors, many=True, context=context).data,
                "descendants": PostSerializer(descendants, many=True, context=context).data,
            }
        )


class PostVersionSerializer(serializers.ModelSerializer):
    """An earlier version of a post, as an edit replaced it."""

    created_at = serializers.DateTimeField(read_only=True, help_text=_("When this version was written."))

    class Meta:
        model = PostEdit
        fields = ["body", "content_warning", "created_at"]
        read_only_fields = fields


@extend_schema_view(
    get=extend_schema(
        operation_id="list_post_history",
        summary=_("List a post's earlier versions"),
        description=_(
            "The versions that edits replaced, the most recent first; empty for a post never edited. "
            "The post itself shows the current version."
        ),
        responses={200: PostVersionSerializer(many=True), **error_responses(404)},
    )
)
class PostHistoryView(MethodBeforeAuthenticationMixin, generics.ListAPIView):
    """GET: the earlier versions of a post, the most recent first (counted exactly: one post's rows)."""

    serializer_class = PostVersionSerializer

    def get_queryset(self):
        post = get_object_or_404(Post.objects.visible_to(self.request.user).only("pk"), pk=self.kwargs["id"])
        return PostEdit.objects.of(post)


class PostReactionView(MethodBeforeAuthenticationMixin, APIView):
    """POST: add the caller's like, boost or bookmark; DELETE: take it back. Both answer the post.

    Idempotent like following: a second POST (a double click, a retried request) or a
    DELETE of nothing changes nothing and answers 200 with the same post. The post comes
    back with its counters after the change (the triggers have run) and the caller's state.
    """

    add = None  # the service that adds the reaction, e.g. services.like_post
    remove = None  # the service that takes it back

    def _react(self, request, id, service):
        post = get_object_or_404(Post.objects.visible_to(request.user).only("author"), pk=id)
        service(user=request.user, post=post)
        fresh = get_object_or_404(for_caller(Post.objects, request), pk=post.pk)
        return Response(PostSerializer(fresh, context={"request": request}).data)

    def post(self, request, id):
        """Add the reaction (again is fine)."""
        return self._react(request, id, self.add)

    def delete(self, request, id):
        """Take the reaction back (none is fine)."""
        return self._react(request, id, self.remove)


def _reaction_schema(name: str, adds: str, removes: str, note: str = ""):
    """Document the POST and DELETE of one reaction endpoint."""
    answers = {200: PostSerializer, **error_responses(404)}
    idempotent = _("Idempotent: doing it again answers 200 with the same post.")
    return extend_schema_view(
        post=extend_schema(
            operation_id=f"{name}_post",
            summary=adds,
            description=format_lazy("{} {}", note, idempotent) if note else idempotent,
            request=None,
            responses=answers,
        ),
        delete=extend_schema(
            operation_id=f"un{name}_post", summary=removes, description=idempotent, request=None, responses=answers
        ),
    )


@_reaction_schema("like", _("Like a post"), _("Unlike a post"), _("Its author is notified."))
class LikeView(PostReactionView):
    add = staticmethod(services.like_post)
    remove = staticmethod(services.unlike_post)


@_reaction_schema(
    "boost", _("Boost a post"), _("Unboost a post"), _("It shows in your followers' feeds; its author is notified.")
)
class BoostView(PostReactionView):
    add = staticmethod(services.boost_post)
    remove = staticmethod(services.unboost_post)


@_reaction_schema("bookmark", _("Bookmark a post"), _("Remove a bookmark"), _("Bookmarks are private."))
class BookmarkView(PostReactionView):
    add = staticmethod(services.bookmark_post)
    remove = staticmethod(services.unbookmark_post)


def _tag_named(name: str) -> Tag | None:
    """Return the tag `name` spells (in any letter case, with or without "#"), or None."""
    name = name.removeprefix("#")
    # Anything that could not be a tag is answered without a query (and a NUL never reaches PostgreSQL).
    if len(name) > TAG_MAX_LENGTH or not re.fullmatch(TAG, f"#{name}"):
        return None
    return Tag.objects.filter(key=tag_key(name)).first()


@extend_schema_view(
    get=extend_schema(
        operation_id="list_tag_posts",
        summary=_("List the posts with a hashtag"),
        description=_("Newest first; the tag is matched in any letter case. A tag nobody used is an empty collection."),
        parameters=[
            OpenApiParameter(
                "tag",
                str,
                OpenApiParameter.PATH,
                description=_("The hashtag, with or without its #: Django, django and DJANGO are one tag."),
            )
        ],
        responses={200: PostSerializer(many=True), **error_responses(404)},
    )
)
class TagPostsView(PostListView):
    """GET: the posts carrying a hashtag, newest first."""

    # A popular tag spans much of the posts table: count only up to a cap.
    pagination_class = CappedCountPagination

    def get_queryset(self):
        tag = _tag_named(self.kwargs["tag"])
        if tag is None:
            return Post.objects.none()
        return for_caller(Post.objects, self.request, muting=True).tagged_newest_first(tag)


@extend_schema_view(get=extend_schema(operation_id="list_bookmarks", summary=_("List your bookmarks")))
class BookmarksView(PostListView):
    """GET: the caller's bookmarked posts, the newest bookmark first (counted exactly)."""

    def get_queryset(self):
        return for_caller(Post.objects, self.request).bookmarked_by(self.request.user)


class NotificationSerializer(serializers.Serializer):
    """Something that happened to the caller: who did it and, but for a follow, to which post."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=Activity.Kind.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    actor = UserSerializer(read_only=True)
    post = PostSerializer(
        read_only=True,
        allow_null=True,
        help_text=_("The post liked, boosted or replied to, the reply, or the mentioning post; null for a follow."),
    )


@extend_schema_view(get=extend_schema(operation_id="list_notifications", summary=_("List your notifications")))
class NotificationsView(MethodBeforeAuthenticationMixin, generics.ListAPIView):
    """GET: what happened to the caller, newest first. Reading them here does not mark them read."""

    serializer_class = NotificationSerializer
    # A popular account gathers notifications without bound: count only up to a cap.
    pagination_class = CappedCountPagination

    def get_queryset(self):
        # The posts come in one query for the page, with the caller's state on each; a post
        # hidden since (its author deactivated) comes back as null.
        return Activity.objects.for_recipient(self.request.user).prefetch_related(
            Prefetch("post", for_caller(Post.objects, self.request))
        )


# The largest primary key (a bigint): a larger number names nothing, and must not reach the database.
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """An id: a JSON integer (not a string, not a boolean) within a primary key's range."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class ReportSerializer(serializers.ModelSerializer):
    """A report as filed: whom and which posts it names, why, and whether moderators have settled it."""

    user = IdField(
        source="target_id",
        required=False,
        help_text=_("The id of the person reported. May be left out when `posts` names their posts."),
    )
    posts = FlatListField(
        child=IdField(),
        required=False,
        max_length=services.REPORT_MAX_POSTS,
        help_text=_("Ids of the reported person's posts to include."),
    )
    comment = StrictCharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=REPORT_COMMENT_MAX_LENGTH,
        help_text=_("Optional: what the moderators should know. Only they read it."),
    )
    status = serializers.ChoiceField(choices=["open", "assigned", "resolved"], source="status_name", read_only=True)

    class Meta:
        model = Report
        fields = ["id", "user", "posts", "category", "comment", "status", "created_at"]
        read_only_fields = ["id", "status", "created_at"]
        # The service decides duplicates (report_open_once), not a validator's lookup.
        validators = []

    def validate(self, data):
        posts = self._posts(data.get("posts", []))
        target_id = data.get("target_id")
        authors = {post.author_id for post in posts}
        if target_id is None and not authors:
            raise serializers.ValidationError(_("Name the person (`user`) or the posts (`posts`) to report."))
        if len(authors) > 1 or (target_id is not None and authors - {target_id}):
            raise serializers.ValidationError({"posts": [_("A report can only include posts of the person reported.")]})
        target_id = target_id if target_id is not None else authors.pop()
        target = User.objects.active().filter(pk=target_id).first()
        if target is None:
            raise serializers.ValidationError(
                {
                    "user": [
                        _("There is no user %(id)d: the account does not exist or is suspended.") % {"id": target_id}
                    ]
                }
            )
        return {**data, "target": target, "posts": posts}

    def _posts(self, ids: list[int]) -> list[Post]:
        found = Post.objects.visible().only("author_id").in_bulk(set(ids))
        missing = [pk for pk in dict.fromkeys(ids) if pk not in found]
        if missing:
            raise serializers.ValidationError(
                {
                    "posts": [
                        _("There is no post %(id)d: it does not exist or has been deleted.") % {"id": pk}
                        for pk in missing
                    ]
                }
            )
        return list(found.values())

    def to_representation(self, report):
        # `posts` is a list of ids in and out, where the model has a relation.
        fields = {name: field for name, field in self.fields.items() if name != "posts"}
        data = {name: field.to_representation(field.get_attribute(report)) for name, field in fields.items()}
        return {**data, "posts": sorted(report.posts.values_list("pk", flat=True))}


@extend_schema_view(
    post=extend_schema(
        operation_id="create_report",
        summary=_("Report a person or some of their posts"),
        description=_(
            "Send `user` (the person's id), or `posts` (ids of their posts), or both, with a `category` and an "
            "optional `comment`. Moderators are e-mailed; you are e-mailed when they resolve it. While your earlier "
            "report of the same person is unresolved, this one is added to it and the answer is 200 with that "
            "report. Reporting yourself, or naming posts of someone else, is a 400. At most REPORTS_PER_HOUR "
            "unresolved reports an hour, then 429."
        ),
        request=ReportSerializer,
        responses={
            201: ReportSerializer,
            200: OpenApiResponse(ReportSerializer, description=_("Added to your earlier, unresolved report.")),
            **error_responses(400, 415, 429),
        },
    )
)
class ReportView(MethodBeforeAuthenticationMixin, generics.GenericAPIView):
    """POST: file a report (the pages' service, limit and duplicate rule)."""

    serializer_class = ReportSerializer

    def post(self, request):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            report, created = services.file_report(
                reporter=request.user,
                target=data["target"],
                category=data["category"],
                posts=data["posts"],
                comment=data.get("comment", ""),
                site_url=request.build_absolute_uri("/").removesuffix("/"),
            )
        except services.ReportLimitReached as refusal:
            raise Throttled(detail=" ".join(refusal.messages)) from None
        return Response(
            self.get_serializer(report).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
