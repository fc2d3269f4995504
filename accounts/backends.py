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
    """Return the login as django-axes should count it: one account, one counter.

    An account's username and email, in any letter case, all count as its username, so
    alternating them gains no guesses. A login that names no account counts as itself.
    """
    login = str((credentials or {}).get("username") or request.POST.get("username", "")).strip()
    # django-axes asks several times per sign-in; look the account up once.
    cache = getattr(request, "_login_identifiers", None)
    if cache is None:
        cache = request._login_identifiers = {}
    if login not in cache:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.get_username() == login:
            # Just signed in (the login view clears the account's counter): no lookup needed.
            cache[login] = login.lower()
        else:
            cache[login] = _account_key(login)
    return cache[login]


def _account_key(login: str) -> str:
    # axes keeps it in a 255-character column; a longer login is no account anyway.
    if not login or len(login) > 255:
        return login.lower()[:255]
    names = list(get_user_model().objects.by_login(login).values_list("username", flat=True)[:2])
    # If the text is one person's username and another's email, guesses at it are
    # tried against both; count them on the account whose username it is.
    exact = [name for name in names if name.lower() == login.lower()]
    return (exact or names or [login])[0].lower()
