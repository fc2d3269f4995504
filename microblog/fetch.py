"""How the buttons that act in place are answered: a form gets a redirect, a script gets JSON.

Like, boost, bookmark, follow and delete are plain POST forms. Without JavaScript they
redirect back to `next` with a message; the page's script (`microblog.send()` in
static/js/app.js) posts the same forms with `Accept: application/json` and gets the new
state as a JSON object with the sentence to announce in `message`, or microblog's error
shape (`{"error": ..., "message": ...}`, microblog.errors) with a 4xx. One mixin answers
both ways, so every such view agrees on the shape.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from microblog.errors import json_error
from microblog.redirects import safe_next


def wants_json(request) -> bool:
    """Return whether the caller asked for a JSON answer (the in-place buttons' script does)."""
    return "application/json" in request.headers.get("Accept", "")


class InPlaceActionMixin(LoginRequiredMixin):
    """A POST-only action behind a button: a redirect and a message for a form, JSON for the script.

    A visitor's form goes to sign in, a visitor's script gets a 401; a missing object is
    the 404 page for a form and `missing_message` as JSON for the script.
    """

    http_method_names = ["post"]
    missing_message = ""

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404:
            if not wants_json(request):
                raise
            return json_error(404, self.missing_message or _("There is nothing at this address."))

    def handle_no_permission(self):
        if wants_json(self.request):
            return json_error(401, _("Sign in to use this feature."))
        return super().handle_no_permission()

    def back(self, default: str) -> str:
        """Return where a form goes after the action: the POSTed `next` if on this site, else `default`."""
        return safe_next(self.request, default)

    def done(self, data: dict, *, redirect_to: str, message: str = "", level: int = messages.SUCCESS):
        """Answer a done action: `data` (and `message`) as JSON, or `message` shown at `redirect_to`."""
        if wants_json(self.request):
            body = {**data, "message": str(message)} if message else data
            return JsonResponse(body, headers={"Cache-Control": "no-store"})
        if message:
            messages.add_message(self.request, level, message)
        return redirect(redirect_to)

    def refused(self, message: str, *, redirect_to: str, status: int = 400):
        """Answer a refused action: a JSON error with `status`, or `message` as an error shown at `redirect_to`."""
        if wants_json(self.request):
            return json_error(status, message)
        messages.error(self.request, message)
        return redirect(redirect_to)
