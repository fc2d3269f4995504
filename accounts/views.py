import copy
import math
from urllib.parse import urlsplit

from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.signals import user_login_failed
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.decorators.cache import cache_control, never_cache
from django.views.generic import CreateView, DetailView, FormView, ListView, TemplateView, UpdateView

from accounts import services, two_factor
from accounts.avatars import identicon_svg
from accounts.backends import login_identifier
from accounts.forms import (
    DeleteAccountForm,
    LoginForm,
    MuteForm,
    PasswordChangeForm,
    PasswordResetForm,
    ProfileForm,
    RegistrationForm,
    SetPasswordForm,
    TwoFactorCodeForm,
    TwoFactorDisableForm,
)
from accounts.fragments import count_blocks
from accounts.models import Block, Mute, Notification, User
from accounts.safety import relation_to
from microblog.errors import is_api_request, json_error
from microblog.fetch import InPlaceActionMixin, wants_json
from microblog.mixins import JsonLoginRequiredMixin, PublicReadMixin
from microblog.pagination import LookaheadPaginationMixin
from microblog.redirects import safe_next
from microblog.throttling import PasswordResetRateThrottle, ReactionRateThrottle, RegisterRateThrottle, throttle

REMEMBER_ME_AGE = 60 * 60 * 24 * 14  # two weeks


class AnonymousRequiredMixin:
    """Send signed-in users home from pages meant for visitors (register)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return super().dispatch(request, *args, **kwargs)


def lockout_response(request, original_response, credentials):
    """Answer a locked-out sign-in: 429 JSON for the API, the explanatory page elsewhere."""
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if is_api_request(request):
        return json_error(429, _("Too many failed sign-ins. Try again later."), Retry_After=retry_after)
    response = render(request, "accounts/locked_out.html", status=429)
    response["Retry-After"] = retry_after
    return response


class LoginView(auth_views.LoginView):
    """Django's login, by username or email; "Remember me" decides the session's life."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_redirect_url(self):
        # ?next= pointing back at this page would make Django raise (a 500) for a
        # signed-in visitor instead of sending them home.
        url = super().get_redirect_url()
        return "" if url and urlsplit(url).path == self.request.path else url

    def form_valid(self, form):
        user = form.get_user()
        if user.has_two_factor():
            # The password alone signs nobody in: the code comes next (LoginCodeView), and the
            # account's failures are cleared only once it is right.
            two_factor.begin_pending_login(
                self.request, user, remember_me=form.cleaned_data["remember_me"], next_url=self.get_redirect_url()
            )
            return redirect("accounts:login_code")
        response = super().form_valid(form)
        finish_login(self.request, user, remember_me=form.cleaned_data["remember_me"])
        return response


def finish_login(request, user, *, remember_me: bool) -> None:
    """Clear a signed-in account's sign-in failures and set how long its session lives."""
    # The account's failures end here; the client's do not (AXES_RESET_ON_SUCCESS is
    # off): otherwise signing in to an account of one's own would wipe the count of
    # one's guesses at everybody else's.
    axes_reset(username=login_identifier(request, {"username": user.get_username()}))
    # 0 ends the session with the browser; otherwise it lasts two weeks.
    request.session.set_expiry(REMEMBER_ME_AGE if remember_me else 0)


def wrong_code_message(user, message=None, *, confirmed=True) -> str:
    """Return the error for a refused code, with how long to wait when wrong codes have slowed the device."""
    message = message or _("This code is not right, or it was already used.")
    wait = two_factor.code_retry_wait(user, confirmed=confirmed)
    if wait:
        message += " " + ngettext(
            "After wrong codes, wait %(count)d second before the next try.",
            "After wrong codes, wait %(count)d seconds before the next try.",
            wait,
        ) % {"count": wait}
    return message


