"""Sign in with a username or an email address."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UsernameOrEmailBackend(ModelBackend):
    """Django's ModelBackend, looking the login up as username or email, any case."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        """Return the user whose username or email is `username` and whose password matches."""
        if username is None or password is None:
            return None
        # Up to two people match: one by username, another whose email is that text.
        candidates = list(get_user_model().objects.by_login(username)[:2])
        if not candidates:
            # Hash anyway so a missing account takes as long as a wrong password.
            get_user_model()().set_password(password)
        for user in candidates:
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        return None


def login_identifier(request, credentials) -> str:
    """Return the login as django-axes should count it: the same account in any case."""
    login = (credentials or {}).get("username") or request.POST.get("username", "")
    # axes keeps it in a 255-character column; a longer "login" is no account anyway.
    return str(login).strip().lower()[:255]
