"""The `<username:...>` URL converter: what a username in a path may hold.

Importing this module registers it, once, for every URLconf that names users.
"""

from django.urls import register_converter


class UsernameConverter:
    """Like Django's `str` (anything but "/"), but never a NUL character.

    No username holds one, and PostgreSQL refuses it inside a query (a 500): such a path
    is a 404 before any view runs, for every page named by a username.
    """

    regex = "[^/\x00]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UsernameConverter, "username")