@method_decorator(never_cache, name="dispatch")
class LoginCodeView(FormView):
    """The second step of a sign-in with two-factor on: a code from the app, or a recovery code.

    Only a session whose password step succeeded in the last few minutes gets here
    (accounts/two_factor.py). A wrong code counts as a failed sign-in for django-axes, so
    the lockout covers guessing codes as it covers guessing passwords.
    """

    form_class = TwoFactorCodeForm
    template_name = "accounts/login_code.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        self.pending = two_factor.pending_login(request)
        if self.pending is None:
            if two_factor.PENDING_LOGIN_KEY in request.session:
                two_factor.end_pending_login(request)
                messages.info(request, _("Your sign-in took too long. Please sign in again."))
            return redirect("accounts:login")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        request, user = self.request, self.pending.user
        credentials = {"username": user.get_username()}
        if settings.AXES_ENABLED and not AxesProxyHandler.is_allowed(request, credentials):
            two_factor.end_pending_login(request)
            return lockout_response(request, None, credentials)
        if not services.verify_second_factor(user=user, code=form.cleaned_data["code"]):
            # django-axes counts it; at the limit its middleware answers with the lockout page.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            form.add_error("code", wrong_code_message(user))
            return self.form_invalid(form)
        two_factor.end_pending_login(request)
        login(request, user, backend="accounts.backends.UsernameOrEmailBackend")
        finish_login(request, user, remember_me=self.pending.remember_me)
        return redirect(self.pending.next_url or settings.LOGIN_REDIRECT_URL)


class LogoutView(auth_views.LogoutView):
    """Django's POST-only logout, then the login page with a message."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have been signed out."))
        return response


def add_service_errors(form, error: ValidationError):
    """Put a service's ValidationError on `form`: under its fields where it has them, else above the form."""
    by_field = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for field, field_messages in by_field.items():
        form.add_error(field if field in form.fields else None, field_messages)
    return form


