import unicodedata
import uuid
from dataclasses import replace

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from microblog.forms import submit_helper
from microblog.images import ACCEPTED_TYPES, ImageRejected
from posts.body import BODY_MAX_LENGTH, EMPTY_MESSAGE, normalize_body, normalize_warning, validate_body
from posts.models import (
    ALT_TEXT_MAX_LENGTH,
    CONTENT_WARNING_MAX_LENGTH,
    MAX_ATTACHMENTS,
    REPORT_COMMENT_MAX_LENGTH,
    Post,
    Report,
)
from posts.search import MAX_QUERY_LENGTH, SORTS
from posts.services import (
    REPORT_MAX_POSTS,
    REPORTABLE_RECENT_POSTS,
    prepare_picture,
    reportable_posts,
    too_many_pictures_message,
)

# Posts and messages are at most 140 characters; the margin covers line breaks sent as
# "\r\n" and similar slack, while long texts are still never relayed to a paid service.
TRANSLATE_MAX_LENGTH = BODY_MAX_LENGTH + 60

# ISO 639 codes with an optional region or script: "en", "es", "pt-BR", "zh-Hans".
language_code = RegexValidator(
    r"\A[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})?\Z", _('Enter a language code such as "en" or "pt-BR".')
)


class BodyField(forms.CharField):
    """The body of a post or a message, normalised and checked by the rule of posts/body.py.

    No `maxlength` attribute: browsers count it in UTF-16 units (an emoji family is 11),
    stricter than the rule; the counter of static/js/app.js counts as the server does.
    """

    default_validators = [validate_body]

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}))
        kwargs.setdefault("error_messages", {"required": EMPTY_MESSAGE})
        super().__init__(strip=False, **kwargs)

    def to_python(self, value):
        return normalize_body(super().to_python(value))

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "data-char-counter": BODY_MAX_LENGTH}


class BodyForm(forms.Form):
    """A box of one body, by the rule of posts/body.py: the base of the post and message forms.

    Rendered by templates/posts/_body_form.html, which puts the counter beside the submit
    button; the field's own template (posts/_body_field.html) drops crispy's "*", which
    says nothing on a form of one required field.
    """

    label = _("Say something")
    placeholder = _("What's on your mind?")
    # The placeholder says what to write; the label stays for screen readers only.
    label_hidden = True
    submit_label = _("Post")

    body = BodyField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = self.label
        if self.placeholder:
            self.fields["body"].widget.attrs["placeholder"] = self.placeholder
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*self.layout_fields())

    def layout_fields(self) -> list:
        return [Field("body", template="posts/_body_field.html")]


