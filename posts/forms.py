from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import submit_helper
from posts.models import BODY_MAX_LENGTH


class PostForm(forms.Form):
    """The "Say something" box: 1 to 140 characters, not only spaces."""

    body = forms.CharField(
        label=_("Say something"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 3, "maxlength": BODY_MAX_LENGTH, "data-char-counter": "", "autocomplete": "off"}
        ),
        error_messages={"required": _("Write something first: a post cannot be empty.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = submit_helper(_("Post"))
