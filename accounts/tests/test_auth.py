"""Registration, login and logout, password reset and change."""

import re
import socket
from datetime import timedelta

import environ
import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import ApiToken, User
from accounts.services import issue_api_token
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HOME = reverse("posts:home")
LOGIN = reverse("accounts:login")
REGISTER = reverse("accounts:register")
RESET = reverse("accounts:password_reset")
NEW_PASSWORD = "a brand new secret phrase"


def registration(**overrides):
    data = {
        "username": "susan",
        "email": "susan@example.com",
        "password1": "tangerine dream 42",
        "password2": "tangerine dream 42",
    }
    return {**data, **overrides}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Registration ---------------------------------------------------------------------


def test_register_page_renders_for_visitors(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get(REGISTER)

    assert response.status_code == 200
    assert {"username", "email", "password1", "password2"} <= set(response.context["form"].fields)


def test_registering_creates_the_user_signs_them_in_and_goes_home(client):
    response = client.post(REGISTER, registration(), follow=True)

    assert response.redirect_chain == [(HOME, 302)]
    user = User.objects.get()
    assert (user.username, user.email) == ("susan", "susan@example.com")
    assert user.check_password("tangerine dream 42")
    assert response.context["user"] == user
    assert "Congratulations, you are now a registered user!" in messages_of(response)


def test_registering_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    # Includes django-axes's lookups of failed attempts for the new sign-in, the form's
    # friendly checks, and the service's look-alike check and savepoints.
    with django_assert_max_num_queries(23):
        response = client.post(REGISTER, registration())

    assert response.status_code == 302


def field_block(response, name: str) -> str:
    """Return the page's HTML for form field `name`: its label, input, help and errors."""
    html = response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    match = re.search(rf'<div id="div_id_{name}".*?(?=<div id="div_id_|<button|<input type="submit")', html, re.DOTALL)
    assert match, f"no field {name} on the page"
    return match.group(0)


@pytest.mark.parametrize(
    ("overrides", "field", "error"),
    [
        ({"username": "TAKEN"}, "username", "This username is taken"),
        ({"email": "Taken@Example.com"}, "email", "An account already uses this email address"),
        ({"username": "bad name!"}, "username", "Enter a valid username"),
        ({"email": "not-an-email"}, "email", "Enter a valid email address"),
        ({"username": ""}, "username", "This field is required"),
        ({"email": ""}, "email", "This field is required"),
        ({"password2": "something else 42"}, "password2", "didn’t match"),
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        ({"password1": "password123", "password2": "password123"}, "password1", "too common"),
        ({"password1": "8364729105", "password2": "8364729105"}, "password1", "entirely numeric"),
        ({"password1": "susan1234", "password2": "susan1234"}, "password1", "too similar"),
    ],
)
def test_registration_shows_friendly_form_errors(client, overrides, field, error):
    UserFactory(username="taken", email="taken@example.com")

    response = client.post(REGISTER, registration(**overrides))

    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors[field])
    assert error in field_block(response, field)  # under the field it is about
    assert not response.context["form"].non_field_errors()
    assert User.objects.count() == 1
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("url", [REGISTER, LOGIN])
def test_signed_in_users_visiting_register_or_login_go_home(client, url):
    client.force_login(UserFactory())

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == HOME


# --- Login and logout -----------------------------------------------------------------


