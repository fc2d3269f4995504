"""View mixins any app can use."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils.translation import gettext as _

from microblog.errors import json_error

# What a visitor may do on a public page: read it. Anything else needs an account.
READ_METHODS = ("GET", "HEAD")


class JsonLoginRequiredMixin(LoginRequiredMixin):
    """Login required for a JSON endpoint: 401 JSON instead of a redirect to the login page."""

    def handle_no_permission(self):
        return json_error(401, _("Sign in to use this feature."))


class PublicReadMixin(LoginRequiredMixin):
    """A page visitors may read (GET) while settings.PUBLIC_READ is on; otherwise exactly LoginRequiredMixin.

    The one place that decides whether a page is public: a visitor's POST, and every
    request while PUBLIC_READ is off, is sent to sign in and comes back here after.
    Private data (messages, bookmarks, notifications, exports) never uses it.
    """

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated or (settings.PUBLIC_READ and request.method in READ_METHODS):
            # Past LoginRequiredMixin's own check, to the view's dispatch.
            return super(LoginRequiredMixin, self).dispatch(request, *args, **kwargs)
        return self.handle_no_permission()
