from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import submit_helper
from posts.models import BODY_MAX_LENGTH
from posts.search import MAX_QUERY_LENGTH


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


class SearchQueryField(forms.CharField):
    """A CharField that drops NUL bytes (PostgreSQL rejects them) before validating."""

    def to_python(self, value):
        return super().to_python(value).replace("\x00", "")


class SearchForm(forms.Form):
    """The navbar search box: any text is accepted; search_posts() parses it."""

    q = SearchQueryField(label=_("Search"), required=False, max_length=MAX_QUERY_LENGTH)