class ContentWarningField(forms.CharField):
    """An optional warning shown instead of the post until the reader opens it; one line, at most 100 characters.

    No `maxlength` attribute, for the body's reason: the server counts code points.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Content warning (optional)"))
        kwargs.setdefault(
            "help_text", _("Readers see only this line until they choose to open the post and its pictures.")
        )
        super().__init__(required=False, max_length=CONTENT_WARNING_MAX_LENGTH, strip=False, **kwargs)
        self.widget.attrs.pop("maxlength", None)
        self.widget.attrs.update({"autocomplete": "off", "placeholder": _("Spoilers, food, politics…")})

    def to_python(self, value):
        return normalize_warning(super().to_python(value))


class EditPostForm(BodyForm):
    """The edit page of a post: its text and its warning (pictures cannot be changed)."""

    label = _("Text")
    placeholder = ""
    label_hidden = False
    submit_label = _("Save changes")

    content_warning = ContentWarningField()

    def layout_fields(self) -> list:
        return [Field("content_warning"), *super().layout_fields()]


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PicturesField(forms.FileField):
    """Up to MAX_ATTACHMENTS files from one `<input type="file" multiple>`, each checked by decoding it.

    Cleans to a list of posts.services.NewPicture, in the order the files came; each bad
    file is its own error, named by its file name, with the pipeline's reason.
    """

    widget = MultipleImageInput(attrs={"accept": ",".join(ACCEPTED_TYPES)})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data if isinstance(data, list | tuple) else [data]) if upload]
        if len(uploads) > MAX_ATTACHMENTS:
            raise ValidationError(too_many_pictures_message(), code="too_many_pictures")
        pictures, errors = [], []
        for upload in uploads:
            name = getattr(upload, "name", "") or "?"
            try:
                pictures.append(prepare_picture(upload))
            except ImageRejected as refusal:
                errors.append(ValidationError("%(name)s: %(reason)s", params={"name": name, "reason": refusal.message}))
        if errors:
            raise ValidationError(errors)
        return pictures


class PostForm(BodyForm):
    """The "Say something" box and the reply form: the body, up to 4 pictures with their descriptions, "sensitive".

    Without JavaScript the descriptions are fields of their own, one per picture in the
    order chosen (`alt_text_1` to `alt_text_4`); static/js/attachments.js shows each
    beside its picture's preview instead. The form is multipart (`is_multipart()`), which
    _body_form.html reads to set its enctype.
    """

    content_warning = ContentWarningField()
    images = PicturesField(label=_("Add pictures"))
    is_sensitive = forms.BooleanField(label=_("Mark the pictures as sensitive"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        required = settings.MEDIA_REQUIRE_ALT
        for number in range(1, MAX_ATTACHMENTS + 1):
            self.fields[f"alt_text_{number}"] = forms.CharField(
                label=format_lazy(_("Description of picture {number}"), number=number),
                required=False,
                max_length=ALT_TEXT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2, "data-alt-text": number}),
                help_text=_("Required: what the picture shows, for people who cannot see it.") if required else "",
            )
            # As for the body: no maxlength, which browsers count in UTF-16 units; the server counts.
            self.fields[f"alt_text_{number}"].widget.attrs.pop("maxlength", None)

    def layout_fields(self) -> list:
        return [
            *super().layout_fields(),
            Field("content_warning"),
            Field("images", template="posts/_attachments_field.html"),
        ]

    def alt_text_fields(self) -> list:
        return [self[f"alt_text_{number}"] for number in range(1, MAX_ATTACHMENTS + 1)]

    def clean(self):
        cleaned = super().clean()
        pictures = cleaned.get("images") or []
        described = []
        for number, picture in enumerate(pictures, start=1):
            alt_text = (cleaned.get(f"alt_text_{number}") or "").strip()
            if not alt_text and settings.MEDIA_REQUIRE_ALT:
                self.add_error(f"alt_text_{number}", _("Describe this picture for people who cannot see it."))
            described.append(replace(picture, alt_text=alt_text))
        cleaned["images"] = described
        return cleaned

    def post_fields(self) -> dict:
        """Return what publish_post takes from this form: the body, the warning, the pictures, "sensitive"."""
        return {
            "body": self.cleaned_data["body"],
            "content_warning": self.cleaned_data["content_warning"],
            "pictures": self.cleaned_data["images"],
            "is_sensitive": self.cleaned_data["is_sensitive"],
        }


class MessageForm(BodyForm):
    """A private message: a post's body rules, no pictures, and the token that makes a form sent twice one message."""

    label = _("Message")
    placeholder = _("Write a message")
    label_hidden = True
    submit_label = _("Send")

    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["form_token"] = str(uuid.uuid4())
        self.helper.layout.append(Field("form_token"))

    def clean_form_token(self) -> uuid.UUID | None:
        """Return the form's token, or None when it is missing or garbled (the message is sent anyway)."""
        try:
            return uuid.UUID(self.cleaned_data["form_token"])
        except ValueError:
            return None


class NewMessageForm(MessageForm):
    """The "New message" page: whom to write to (a username, suggestions by static/js/messages.js), then the text."""

    recipient = forms.CharField(
        label=_("To"),
        max_length=150,
        error_messages={"required": _("Enter the username of the person to write to.")},
    )
    field_order = ["recipient", "body"]
    placeholder = ""
    label_hidden = False

    def __init__(self, *args, sender, **kwargs):
        super().__init__(*args, **kwargs)
        self.sender = sender
        self.fields["recipient"].widget.attrs.update(
            {
                "list": "recipient-suggestions",
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
                "data-suggestions-url": reverse_lazy("posts:message_recipients"),
            }
        )
        self.fields["body"].label = _("Message")
        self.helper.layout.insert(0, Field("recipient", template="posts/_body_field.html"))

    def clean_recipient(self) -> User:
        """Return the active user the field names ("@ana" or "ana", in any letter case)."""
        username = self.cleaned_data["recipient"].strip().removeprefix("@")
        recipient = User.objects.active().named(username).first() if username else None
        if recipient is None:
            raise ValidationError(_("There is no one called %(name)s here."), params={"name": username or "?"})
        if recipient.pk == self.sender.pk:
            raise ValidationError(_("You cannot send a message to yourself."))
        return recipient


