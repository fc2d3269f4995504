"""Django's admin site, signed in to only through the site's own two-step login page.

The admin's own login form takes a password alone, which would let anyone with two-factor
sign-in on skip the code; so its login URL sends people to `accounts:login` (which asks
for the code when the account needs one) and back. With `REQUIRE_STAFF_2FA` on, staff
who have not set up two-factor sign-in are sent to set it up before any admin page opens.
"""

from functools import update_wrapper
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


class AdminSite(admin.AdminSite):
    """The admin, without a sign-in form of its own."""

    def login(self, request, extra_context=None):
        """Send the visitor to the site's sign-in page, then back to the admin page they asked for."""
        if request.user.is_authenticated:
            if self.has_permission(request):
                return redirect(reverse("admin:index", current_app=self.name))
            # Signed in, but not staff: the sign-in page would send them straight back here.
            raise PermissionDenied
        wanted = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
            wanted = reverse("admin:index", current_app=self.name)
        return redirect(f"{reverse('accounts:login')}?{urlencode({REDIRECT_FIELD_NAME: wanted})}")

    def admin_view(self, view, cacheable=False):
        """Guard an admin view as Django does, and first send staff without two-factor sign-in to set it up."""
        guarded = super().admin_view(view, cacheable)

        def inner(request, *args, **kwargs):
            if self.needs_two_factor(request):
                messages.warning(request, _("Set up two-factor sign-in before you use the admin."))
                return redirect("accounts:two_factor_setup")
            return guarded(request, *args, **kwargs)

        return update_wrapper(inner, guarded)

    def needs_two_factor(self, request) -> bool:
        """Return whether REQUIRE_STAFF_2FA keeps this staff member out until they set up two-factor sign-in."""
        user = request.user
        if not (settings.REQUIRE_STAFF_2FA and user.is_active and user.is_staff):
            return False
        # Signing out of the admin stays possible.
        return request.path != reverse("admin:logout", current_app=self.name) and not user.has_two_factor()


class AdminConfig(DjangoAdminConfig):
    """django.contrib.admin with AdminSite above as `admin.site`."""

    default_site = "accounts.admin_site.AdminSite"
