"""The users, tokens and follow endpoints of the REST API (microblog-compatible).

Thin views over the same QuerySets and services as the pages; the collection shape,
errors and throttles come from microblog/api.py. Paths are wired in microblog/urls.py.
"""

from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
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
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.authentication import OTP_HEADER, PasswordAuthentication
from accounts.avatars import absolute_avatar_url
from accounts.models import Block, Mute, User
from accounts.validators import validate_email_free, validate_new_username, validate_username_characters
from microblog.api import (
    ErrorSerializer,
    MethodBeforeAuthenticationMixin,
    StrictCharField,
    StrictEmailField,
    error_responses,
)
from microblog.throttling import (
    RegistrationRateThrottle,
    ThrottleBeforeAuthenticationMixin,
    TokenRateThrottle,
    WriteRateThrottle,
)

# The longest mute the API takes (the pages offer up to 30 days, or until unmuted).
MAX_MUTE_SECONDS = 365 * 24 * 60 * 60

# ---------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------

UserLinks = inline_serializer(
    name="UserLinks",
    fields={
        "self": serializers.CharField(),
        "followers": serializers.CharField(),
        "following": serializers.CharField(),
        "avatar": serializers.CharField(),
    },
)


# Read only, with every field declared: as a ModelSerializer it rebuilt its fields from
# the model on every response, a quarter of the time of GET /api/users/<id>.
class UserSerializer(serializers.Serializer):
    """microblog's user: counts and links for everyone, the email only for yourself."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True, help_text=User._meta.get_field("username").help_text)
    last_seen = serializers.DateTimeField(read_only=True, allow_null=True)
    about_me = serializers.CharField(read_only=True, allow_null=True, help_text=_("null until the user writes one."))
    post_count = serializers.IntegerField(read_only=True)
    follower_count = serializers.IntegerField(read_only=True)
    following_count = serializers.IntegerField(read_only=True)
    _links = serializers.SerializerMethodField(method_name="get_links")
    # Not read-only so the schema marks it optional: it is present on your own record only.
    email = serializers.EmailField(required=False, help_text=_("Only on the caller's own record."))

    @extend_schema_field(UserLinks)
    def get_links(self, user) -> dict:
        return {
            "self": reverse("api:user", args=[user.pk]),
            "followers": reverse("api:followers", args=[user.pk]),
            "following": reverse("api:following", args=[user.pk]),
            "avatar": absolute_avatar_url(user, self.context.get("request")),
        }

    def to_representation(self, user):
        data = super().to_representation(user)
        data["about_me"] = data["about_me"] or None
        request = self.context.get("request")
        if request is None or request.user.pk != user.pk:
            del data["email"]
        return data


class ProfileSerializer(serializers.Serializer):
    """What a user may set about themselves; the checks the registration form makes too."""

    username = StrictCharField(max_length=150, help_text=validate_username_characters.message)
    email = StrictEmailField(max_length=254)
    about_me = StrictCharField(max_length=140, required=False, allow_blank=True, allow_null=True)

    def validate_username(self, value):
        return validate_new_username(value, user=self.instance)

    def validate_email(self, value):
        return validate_email_free(value, user=self.instance)

    def validate_about_me(self, value):
        return value or ""


class RegistrationSerializer(ProfileSerializer):
    """A new account: a username, an email and a password Django's validators accept."""

    password = StrictCharField(max_length=4096, write_only=True, trim_whitespace=False)

    def validate(self, data):
        candidate = User(username=data["username"], email=data["email"])
        try:
            validate_password(data["password"], user=candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": list(error.messages)}) from None
        return data


TokenSerializer = inline_serializer(
    name="Token",
    fields={"token": serializers.CharField(help_text=_("32 hex characters, valid for one hour."))},
)

# ---------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------


class TokenView(MethodBeforeAuthenticationMixin, ThrottleBeforeAuthenticationMixin, APIView):
    """POST: trade a username (or email) and password for a token; DELETE: revoke it."""

    throttle_classes = [TokenRateThrottle]

    def get_authenticators(self):
        # self.request is the plain HttpRequest here (None while the schema is generated).
        if getattr(self.request, "method", None) == "POST":
            return [PasswordAuthentication()]
        return super().get_authenticators()

    @extend_schema(
        operation_id="create_token",
        summary=_("Get a token"),
        description=_(
            "HTTP Basic credentials in, a Bearer token out. The same token is returned while it has more "
            "than a minute to live; then a new one, valid for an hour. An account with two-factor sign-in "
            "on also needs a code in the X-OTP header."
        ),
        request=None,
        parameters=[
            OpenApiParameter(
                OTP_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=False,
                description=_(
                    "Accounts with two-factor sign-in only: the 6-digit code of the authenticator app, "
                    "or an unused recovery code (spent by this call)."
                ),
            )
        ],
        responses={
            200: TokenSerializer,
            **error_responses(429),
            401: OpenApiResponse(
                ErrorSerializer,
                description=_(
                    "Wrong username or password; or, for an account with two-factor sign-in, "
                    "the X-OTP code is missing, wrong or already used."
                ),
            ),
        },
    )
    def post(self, request):
        response = Response({"token": services.issue_api_token(user=request.user)})
        add_never_cache_headers(response)  # a secret
        return response

    @extend_schema(
        operation_id="revoke_token",
        summary=_("Revoke the token"),
        request=None,
        responses={204: OpenApiResponse(description=_("Revoked."))},
    )
    def delete(self, request):
        services.revoke_api_token(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(get=extend_schema(operation_id="list_users", summary=_("List users")))
class UserListView(MethodBeforeAuthenticationMixin, generics.ListAPIView):
    """GET: every user, oldest account first; POST: register (no token needed)."""

    serializer_class = UserSerializer
    throttle_classes = [RegistrationRateThrottle, WriteRateThrottle]

    def get_authenticators(self):
        if getattr(self.request, "method", None) == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return super().get_permissions()

    def get_queryset(self):
        return User.objects.visible_to(self.request.user).order_by("pk")

    @extend_schema(
        operation_id="create_user",
        summary=_("Register"),
        request=RegistrationSerializer,
        responses={201: UserSerializer, **error_responses(400, 415)},
    )
    def post(self, request):
        form = RegistrationSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = services.register_user(**form.validated_data)
        user = self.get_queryset().get(pk=user.pk)
        data = UserSerializer(user, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": reverse("api:user", args=[user.pk])})


class UserDetailView(MethodBeforeAuthenticationMixin, generics.RetrieveAPIView):
    """GET: one user; PUT: change your own username, email or about me."""

    serializer_class = UserSerializer
    lookup_url_kwarg = "id"

    def get_queryset(self):
        # Someone on the other side of a block is a 404, as their profile shows nothing.
        return User.objects.visible_to(self.request.user)

    @extend_schema(
        operation_id="get_user", summary=_("Get a user"), responses={200: UserSerializer, **error_responses(404)}
    )
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if request.user.pk == kwargs["id"]:
            add_never_cache_headers(response)  # your own record holds your email
        return response

    @extend_schema(
        operation_id="update_user",
        summary=_("Update yourself"),
        description=_("Only the fields sent change; another user's id gives 403."),
        request=ProfileSerializer(partial=True),
        responses={200: UserSerializer, **error_responses(400, 403, 404, 415)},
    )
    def put(self, request, id):
        if request.user.pk != id:
            raise PermissionDenied(_("You can only change your own account."))
        form = ProfileSerializer(instance=request.user, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        services.update_profile(user=request.user, **form.validated_data)
        response = Response(self.get_serializer(self.get_object()).data)
        add_never_cache_headers(response)
        return response


class RelatedUsersView(MethodBeforeAuthenticationMixin, generics.ListAPIView):
    """A user's followers or the users they follow, most recent follow first."""

    serializer_class = UserSerializer
    relation = "followers"

    def get_queryset(self):
        people = User.objects.visible_to(self.request.user)
        owner = get_object_or_404(people, pk=self.kwargs["id"])
        return people.related_to(owner, self.relation)


_RELATED_RESPONSES = {200: UserSerializer(many=True), **error_responses(404)}


@extend_schema_view(
    get=extend_schema(operation_id="list_followers", summary=_("List a user's followers"), responses=_RELATED_RESPONSES)
)
class FollowersView(RelatedUsersView):
    relation = "followers"


@extend_schema_view(
    get=extend_schema(
        operation_id="list_following", summary=_("List the users a user follows"), responses=_RELATED_RESPONSES
    )
)
class FollowingView(RelatedUsersView):
    relation = "following"


class FollowView(MethodBeforeAuthenticationMixin, APIView):
    """POST: follow a user; DELETE: stop following them. Both are idempotent."""

    def _target(self, id):
        return get_object_or_404(User.objects.active(), pk=id)

    @extend_schema(
        operation_id="follow_user",
        summary=_("Follow a user"),
        request=None,
        responses={204: OpenApiResponse(description=_("You follow this user.")), **error_responses(400, 404)},
    )
    def post(self, request, id):
        services.follow_user(follower=request.user, followed=self._target(id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="unfollow_user",
        summary=_("Unfollow a user"),
        request=None,
        responses={204: OpenApiResponse(description=_("You do not follow this user.")), **error_responses(404)},
    )
    def delete(self, request, id):
        services.unfollow_user(follower=request.user, followed=self._target(id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MuteSerializer(serializers.Serializer):
    """How long a mute lasts: `duration` in seconds, or null (or nothing) until unmuted."""

    duration = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=60,
        max_value=MAX_MUTE_SECONDS,
        help_text=_("Seconds from now (at least 60, at most a year); null or absent: until you unmute."),
    )


class BoundaryView(MethodBeforeAuthenticationMixin, APIView):
    """POST: block (or mute) a user; DELETE: take it back. Both are idempotent and answer 204."""

    throttle_classes = [WriteRateThrottle]

    def _target(self, id):
        return get_object_or_404(User.objects.active(), pk=id)


@extend_schema_view(
    post=extend_schema(
        operation_id="block_user",
        summary=_("Block a user"),
        description=_(
            "The follows between you go both ways, and neither of you sees or reaches the other: "
            "posts, profile, messages, replies, likes, boosts, mentions and notifications."
        ),
        request=None,
        responses={204: OpenApiResponse(description=_("You block this user.")), **error_responses(400, 404)},
    ),
    delete=extend_schema(
        operation_id="unblock_user",
        summary=_("Unblock a user"),
        description=_("Follows are not restored."),
        request=None,
        responses={204: OpenApiResponse(description=_("You do not block this user.")), **error_responses(404)},
    ),
)
class BlockView(BoundaryView):
    def post(self, request, id):
        services.block_user(blocker=request.user, blocked=self._target(id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def delete(self, request, id):
        services.unblock_user(blocker=request.user, blocked=self._target(id))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    post=extend_schema(
        operation_id="mute_user",
        summary=_("Mute a user"),
        description=_(
            "Their posts and boosts leave your feeds and their notifications stop, silently. "
            "Muting again sets the new end."
        ),
        request=MuteSerializer,
        responses={204: OpenApiResponse(description=_("You mute this user.")), **error_responses(400, 404, 415)},
    ),
    delete=extend_schema(
        operation_id="unmute_user",
        summary=_("Unmute a user"),
        request=None,
        responses={204: OpenApiResponse(description=_("You do not mute this user.")), **error_responses(404)},
    ),
)
class MuteView(BoundaryView):
    def post(self, request, id):
        target = self._target(id)
        form = MuteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        seconds = form.validated_data.get("duration")
        until = timezone.now() + timedelta(seconds=seconds) if seconds else None
        services.mute_user(muter=request.user, muted=target, until=until)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def delete(self, request, id):
        services.unmute_user(muter=request.user, muted=self._target(id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class BlockRowSerializer(serializers.Serializer):
    """One person you block, and since when."""

    user = UserSerializer(source="blocked", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class MuteRowSerializer(serializers.Serializer):
    """One person you mute, since when and until when."""

    user = UserSerializer(source="muted", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True, help_text=_("When the mute ends; null: when you unmute."))


@extend_schema_view(get=extend_schema(operation_id="list_blocks", summary=_("List the users you block")))
class BlockListView(MethodBeforeAuthenticationMixin, generics.ListAPIView):
    """GET: the users the caller blocks, most recent first."""

    serializer_class = BlockRowSerializer

    def get_queryset(self):
        rows = Block.objects.filter(blocker=self.request.user).select_related("blocked")
        return rows.order_by("-created_at", "-pk")


@extend_schema_view(get=extend_schema(operation_id="list_mutes", summary=_("List the users you mute")))
class MuteListView(MethodBeforeAuthenticationMixin, generics.ListAPIView):
    """GET: the users the caller mutes (the mutes in force), most recent first."""

    serializer_class = MuteRowSerializer

    def get_queryset(self):
        rows = Mute.objects.in_force().filter(muter=self.request.user).select_related("muted")
        return rows.order_by("-created_at", "-pk")
