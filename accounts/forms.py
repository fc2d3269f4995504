from datetime import timedelta

from crispy_forms.layout import HTML, Layout
from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.authentication import LOGIN_MAX_LENGTH
from accounts.avatars import AVATAR_SIZES
from accounts.models import email_spellings
from accounts.validators import validate_email_free, validate_new_username
from microblog.forms import submit_helper
from microblog.images import open_image

User = get_user_model()


class UniqueIdentityMixin:
    """Friendly field errors for usernames (the ASCII rule, taken, look-alike) and emails taken in any case."""

    def clean_username(self):
        return validate_new_username(self.cleaned_data["username"], user=self.instance)

    def clean_email(self):
        return validate_email_free(self.cleaned_data["email"], user=self.instance)


class StrengthErrorsOnNewPasswordMixin:
    """Put a weak password's errors under the new password, where Django puts them under its confirmation.

    The mismatch error stays under the confirmation, which is what it is about.
    """

    new_password_field = "password1"

    def validate_password_for_user(self, user, password_field_name=None, **kwargs):
        super().validate_password_for_user(user, password_field_name=self.new_password_field, **kwargs)


class RegistrationForm(StrengthErrorsOnNewPasswordMixin, UniqueIdentityMixin, UserCreationForm):
    email = forms.EmailField(label=_("Email"), max_length=254)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = submit_helper(_("Register"))


class LoginForm(AuthenticationForm):
    """Django's login form, by username or email, with "Remember me"."""

    remember_me = forms.BooleanField(label=_("Remember me"), required=False)

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Invalid username, email or password."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username or email")
        # Django sets max_length after the field is built, so it is never checked: a longer
        # login would reach django-axes' 255-character column and fail (a 500 on PostgreSQL).
        self.fields["username"].max_length = LOGIN_MAX_LENGTH
        self.fields["username"].widget.attrs["maxlength"] = LOGIN_MAX_LENGTH
        self.fields["username"].validators.append(MaxLengthValidator(LOGIN_MAX_LENGTH))
        self.helper = submit_helper(_("Sign in"))


class ProfileForm(UniqueIdentityMixin, forms.ModelForm):
    """Username, about me and the avatar: a new picture (decoded here), or back to the identicon."""

    avatar = forms.FileField(
        label=_("Picture"),
        required=False,
        help_text=_("JPEG, PNG, WebP or GIF. It is cropped to a square from the middle."),
        # A hint for the file chooser only: the upload is judged by decoding it.
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    remove_avatar = forms.BooleanField(label=_("Remove your picture and show the generated one"), required=False)

    class Meta:
        model = User
        fields = ["username", "about_me"]
        widgets = {"about_me": forms.Textarea(attrs={"rows": 3, "maxlength": 140})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.avatar_variants:
            del self.fields["remove_avatar"]
        self.helper = submit_helper(_("Save"))
        self.helper.layout = Layout(
            "username",
            "about_me",
            HTML('{% include "accounts/_avatar_preview.html" %}'),
            "avatar",
            *(["remove_avatar"] if "remove_avatar" in self.fields else []),
        )

    def clean_avatar(self):
        """Return the chosen picture decoded and upright (a PIL image), or None; ImageRejected says why not."""
        upload = self.cleaned_data.get("avatar")
        if not upload:
            return None
        return open_image(upload, largest=max(AVATAR_SIZES.values()))

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("avatar") is not None and cleaned_data.get("remove_avatar"):
            raise forms.ValidationError(_("Choose a new picture or remove the current one, not both."))
        return cleaned_data


class SavePasswordThroughServiceMixin:
    """Save the new password with services.save_password, which also revokes the user's API tokens."""

    def set_password_and_save(self, user, *args, commit=True, **kwargs):
        user = super().set_password_and_save(user, *args, commit=False, **kwargs)
        if commit:
            services.save_password(user=user)
        return user


class PasswordChangeForm(
    StrengthErrorsOnNewPasswordMixin, SavePasswordThroughServiceMixin, auth_forms.PasswordChangeForm
):
    """Django's password change; the API tokens end with the old password."""

    new_password_field = "new_password1"


class SetPasswordForm(StrengthErrorsOnNewPasswordMixin, SavePasswordThroughServiceMixin, auth_forms.SetPasswordForm):
    """Django's new-password form of the reset link; the API tokens end with the old password."""

    new_password_field = "new_password1"


class AdminUserCreationForm(UniqueIdentityMixin, auth_forms.AdminUserCreationForm):
    """The admin's "Add user": the same username rule and checks as registration."""


class AdminPasswordChangeForm(SavePasswordThroughServiceMixin, auth_forms.AdminPasswordChangeForm):
    """The admin's password form; the API tokens end with the old password."""


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset request, finding the account by either spelling of the address's domain."""

    def get_users(self, email):
        # Sent to the stored address, and only when it is the one typed (in any case or
        # domain spelling): a look-alike that LOWER() happens to fold together gets nothing.
        wanted = set(email_spellings(email))
        for user in User.objects.active().with_email(email):
            if user.has_usable_password() and wanted & set(email_spellings(user.email)):
                yield user


class DeleteAccountForm(forms.Form):
    """Confirm an account deletion with the current password."""

    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.helper = submit_helper(_("Delete my account"))
        self.helper.inputs[0].field_classes = "btn btn-danger"

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password


# How long a mute lasts, as Mastodon offers it; "" is until you unmute.
MUTE_DURATIONS = {
    "": _("Until I unmute"),
    "3600": _("1 hour"),
    "86400": _("1 day"),
    "604800": _("7 days"),
    "2592000": _("30 days"),
}


class MuteForm(forms.Form):
    """How long to mute someone; `cleaned_data["until"]` is when it ends (None: until unmuted)."""

    duration = forms.ChoiceField(label=_("For how long"), choices=MUTE_DURATIONS.items(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = submit_helper(_("Mute"))

    def clean(self):
        seconds = self.cleaned_data.get("duration")
        self.cleaned_data["until"] = timezone.now() + timedelta(seconds=int(seconds)) if seconds else None
        return self.cleaned_data


class TwoFactorCodeForm(forms.Form):
    """A code from the authenticator app or, where `recovery` allows, one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, submit_label=None, recovery=True, **kwargs):
        super().__init__(*args, **kwargs)
        if recovery:
            self.fields["code"].help_text = _("The 6-digit code your authenticator app shows, or a recovery code.")
        else:
            self.fields["code"].help_text = _("The 6-digit code your authenticator app shows now.")
            self.fields["code"].widget.attrs["inputmode"] = "numeric"
        self.helper = submit_helper(submit_label or _("Verify"))


class TwoFactorDisableForm(TwoFactorCodeForm):
    """Turning two-factor sign-in off takes the password and a code."""

    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    field_order = ["password", "code"]

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, submit_label=_("Turn off two-factor sign-in"), **kwargs)
        self.helper.inputs[0].field_classes = "btn btn-danger"

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password