@method_decorator(throttle(RegisterRateThrottle), name="post")
class RegisterView(AnonymousRequiredMixin, CreateView):
    """Create an account and sign the new user in at once."""

    form_class = RegistrationForm
    template_name = "accounts/register.html"

    def form_valid(self, form):
        try:
            user = services.register_user(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            # Taken by someone else since the form's checks (a double click, a race).
            return self.form_invalid(add_service_errors(form, error))
        login(self.request, user, backend="accounts.backends.UsernameOrEmailBackend")
        messages.success(self.request, _("Congratulations, you are now a registered user!"))
        return redirect(settings.LOGIN_REDIRECT_URL)


@method_decorator(throttle(PasswordResetRateThrottle), name="post")
class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "email/password_reset.txt"
    html_email_template_name = "email/password_reset.html"
    subject_template_name = "email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever holds the mailbox may sign in again at once, as the lockout page says.
        axes_reset(username=login_identifier(self.request, {"username": form.user.get_username()}))
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@method_decorator(never_cache, name="dispatch")
class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:edit_profile")
    success_message = gettext_lazy("Your password has been changed.")


@method_decorator(never_cache, name="dispatch")  # the account's own settings
class EditProfileView(LoginRequiredMixin, SuccessMessageMixin, UpdateView):
    """Change your username, about-me text and avatar (a multipart form that needs no JavaScript)."""

    form_class = ProfileForm
    template_name = "accounts/edit_profile.html"
    # Not "user" (the model's name), which would shadow the signed-in user in templates.
    context_object_name = "account"
    success_url = reverse_lazy("accounts:edit_profile")
    success_message = gettext_lazy("Your changes have been saved.")

    def get_object(self, queryset=None):
        # A copy: a rejected form writes its values onto the instance, and the page
        # (navbar, profile link) must keep showing the user as saved.
        return copy.copy(self.request.user)

    def form_valid(self, form):
        changes = {field: form.cleaned_data[field] for field in form.Meta.fields}
        try:
            # A fresh copy: the form's one already holds the new values, and the signed-in
            # user must keep the saved ones if this fails.
            user = services.update_profile(user=copy.copy(self.request.user), **changes)
            if form.cleaned_data.get("remove_avatar"):
                services.remove_avatar(user=user)
            elif form.cleaned_data["avatar"] is not None:
                services.set_avatar(user=user, image=form.cleaned_data["avatar"])
        except ValidationError as error:
            # Taken by someone else since the form's checks.
            return self.form_invalid(add_service_errors(form, error))
        messages.success(self.request, self.get_success_message(form.cleaned_data))
        return redirect(self.get_success_url())


@method_decorator(never_cache, name="dispatch")
class TwoFactorView(LoginRequiredMixin, TemplateView):
    """Whether two-factor sign-in is on, with the ways to turn it on or off and to renew the recovery codes."""

    template_name = "accounts/two_factor.html"

    def get_context_data(self, **kwargs):
        enabled = self.request.user.has_two_factor()
        return {
            **super().get_context_data(**kwargs),
            "enabled": enabled,
            "codes_left": two_factor.recovery_codes_left(self.request.user) if enabled else 0,
        }


class TwoFactorOnMixin:
    """Send a signed-in user whose two-factor sign-in is not as the view needs it back to its status page."""

    needs_two_factor = True
    wrong_state_message = gettext_lazy("Two-factor sign-in is off.")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.has_two_factor() != self.needs_two_factor:
            messages.info(request, self.wrong_state_message)
            return redirect("accounts:two_factor")
        return super().dispatch(request, *args, **kwargs)


@method_decorator(never_cache, name="dispatch")  # the page shows the secret
class TwoFactorSetupView(TwoFactorOnMixin, LoginRequiredMixin, FormView):
    """Turn two-factor sign-in on: scan the QR code (or type the secret), then confirm with a code.

    The authenticator waits unconfirmed, and counts for nothing, until a code from it is
    typed here; then the ten recovery codes are shown, on this response only.
    """

    form_class = TwoFactorCodeForm
    template_name = "accounts/two_factor_setup.html"
    needs_two_factor = False
    wrong_state_message = gettext_lazy("Two-factor sign-in is already on.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "recovery": False, "submit_label": _("Turn on two-factor sign-in")}

    def get_context_data(self, **kwargs):
        # Made (or found again) on the page view itself, so the secret shown is the one a code is checked against.
        device = services.start_two_factor(user=self.request.user)
        return {
            **super().get_context_data(**kwargs),
            "qr_code": two_factor.qr_code_svg(device, _("QR code for your authenticator app")),
            "secret": two_factor.secret_text(device),
        }

    def form_valid(self, form):
        codes = services.confirm_two_factor(user=self.request.user, code=form.cleaned_data["code"])
        if codes is None:
            message = _("This code is not right. Type the newest code, and check that the device's clock is right.")
            form.add_error("code", wrong_code_message(self.request.user, message, confirmed=False))
            return self.form_invalid(form)
        messages.success(self.request, _("Two-factor sign-in is on."))
        return recovery_codes_page(self.request, codes)


def recovery_codes_page(request, codes):
    """Show new recovery codes, once: they are not kept anywhere they could be shown again."""
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@method_decorator(never_cache, name="dispatch")
class RecoveryCodesView(TwoFactorOnMixin, LoginRequiredMixin, FormView):
    """Make ten new recovery codes after a code (from the app or a recovery code); the old ones stop working."""

    form_class = TwoFactorCodeForm
    template_name = "accounts/recovery_codes_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": _("Make new recovery codes")}

    def form_valid(self, form):
        if not services.verify_second_factor(user=self.request.user, code=form.cleaned_data["code"]):
            form.add_error("code", wrong_code_message(self.request.user))
            return self.form_invalid(form)
        return recovery_codes_page(self.request, services.regenerate_recovery_codes(user=self.request.user))


@method_decorator(never_cache, name="dispatch")
class TwoFactorDisableView(TwoFactorOnMixin, LoginRequiredMixin, FormView):
    """Turn two-factor sign-in off, with the password and a code."""

    form_class = TwoFactorDisableForm
    template_name = "accounts/two_factor_disable.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        if not services.verify_second_factor(user=self.request.user, code=form.cleaned_data["code"]):
            form.add_error("code", wrong_code_message(self.request.user))
            return self.form_invalid(form)
        services.disable_two_factor(user=self.request.user)
        messages.success(self.request, _("Two-factor sign-in is off. Your password alone signs you in again."))
        return redirect("accounts:two_factor")


@method_decorator(never_cache, name="dispatch")
class DeleteAccountView(LoginRequiredMixin, FormView):
    """Delete the signed-in account after a password confirmation."""

    form_class = DeleteAccountForm
    template_name = "accounts/delete_account.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        user = self.request.user
        logout(self.request)
        services.delete_account(user=user)
        messages.info(self.request, _("Your account and everything in it have been deleted."))
        return redirect("accounts:login")


@method_decorator(throttle(ReactionRateThrottle), name="post")
class FollowView(InPlaceActionMixin, View):
    """POST only: follow or unfollow a user; a form goes back where the click came from.

    The follow buttons' script asks for JSON and gets whether the viewer now follows the
    person, the sentence to announce, and both people's count blocks rendered fresh
    (accounts.fragments) for the pages that show them. Repeating a request changes
    nothing (the services are idempotent).
    """

    follow = True
    missing_message = gettext_lazy("This account is no longer available.")

    def post(self, request, username):
        target = get_object_or_404(User.objects.active(), username=username)
        back = self.back(target.get_absolute_url())
        names = {"username": target.username}
        if self.follow:
            try:
                services.follow_user(follower=request.user, followed=target)
            except ValidationError as error:  # yourself
                return self.refused(error.messages[0], redirect_to=back)
            banner, level = _("You are following %(username)s!"), messages.SUCCESS
            said = _("You follow @%(username)s.")
        else:
            services.unfollow_user(follower=request.user, followed=target)
            banner, level = _("You are not following %(username)s."), messages.INFO
            said = _("You no longer follow @%(username)s.")
        if wants_json(request):
            # The script says it in the page's live region, in place of the reload and its banner.
            return self.done({**self.state(target), "message": said % names}, redirect_to=back)
        return self.done({}, redirect_to=back, message=banner % names, level=level)

    def state(self, target: User) -> dict:
        """Return whether the viewer follows `target`, and both people's count blocks read fresh (one query)."""
        return {
            "username": target.username,
            "following": self.follow,
            "counts": count_blocks(target, self.request.user),
        }


class BlockView(LoginRequiredMixin, TemplateView):
    """GET: ask "Block @ana?", saying what a block does; POST: block, then back to their profile."""

    template_name = "accounts/block_confirm.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.person = get_object_or_404(User.objects.active(), username=kwargs["username"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "person": self.person}

    def post(self, request, username):
        try:
            services.block_user(blocker=request.user, blocked=self.person)
        except ValidationError as error:  # yourself
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("You blocked @%(username)s.") % {"username": self.person.username})
        return redirect(self.person.get_absolute_url())