class JsonCharField(forms.CharField):
    """A CharField for JSON input: numbers, lists and objects are refused, not str()-ed."""

    default_error_messages = {"invalid": _("Enter text.")}

    def to_python(self, value):
        if value is not None and not isinstance(value, str):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class TranslateForm(forms.Form):
    """The JSON body of POST /translate/: what to translate, from which language, into which."""

    text = JsonCharField(label=_("text"), max_length=TRANSLATE_MAX_LENGTH)
    source_language = JsonCharField(label=_("source language"), max_length=16, validators=[language_code])
    dest_language = JsonCharField(label=_("target language"), max_length=16, validators=[language_code])


# Format and control characters (U+200B, U+200E, U+FEFF...): a query of only these is empty.
INVISIBLE = {"Cc", "Cf", "Zs", "Zl", "Zp"}


def strip_invisible(text: str) -> str:
    """Strip spaces and invisible characters (zero-width, direction marks, controls) from both ends."""
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or unicodedata.category(text[start]) in INVISIBLE):
        start += 1
    while end > start and (text[end - 1].isspace() or unicodedata.category(text[end - 1]) in INVISIBLE):
        end -= 1
    return text[start:end]


class SearchQueryField(forms.CharField):
    """A CharField that drops NUL bytes (PostgreSQL rejects them) and invisible ends before validating."""

    def to_python(self, value):
        return strip_invisible(super().to_python(value).replace("\x00", ""))


class SearchForm(forms.Form):
    """The search box and the results' tab and order: any text is accepted; posts.search parses it."""

    TYPE_CHOICES = {"": _("All"), "people": _("People"), "posts": _("Posts")}
    SORT_CHOICES = {"top": _("Top"), "latest": _("Latest")}  # posts.search.SORTS, the default first

    q = SearchQueryField(label=_("Search"), required=False, max_length=MAX_QUERY_LENGTH)
    type = forms.ChoiceField(label=_("Show"), choices=TYPE_CHOICES.items(), required=False)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORT_CHOICES.items(), required=False)

    def clean_sort(self):
        return self.cleaned_data["sort"] or SORTS[0]


class ReportForm(forms.Form):
    """Report a person, or one of their posts: what is wrong, a comment, and which of their posts.

    The checkboxes offer the person's newest posts (and the reported one, checked); any
    visible post of theirs is accepted, so a post published meanwhile moves none out.
    """

    category = forms.ChoiceField(label=_("What is wrong?"), choices=Report.Category.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Anything the moderators should know?"),
        required=False,
        max_length=REPORT_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional. Only the moderators read it."),
    )
    posts = forms.ModelMultipleChoiceField(
        label=_("Include these posts"),
        queryset=Post.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("One of the chosen posts is no longer available.")},
    )

    def __init__(self, *args, target: User, post: Post | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target
        # As for the body: no maxlength, which browsers count in UTF-16 units; the server counts.
        self.fields["comment"].widget.attrs.pop("maxlength", None)
        reportable = reportable_posts(target)
        self.fields["posts"].queryset = reportable
        offered = list(reportable.only("body", "created_at", "author_id")[:REPORTABLE_RECENT_POSTS])
        if post is not None and post.pk not in {offered_post.pk for offered_post in offered}:
            offered.insert(0, post)
        self.fields["posts"].choices = [(offered_post.pk, offered_post.body) for offered_post in offered]
        if post is not None:
            self.initial.setdefault("posts", [post.pk])
        submit = (
            _("Report this post") if post is not None else _("Report @%(username)s") % {"username": target.username}
        )
        self.helper = submit_helper(submit)
        self.helper.inputs[0].field_classes = "btn btn-danger"

    def clean_comment(self) -> str:
        """Return the comment without blank or invisible characters at its ends (nothing but them is no comment)."""
        return normalize_body(self.cleaned_data["comment"])

    def clean_posts(self):
        posts = list(self.cleaned_data["posts"])
        if len(posts) > REPORT_MAX_POSTS:
            raise ValidationError(
                ngettext(
                    "A report can include at most %(count)d post.",
                    "A report can include at most %(count)d posts.",
                    REPORT_MAX_POSTS,
                ),
                params={"count": REPORT_MAX_POSTS},
            )
        return posts
