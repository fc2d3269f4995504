from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import submit_helper
from posts.models import BODY_MAX_LENGTH


class PostForm(forms.Form):
    """The "Say something" box: 1 to 140 characters, not only spaces."""

    label = _("Say something")
    submit_label = _("Post")

    body = forms.CharField(
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 3, "maxlength": BODY_MAX_LENGTH, "data-char-counter": "", "autocomplete": "off"}
        ),
        error_messages={"required": _("Write something first: it cannot be empty.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = self.label
        self.helper = submit_helper(self.submit_label)


class MessageForm(PostForm):
    """A private message: the same rules as a post."""

    label = _("Message")
    submit_label = _("Send")
