"""The registration and profile forms share their identity checks with the API."""

import pytest

from accounts.forms import ProfileForm, RegistrationForm
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "plum tractor seventeen"


def test_registration_refuses_a_username_or_email_taken_in_another_case():
    UserFactory(username="ann", email="ann@example.com")
    data = {"username": "ANN", "email": "Ann@EXAMPLE.com", "password1": PASSWORD, "password2": PASSWORD}

    form = RegistrationForm(data=data)

    assert not form.is_valid()
    assert set(form.errors) == {"username", "email"}


def test_the_profile_form_lets_you_keep_your_own_username_in_another_case():
    me = UserFactory(username="ann")

    form = ProfileForm(data={"username": "Ann", "about_me": ""}, instance=me)

    assert form.is_valid(), form.errors


def test_the_profile_form_refuses_someone_elses_username():
    me = UserFactory()
    UserFactory(username="taken")

    form = ProfileForm(data={"username": "TAKEN", "about_me": ""}, instance=me)

    assert form.errors["username"] == ["This username is taken. Please use a different one."]