class MuteView(LoginRequiredMixin, FormView):
    """GET: "Mute @ana?" with how long; POST: mute (or change how long), then back to where the click came from."""

    template_name = "accounts/mute_confirm.html"
    form_class = MuteForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.person = get_object_or_404(User.objects.visible_to(request.user), username=kwargs["username"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        # Where to go back to: the page the menu was opened on (checked again by safe_next).
        back = self.request.POST.get("next") or self.request.GET.get("next", "")
        return {**super().get_context_data(**kwargs), "person": self.person, "next_url": back}

    def form_valid(self, form):
        try:
            services.mute_user(muter=self.request.user, muted=self.person, until=form.cleaned_data["until"])
        except ValidationError as error:  # yourself
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("You muted @%(username)s.") % {"username": self.person.username})
        return redirect(safe_next(self.request, self.person.get_absolute_url()))


class UndoBoundaryView(InPlaceActionMixin, View):
    """POST only: unblock or unmute a person (`undo` names the service); back to `next`, their profile by default."""

    undo = ""  # unblock_user or unmute_user
    missing_message = gettext_lazy("This account is no longer available.")

    def post(self, request, username):
        person = get_object_or_404(User.objects.active(), username=username)
        if self.undo == "unblock_user":
            services.unblock_user(blocker=request.user, blocked=person)
            said = _("You unblocked @%(username)s.")
        else:
            services.unmute_user(muter=request.user, muted=person)
            said = _("You unmuted @%(username)s.")
        back = self.back(person.get_absolute_url())
        return self.done({"username": person.username}, redirect_to=back, message=said % {"username": person.username})


@method_decorator(never_cache, name="dispatch")  # your own safety settings: no cache may keep them
class BoundaryListView(LoginRequiredMixin, LookaheadPaginationMixin, ListView):
    """The people you block (`model = Block`) or mute (`model = Mute`), most recent first, each with its undo button."""

    template_name = "accounts/boundary_list.html"
    context_object_name = "rows"
    paginate_by = settings.POSTS_PER_PAGE
    model = Block

    def get_queryset(self):
        if self.model is Block:
            rows = Block.objects.filter(blocker=self.request.user).select_related("blocked")
        else:
            rows = Mute.objects.in_force().filter(muter=self.request.user).select_related("muted")
        return rows.order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "kind": self.model._meta.model_name}


class FollowListView(PublicReadMixin, LookaheadPaginationMixin, ListView):
    """A user's followers or the users they follow, most recent first."""

    template_name = "accounts/follow_list.html"
    context_object_name = "people"
    paginate_by = settings.POSTS_PER_PAGE
    relation = "followers"

    def get_queryset(self):
        viewer = self.request.user
        self.owner = get_object_or_404(User.objects.visible_to(viewer), username=self.kwargs["username"])
        return User.objects.visible_to(viewer).related_to(self.owner, self.relation).with_follow_state(viewer)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "owner": self.owner,
            "relation": self.relation,
            "heading": self.heading(),
        }

    def heading(self) -> str:
        """Return the page's title: whose list it is, said as the viewer would ("Following")."""
        own = self.owner.pk == self.request.user.pk
        if self.relation == "followers":
            return _("Your followers") if own else _("%(name)s's followers") % {"name": self.owner.username}
        return _("Following") if own else _("%(name)s follows") % {"name": self.owner.username}


class UserPopupView(PublicReadMixin, DetailView):
    """The hover card's HTML fragment (avatar, about me, counts, follow button)."""

    template_name = "accounts/popup.html"
    context_object_name = "person"
    slug_field = slug_url_kwarg = "username"

    def get_queryset(self):
        return User.objects.active().with_follow_state(self.request.user)

    def get_context_data(self, **kwargs):
        # A block either way: the card says so and shows nothing of the person.
        return {**super().get_context_data(**kwargs), "relation": relation_to(self.request.user, self.object)}


@cache_control(max_age=60 * 60 * 24 * 30, public=True)
def identicon(request, seed):
    """Serve the local identicon SVG for a seed (see accounts/avatars.py)."""
    try:
        size = min(max(int(request.GET.get("s", 80)), 16), 512)
    except ValueError:
        size = 80
    return HttpResponse(identicon_svg(seed, size), content_type="image/svg+xml")


class NotificationsView(JsonLoginRequiredMixin, View):
    """JSON list of the caller's notifications newer than ?since=<Unix time>, oldest first.

    Polled by every open tab, so it is one indexed query and never writes the session.
    The list always starts with `unread_message_count` then `unread_activity_count`,
    read from the user row this request loaded: the same columns the navbar shows, so
    badge and poll cannot disagree. Their timestamp is the `since` asked for, so they
    never move a client's cursor past a notification it has not received yet.
    """

    http_method_names = ["get"]

    def get(self, request):
        try:
            since = float(request.GET.get("since", 0) or 0)
        except ValueError:
            since = math.nan
        if not math.isfinite(since) or since < 0:
            return json_error(400, _("'since' must be a Unix time in seconds, like 1700000000.5."))
        rows = Notification.objects.for_user_since(request.user, since).values_list("name", "payload", "timestamp")
        data = [
            {"name": "unread_message_count", "data": request.user.unread_message_count, "timestamp": since},
            {"name": "unread_activity_count", "data": request.user.unread_activity_count, "timestamp": since},
        ]
        data += [{"name": name, "data": payload, "timestamp": timestamp} for name, payload, timestamp in rows]
        response = JsonResponse(data, safe=False)
        response["Cache-Control"] = "no-store"
        return response
