"""View mixins any app can use."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils.translation import gettext as _

from microblog.errors import json_error


class JsonLoginRequiredMixin(LoginRequiredMixin):
    """Login required for a JSON endpoint: 401 JSON instead of a redirect to the login page."""

    def handle_no_permission(self):
        return json_error(401, _("Sign in to use this feature."))
