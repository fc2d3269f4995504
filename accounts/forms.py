from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from accounts.authentication import LOGIN_MAX_LENGTH
from accounts.validators import validate_email_free, validate_username_free
from microblog.forms import submit_helper

User = get_user_model()


class UniqueIdentityMixin:
    """Friendly field errors for usernames and emails taken in any letter case."""

    def clean_username(self):
        return validate_username_free(self.cleaned_data["username"], user=self.instance)

    def clean_email(self):
        return validate_email_free(self.cleaned_data["email"], user=self.instance)


class RegistrationForm(UniqueIdentityMixin, UserCreationForm):
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
    class Meta:
        model = User
        fields = ["username", "about_me"]
        widgets = {"about_me": forms.Textarea(attrs={"rows": 3, "maxlength": 140})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = submit_helper(_("Save"))


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
