"""Form helpers any app can use."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit


def submit_helper(label) -> FormHelper:
    """Return a crispy helper that renders the form with one primary submit button."""
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper
