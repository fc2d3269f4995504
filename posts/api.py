"""The posts endpoints of the REST API: explore, feed, a user's posts, publish, delete.

Thin views over the QuerySets and services the pages use; the collection shape,
errors and throttles come from microblog/api.py. Paths are wired in microblog/urls.py.
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.avatars import absolute_avatar_url
from accounts.models import User
from microblog.api import CappedCountPagination, MethodBeforeAuthenticationMixin, StrictCharField, error_responses
from posts import services
from posts.body import BODY_VALIDATORS, EMPTY_MESSAGE, normalize_body
from posts.models import Post

AuthorLinks = inline_serializer(
    name="AuthorLinks", fields={"self": serializers.CharField(), "avatar": serializers.CharField()}
)
PostLinks = inline_serializer(name="PostLinks", fields={"self": serializers.CharField()})


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


class PostSerializer(serializers.ModelSerializer):
    """A post; only `body` is written by clients."""

    body = BodyField(help_text=_("1 to 140 characters, not only spaces or invisible characters."))
    language = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("ISO 639-1 code, null when it could not be told.")
    )
    timestamp = serializers.DateTimeField(source="created_at", read_only=True)
    author = AuthorSerializer(read_only=True)
    _links = serializers.SerializerMethodField(method_name="get_links")

    class Meta:
        model = Post
        fields = ["id", "body", "language", "timestamp", "author", "_links"]
        read_only_fields = ["id"]

    @extend_schema_field(PostLinks)
    def get_links(self, post) -> dict:
        return {"self": reverse("api:post", args=[post.pk])}

    def to_representation(self, post):
        data = super().to_representation(post)
        data["language"] = data["language"] or None
        return data


class PostListView(MethodBeforeAuthenticationMixin, generics.ListAPIView):
    """Base of the post collections, newest first."""

    serializer_class = PostSerializer


@extend_schema_view(get=extend_schema(operation_id="list_posts", summary=_("List everyone's posts")))
class ExploreView(PostListView):
    """GET: everyone's posts; POST: publish a post."""

    # The whole posts table: count only up to a cap (see microblog/api.py).
    pagination_class = CappedCountPagination

    def get_queryset(self):
        return Post.objects.for_display()

    @extend_schema(
        operation_id="create_post",
        summary=_("Publish a post"),
        request=PostSerializer,
        responses={201: PostSerializer, **error_responses(400, 415)},
    )
    def post(self, request):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        post = services.publish_post(author=request.user, body=form.validated_data["body"])
        location = reverse("api:post", args=[post.pk])
        return Response(self.get_serializer(post).data, status=status.HTTP_201_CREATED, headers={"Location": location})


@extend_schema_view(get=extend_schema(operation_id="get_feed", summary=_("List your feed")))
class FeedView(PostListView):
    """GET: the caller's own posts and those of the users they follow."""

    pagination_class = CappedCountPagination

    def get_queryset(self):
        return Post.objects.feed_for(self.request.user)


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
        author = get_object_or_404(User.objects.active(), pk=self.kwargs["id"])
        return Post.objects.by_author(author)


@extend_schema_view(
    get=extend_schema(
        operation_id="get_post", summary=_("Get a post"), responses={200: PostSerializer, **error_responses(404)}
    )
)
class PostDetailView(MethodBeforeAuthenticationMixin, generics.RetrieveAPIView):
    """GET: one post; DELETE: delete it if it is yours."""

    serializer_class = PostSerializer
    lookup_url_kwarg = "id"

    def get_queryset(self):
        return Post.objects.for_display()

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