def test_login_page_renders(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get(LOGIN)

    assert response.status_code == 200
    assert "Remember me" in response.content.decode()
    assert reverse("accounts:password_reset") in response.content.decode()


@pytest.mark.parametrize("login", ["susan", "SUSAN", "susan@example.com", "Susan@EXAMPLE.com"])
def test_login_by_username_or_email_in_any_case(client, login):
    user = UserFactory(username="susan", email="susan@example.com")

    response = client.post(LOGIN, {"username": login, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == HOME
    assert client.session[SESSION_KEY] == str(user.pk)


def test_login_by_email_works_when_that_email_is_someone_elses_username(client):
    UserFactory(username="susan@example.com", email="other@example.com", password="the other one")
    susan = UserFactory(username="susan", email="susan@example.com")

    response = client.post(LOGIN, {"username": "susan@example.com", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(susan.pk)


def test_login_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    UserFactory(username="susan")

    # Includes django-axes's lockout checks (per account and per client), its reset, and
    # the lookup that counts an account's username and email as one (login_identifier).
    with django_assert_max_num_queries(15):
        response = client.post(LOGIN, {"username": "susan", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "susan", "password": "wrong"},
        {"username": "nobody", "password": DEFAULT_PASSWORD},
        {"username": "", "password": ""},
        {"username": "x" * 300, "password": DEFAULT_PASSWORD},
    ],
)
def test_bad_credentials_show_a_form_error(client, credentials):
    UserFactory(username="susan")

    response = client.post(LOGIN, credentials)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert SESSION_KEY not in client.session


def test_a_wrong_password_says_the_same_as_an_unknown_user(client):
    UserFactory(username="susan")

    wrong = client.post(LOGIN, {"username": "susan", "password": "wrong"})
    unknown = client.post(LOGIN, {"username": "nobody", "password": "wrong"})

    assert wrong.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    assert "Invalid username, email or password." in wrong.context["form"].non_field_errors()


def test_deactivated_users_cannot_sign_in(client):
    UserFactory(username="susan", is_active=False)

    response = client.post(LOGIN, {"username": "susan", "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_without_remember_me_the_session_ends_with_the_browser(client):
    UserFactory(username="susan")

    client.post(LOGIN, {"username": "susan", "password": DEFAULT_PASSWORD})

    assert client.session.get_expire_at_browser_close() is True


def test_remember_me_keeps_the_session_for_two_weeks(client):
    UserFactory(username="susan")

    client.post(LOGIN, {"username": "susan", "password": DEFAULT_PASSWORD, "remember_me": "on"})

    assert client.session.get_expire_at_browser_close() is False
    assert client.session.get_expiry_age() == int(timedelta(weeks=2).total_seconds())


def test_the_session_key_changes_at_login(client):
    UserFactory(username="susan")
    client.get(LOGIN)
    session = client.session
    session["planted"] = True  # a session that exists before the login
    session.save()
    before = session.session_key

    client.post(LOGIN, {"username": "susan", "password": DEFAULT_PASSWORD})

    assert client.session.session_key != before


@pytest.mark.parametrize("target", ["/explore/", "/user/susan/?page=2"])
def test_login_follows_a_same_site_next(client, target):
    UserFactory(username="susan")

    response = client.post(f"{LOGIN}?next={target}", {"username": "susan", "password": DEFAULT_PASSWORD})

    assert response["Location"] == target


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com", "javascript:alert(1)", "http://testserver.evil"])
def test_login_ignores_an_offsite_next(client, target):
    UserFactory(username="susan")

    response = client.post(LOGIN, {"username": "susan", "password": DEFAULT_PASSWORD, "next": target})

    assert response["Location"] == HOME


def test_a_signed_in_user_sent_to_login_with_next_to_login_goes_home(client):
    client.force_login(UserFactory())

    response = client.get(f"{LOGIN}?next={LOGIN}")

    assert response.status_code == 302
    assert response["Location"] == HOME


def test_logout_is_post_only(client):
    client.force_login(UserFactory())

    response = client.get(reverse("accounts:logout"))

    assert response.status_code == 405
    assert SESSION_KEY in client.session


def test_logout_goes_to_the_login_page_with_a_message(client, django_assert_max_num_queries):
    client.force_login(UserFactory())

    with django_assert_max_num_queries(6):
        response = client.post(reverse("accounts:logout"))
    page = client.get(response["Location"])

    assert response["Location"] == LOGIN
    assert SESSION_KEY not in client.session
    assert "You have been signed out." in messages_of(page)


def test_logout_by_a_visitor_is_harmless(client):
    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == LOGIN


# --- Password reset -------------------------------------------------------------------


def reset_link(message) -> str:
    """Return the path of the reset link in an email's plain-text body."""
    match = re.search(r"https?://testserver(/auth/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def request_reset(client, email="susan@example.com"):
    return client.post(RESET, {"email": email})


def test_password_reset_page_renders(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get(RESET)

    assert response.status_code == 200
    assert "accounts/password_reset_form.html" in [template.name for template in response.templates]


def test_password_reset_sends_our_email_in_text_and_html(client):
    UserFactory(username="susan", email="susan@example.com")

    response = request_reset(client, "SUSAN@example.com")

    assert response["Location"] == reverse("accounts:password_reset_done")
    [message] = mail.outbox
    assert message.to == ["susan@example.com"]
    assert message.subject == "Reset your Microblog password"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.body.startswith("Dear susan,")
    assert "The Microblog Team" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert reset_link(message) in html
    assert "Dear susan," in html


def test_password_reset_answers_the_same_for_unknown_emails(client):
    UserFactory(username="susan", email="susan@example.com")

    known = request_reset(client, "susan@example.com")
    unknown = request_reset(client, "nobody@example.com")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    done = client.get(unknown["Location"])
    assert "If an account uses that address" in done.content.decode()


def test_password_reset_with_a_bad_email_shows_a_form_error(client):
    response = request_reset(client, "not an email")

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not mail.outbox


def test_the_whole_reset_flow_through_the_emailed_link(client, django_assert_max_num_queries):
    user = UserFactory(username="susan", email="susan@example.com")
    request_reset(client)
    link = reset_link(mail.outbox[0])

    # Django swaps the token for a session key, so it never stays in the address bar.
    landing = client.get(link)
    with django_assert_max_num_queries(4):
        form_page = client.get(landing["Location"])
    done = client.post(landing["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert form_page.status_code == 200
    assert form_page.context["validlink"] is True
    assert done["Location"] == reverse("accounts:password_reset_complete")
    assert "Your password has been reset" in client.get(done["Location"]).content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    signed_in = client.post(LOGIN, {"username": "susan", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302


def test_a_bad_new_password_on_the_reset_form_shows_an_error(client):
    user = UserFactory(username="susan", email="susan@example.com")
    request_reset(client)
    landing = client.get(reset_link(mail.outbox[0]))

    response = client.post(landing["Location"], {"new_password1": "123", "new_password2": "123"})

    assert response.status_code == 200
    assert "too short" in field_block(response, "new_password1")
    assert "too short" not in field_block(response, "new_password2")
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_a_used_reset_link_shows_the_invalid_link_page(client):
    UserFactory(username="susan", email="susan@example.com")
    request_reset(client)
    link = reset_link(mail.outbox[0])
    landing = client.get(link)
    client.post(landing["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = client.get(link, follow=True)

    assert again.status_code == 200
    assert again.context["validlink"] is False
    assert "This password reset link is invalid" in again.content.decode()
    assert "<form" not in again.content.decode().split("<main", 1)[1].split("</main>", 1)[0]


def test_a_garbled_reset_link_shows_the_invalid_link_page(client):
    response = client.get(reverse("accounts:password_reset_confirm", args=["Zm9v", "nope-nope"]))

    assert response.status_code == 200
    assert response.context["validlink"] is False


def test_a_reset_link_expires_after_password_reset_timeout(client):
    UserFactory(username="susan", email="susan@example.com")
    with time_machine.travel("2026-03-01 10:00 +0000", tick=False) as traveller:
        request_reset(client)
        link = reset_link(mail.outbox[0])

        traveller.shift(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT - 60))
        still_valid = client.get(link, follow=True)
        traveller.shift(timedelta(seconds=120))
        expired = client.get(link, follow=True)

    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    assert still_valid.context["validlink"] is True
    assert expired.context["validlink"] is False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_a_reset_email_goes_out_through_a_real_smtp_connection(client, smtp_server):
    controller, inbox = smtp_server
    UserFactory(username="susan", email="susan@example.com")
    # The same parsing the settings apply to EMAIL_URL.
    email_settings = environ.Env.email_url_config(f"smtp://{controller.hostname}:{controller.port}")

    with override_settings(**email_settings):
        response = request_reset(client)

    assert email_settings["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert response.status_code == 302
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["susan@example.com"]
    raw = envelope.content.decode()
    assert "Subject: Reset your Microblog password" in raw
    assert "multipart/alternative" in raw
    assert "/auth/reset/" in raw


# --- Password change ------------------------------------------------------------------


def test_password_change_needs_a_login(client):
    response = client.get(reverse("accounts:password_change"))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_password_change_page_renders(client, django_assert_max_num_queries):
    client.force_login(UserFactory())

    with django_assert_max_num_queries(2):  # session, user
        response = client.get(reverse("accounts:password_change"))

    assert response.status_code == 200
    assert {"old_password", "new_password1", "new_password2"} == set(response.context["form"].fields)


def test_changing_the_password_keeps_the_user_signed_in(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("accounts:edit_profile"), 302)]
    assert "Your password has been changed." in messages_of(response)
    assert response.context["user"] == user
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, "old_password"),
        ({"old_password": DEFAULT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "x"}, "new_password2"),
        ({"old_password": DEFAULT_PASSWORD, "new_password1": "abc", "new_password2": "abc"}, "new_password1"),
    ],
)
def test_a_bad_password_change_shows_the_error_under_its_field(client, data, field):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("accounts:password_change"), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert all(error in field_block(response, field) for error in errors[field])
    assert set(errors) == {field}
    assert not response.context["form"].non_field_errors()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


# --- A new password ends the API tokens -----------------------------------------------


def api_status(token, user):
    return Client().get(f"/api/users/{user.pk}", headers={"Authorization": f"Bearer {token}"}).status_code


@pytest.fixture
def tokens():
    """Two users with a live API token each: `mine` loses it with a new password, `theirs` keeps it."""
    me, them = UserFactory(username="susan", email="susan@example.com"), UserFactory()
    mine, theirs = issue_api_token(user=me), issue_api_token(user=them)
    assert api_status(mine, me) == api_status(theirs, them) == 200
    return me, mine, them, theirs


def assert_only_mine_revoked(tokens):
    me, mine, them, theirs = tokens
    assert api_status(mine, me) == 401
    assert not ApiToken.objects.filter(user=me).exists()
    assert api_status(theirs, them) == 200


def test_changing_the_password_revokes_the_api_tokens(client, tokens):
    client.force_login(tokens[0])

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert_only_mine_revoked(tokens)
    assert client.get(reverse("accounts:edit_profile")).status_code == 200  # this session goes on


def test_a_rejected_password_change_keeps_the_api_tokens(client, tokens):
    me, mine = tokens[0], tokens[1]
    client.force_login(me)

    client.post(reverse("accounts:password_change"), {"old_password": "wrong", "new_password1": NEW_PASSWORD})

    assert api_status(mine, me) == 200


def test_resetting_the_password_revokes_the_api_tokens(client, tokens):
    request_reset(client)
    landing = client.get(reset_link(mail.outbox[0]))

    done = client.post(landing["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done["Location"] == reverse("accounts:password_reset_complete")
    assert_only_mine_revoked(tokens)


def test_a_password_set_in_the_admin_revokes_the_api_tokens(superuser_client, tokens):
    # Django's admin names this URL after its own auth app, whatever the user model.
    url = reverse("admin:auth_user_password_change", args=[tokens[0].pk])

    response = superuser_client.post(
        url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    )

    assert response.status_code == 302
    assert_only_mine_revoked(tokens)


def test_a_password_set_by_any_other_path_ends_the_api_tokens(tokens):
    # What `manage.py changepassword` and the shell do: no form, no service.
    me, mine = tokens[0], tokens[1]
    me.set_password(NEW_PASSWORD)
    me.save()

    assert api_status(mine, me) == 401
    assert api_status(tokens[3], tokens[2]) == 200
    fresh = issue_api_token(user=me)
    assert fresh != mine
    assert api_status(fresh, me) == 200
