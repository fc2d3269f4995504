"""Two-factor sign-in: enrolment, both sign-in steps, recovery codes, turning it off, password reset."""

import re
import threading
from base64 import b32decode
from binascii import hexlify
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.db import connections
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import ApiToken
from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    TOTPDeviceFactory,
    UserFactory,
    basic,
    bearer,
    totp_code,
    with_two_factor,
)
from accounts.two_factor import PENDING_LOGIN_KEY

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
LOGIN_CODE = reverse("accounts:login_code")
HOME = reverse("posts:home")
STATUS = reverse("accounts:two_factor")
SETUP = reverse("accounts:two_factor_setup")
NEW_CODES = reverse("accounts:recovery_codes")
DISABLE = reverse("accounts:two_factor_disable")
NEW_PASSWORD = "a brand new secret phrase"


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def sign_in_with_password(client, login="susan", password=DEFAULT_PASSWORD, **extra):
    return client.post(LOGIN, {"username": login, "password": password, **extra})


@pytest.fixture
def susan():
    return UserFactory(username="susan", email="susan@example.com")


@pytest.fixture
def enrolled(susan):
    """Susan with two-factor sign-in on: (user, authenticator, recovery codes)."""
    device, codes = with_two_factor(susan)
    return susan, device, codes


def later(seconds=30):
    """Move the clock on past the time step of the last accepted code (a code works once)."""
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds))


# --- Enrolment ------------------------------------------------------------------------


def test_the_edit_profile_page_links_to_two_factor_sign_in(client, susan):
    client.force_login(susan)

    page = client.get(reverse("accounts:edit_profile")).content.decode()

    assert f'href="{STATUS}"' in page


def test_the_status_page_says_off_and_offers_the_setup(client, susan):
    client.force_login(susan)

    response = client.get(STATUS)

    assert response.status_code == 200
    assert response.context["enabled"] is False
    assert f'href="{SETUP}"' in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_the_setup_page_shows_a_qr_code_and_the_secret_of_a_device_that_does_not_count_yet(client, susan):
    client.force_login(susan)

    first = client.get(SETUP)
    again = client.get(SETUP)

    device = TOTPDevice.objects.get(user=susan)
    page = first.content.decode()
    assert first.status_code == 200
    assert device.confirmed is False
    assert not susan.has_two_factor()
    secret = first.context["secret"].replace(" ", "")
    assert hexlify(b32decode(secret)).decode() == device.key
    assert first.context["secret"] in page
    # Inline SVG: no image request to anyone, nothing for the CSP to allow.
    assert re.search(r'<svg role="img" aria-label="QR code for your authenticator app"[^>]*>.*<path', page, re.S)
    assert "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert again.context["secret"] == first.context["secret"]
    assert TOTPDevice.objects.filter(user=susan).count() == 1
    assert "no-store" in first["Cache-Control"]


def test_a_wrong_code_keeps_two_factor_off_and_shows_the_same_secret(client, susan):
    client.force_login(susan)
    secret = client.get(SETUP).context["secret"]

    response = client.post(SETUP, {"code": "000000"})

    assert response.status_code == 200
    assert "This code is not right" in response.content.decode()
    assert response.context["secret"] == secret
    assert response.context["form"]["code"].value() == "000000"  # what was typed stays
    assert not susan.has_two_factor()


@pytest.mark.parametrize("code", ["", "x" * 5000, "12\x003456", "abcdef", "١٢٣٤٥٦"])
def test_bad_input_on_the_setup_form_is_a_form_error(client, susan, code):
    client.force_login(susan)
    client.get(SETUP)

    response = client.post(SETUP, {"code": code})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not susan.has_two_factor()


def test_the_current_code_turns_it_on_and_shows_ten_recovery_codes_once(client, susan):
    client.force_login(susan)
    issue_before = bearer(susan)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=susan)

    response = client.post(SETUP, {"code": totp_code(device)})

    codes = response.context["codes"]
    page = response.content.decode()
    assert response.status_code == 200
    assert "Two-factor sign-in is on." in messages_of(response)
    assert susan.has_two_factor()
    assert len(codes) == len(set(codes)) == 10
    assert all(code in page for code in codes)
    assert sorted(StaticToken.objects.filter(device__user=susan).values_list("token", flat=True)) == sorted(codes)
    assert "no-store" in response["Cache-Control"]
    # Tokens had with the password alone end with it.
    assert not ApiToken.objects.filter(user=susan).exists()
    assert client.get("/api/feed", headers=issue_before).status_code == 401
    # Shown once: the status page has the count, not the codes.
    status = client.get(STATUS).content.decode()
    assert "10 unused recovery codes" in status
    assert codes[0] not in status


def test_a_code_with_spaces_is_accepted(client, susan):
    client.force_login(susan)
    client.get(SETUP)
    code = totp_code(TOTPDevice.objects.get(user=susan))

    client.post(SETUP, {"code": f" {code[:3]} {code[3:]} "})

    assert susan.has_two_factor()


def test_the_setup_page_sends_someone_with_two_factor_on_back_to_the_status_page(client, enrolled):
    user, device, _codes = enrolled
    client.force_login(user)

    get = client.get(SETUP)
    post = client.post(SETUP, {"code": totp_code(device)})

    assert get["Location"] == post["Location"] == STATUS
    assert TOTPDevice.objects.filter(user=user).get() == device


def test_two_setups_left_waiting_end_in_one_authenticator(client, susan):
    client.force_login(susan)
    client.get(SETUP)
    TOTPDevice.objects.create(user=susan, name="another tab", confirmed=False)
    first = TOTPDevice.objects.filter(user=susan).order_by("pk").first()

    client.post(SETUP, {"code": totp_code(first)})

    assert list(TOTPDevice.objects.filter(user=susan)) == [first]


def test_an_unconfirmed_device_never_counts(client, susan):
    TOTPDeviceFactory(user=susan, confirmed=False)

    response = sign_in_with_password(client)

    assert response["Location"] == HOME
    assert client.session[SESSION_KEY] == str(susan.pk)


# --- Signing in -----------------------------------------------------------------------


def test_without_two_factor_the_password_signs_in_as_before(client, susan):
    response = sign_in_with_password(client)

    assert response["Location"] == HOME
    assert client.session[SESSION_KEY] == str(susan.pk)


def test_with_two_factor_the_password_alone_does_not_sign_in(client, enrolled):
    response = sign_in_with_password(client)

    assert response["Location"] == LOGIN_CODE
    assert SESSION_KEY not in client.session
    assert client.get(reverse("posts:bookmarks"))["Location"].startswith(LOGIN)
    # The session notes who got the password right, never the password.
    assert DEFAULT_PASSWORD not in str(dict(client.session.items()))


def test_a_wrong_password_never_reaches_the_code_step(client, enrolled):
    response = sign_in_with_password(client, password="wrong")

    assert response.status_code == 200
    assert PENDING_LOGIN_KEY not in client.session


def test_the_code_step_with_the_current_code_signs_in_and_goes_where_asked(client, enrolled):
    user, device, _codes = enrolled
    sign_in_with_password(client, next="/explore/")
    page = client.get(LOGIN_CODE)

    response = client.post(LOGIN_CODE, {"code": totp_code(device)})

    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert response["Location"] == "/explore/"
    assert client.session[SESSION_KEY] == str(user.pk)
    assert PENDING_LOGIN_KEY not in client.session
    assert client.session.get_expire_at_browser_close()  # "Remember me" was not ticked


def test_remember_me_survives_the_code_step(client, enrolled):
    _user, device, _codes = enrolled
    sign_in_with_password(client, remember_me="on")

    client.post(LOGIN_CODE, {"code": totp_code(device)})

    assert not client.session.get_expire_at_browser_close()


def test_an_unsafe_next_is_dropped_at_the_password_step(client, enrolled):
    _user, device, _codes = enrolled
    sign_in_with_password(client, next="https://evil.example.com/")

    response = client.post(LOGIN_CODE, {"code": totp_code(device)})

    assert response["Location"] == HOME


def test_a_wrong_code_does_not_sign_in_and_counts_as_a_failed_sign_in(client, enrolled):
    sign_in_with_password(client)

    response = client.post(LOGIN_CODE, {"code": "123456"})

    assert response.status_code == 200
    assert "This code is not right, or it was already used." in response.content.decode()
    assert SESSION_KEY not in client.session
    assert sum(AccessAttempt.objects.filter(username="susan").values_list("failures_since_start", flat=True)) == 1


@pytest.mark.parametrize("code", ["", "x" * 5000, "\x00", "   "])
def test_bad_input_on_the_code_step_is_a_form_error(client, enrolled, code):
    sign_in_with_password(client)

    response = client.post(LOGIN_CODE, {"code": code})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert SESSION_KEY not in client.session


@override_settings(AXES_FAILURE_LIMIT=3)
def test_guessing_codes_locks_the_account_like_guessing_passwords(client, enrolled):
    _user, device, _codes = enrolled
    sign_in_with_password(client)

    guesses = [client.post(LOGIN_CODE, {"code": f"00000{n}"}) for n in range(3)]
    right_code_after = client.post(LOGIN_CODE, {"code": totp_code(device)})
    password_after = sign_in_with_password(client)

    assert [r.status_code for r in guesses] == [200, 200, 429]
    assert "Too many failed sign-ins" in guesses[-1].content.decode()
    assert right_code_after.status_code == 429
    assert SESSION_KEY not in client.session
    assert password_after.status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_signed_in_code_clears_the_accounts_failures(client, enrolled):
    _user, device, _codes = enrolled
    sign_in_with_password(client, password="wrong")
    sign_in_with_password(client)
    client.post(LOGIN_CODE, {"code": "000000"})

    with later(2):  # django-otp makes the next try after a wrong code wait a second
        client.post(LOGIN_CODE, {"code": totp_code(device)})

    assert client.session[SESSION_KEY]
    assert not AccessAttempt.objects.filter(username="susan").exists()


def test_the_password_step_alone_does_not_clear_the_accounts_failures(client, enrolled):
    sign_in_with_password(client, password="wrong")

    sign_in_with_password(client)

    assert AccessAttempt.objects.filter(username="susan").exists()


def test_an_authenticator_code_works_once(client, enrolled):
    _user, device, _codes = enrolled
    code = totp_code(device)
    sign_in_with_password(client)
    client.post(LOGIN_CODE, {"code": code})
    client.post(reverse("accounts:logout"))

    sign_in_with_password(client)
    reused = client.post(LOGIN_CODE, {"code": code})

    assert reused.status_code == 200
    assert SESSION_KEY not in client.session


def test_a_recovery_code_signs_in_exactly_once(client, enrolled):
    _user, _device, codes = enrolled
    sign_in_with_password(client)
    first = client.post(LOGIN_CODE, {"code": codes[0].upper()})
    client.post(reverse("accounts:logout"))

    sign_in_with_password(client)
    second = client.post(LOGIN_CODE, {"code": codes[0]})

    assert first["Location"] == HOME
    assert second.status_code == 200
    assert "already used" in second.content.decode()
    assert SESSION_KEY not in client.session
    assert StaticToken.objects.filter(device__user=enrolled[0]).count() == 9


def test_the_half_signed_in_state_expires_after_five_minutes(client, enrolled):
    _user, device, _codes = enrolled
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in_with_password(client)
        traveller.shift(timedelta(minutes=5, seconds=1))

        response = client.post(LOGIN_CODE, {"code": totp_code(device)})

    assert response["Location"] == LOGIN
    assert SESSION_KEY not in client.session
    assert PENDING_LOGIN_KEY not in client.session
    assert "Your sign-in took too long. Please sign in again." in messages_of(client.get(LOGIN))


def test_within_five_minutes_the_code_step_still_works(client, enrolled):
    _user, device, _codes = enrolled
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in_with_password(client)
        traveller.shift(timedelta(minutes=4, seconds=50))

        response = client.post(LOGIN_CODE, {"code": totp_code(device)})

    assert response["Location"] == HOME


def test_a_password_changed_meanwhile_ends_the_half_signed_in_state(client, enrolled):
    user, device, _codes = enrolled
    sign_in_with_password(client)
    user.set_password(NEW_PASSWORD)
    services.save_password(user=user)

    response = client.post(LOGIN_CODE, {"code": totp_code(device)})

    assert response["Location"] == LOGIN
    assert SESSION_KEY not in client.session


def test_a_tampered_half_signed_in_state_is_refused(client, enrolled):
    _user, device, _codes = enrolled
    other = UserFactory()
    sign_in_with_password(client)
    session = client.session
    session[PENDING_LOGIN_KEY] = session[PENDING_LOGIN_KEY].replace(":", f":{other.pk}", 1)
    session.save()

    response = client.post(LOGIN_CODE, {"code": totp_code(device)})

    assert response["Location"] == LOGIN
    assert SESSION_KEY not in client.session


def test_the_code_step_without_a_password_step_sends_to_sign_in(client):
    get = client.get(LOGIN_CODE)
    post = client.post(LOGIN_CODE, {"code": "123456"})

    assert get["Location"] == post["Location"] == LOGIN


def test_the_code_step_sends_someone_signed_in_home(client, susan):
    client.force_login(susan)

    assert client.get(LOGIN_CODE)["Location"] == HOME


def test_the_code_step_costs_a_few_queries(client, enrolled, django_assert_max_num_queries):
    _user, device, _codes = enrolled
    sign_in_with_password(client)

    # The session and the user, the lockout checks (account and client), the device read
    # under lock and saved, then the login: a new session key, the cleared failures.
    with django_assert_max_num_queries(21):
        response = client.post(LOGIN_CODE, {"code": totp_code(device)})

    assert response.status_code == 302


# --- Password reset -------------------------------------------------------------------


def test_a_password_reset_neither_signs_in_nor_turns_two_factor_off(client, enrolled):
    user, device, _codes = enrolled
    client.post(reverse("accounts:password_reset"), {"email": "susan@example.com"})
    link = re.search(r"https?://testserver(/auth/reset/[^/\s]+/[^/\s]+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]

    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done["Location"] == reverse("accounts:password_reset_complete")
    assert SESSION_KEY not in client.session
    assert user.has_two_factor()
    response = sign_in_with_password(client, password=NEW_PASSWORD)
    assert response["Location"] == LOGIN_CODE
    assert SESSION_KEY not in client.session
    assert client.post(LOGIN_CODE, {"code": totp_code(device)})["Location"] == HOME


# --- Recovery codes and turning it off -----------------------------------------------


def test_new_recovery_codes_need_a_code_and_void_the_old_ones(client, enrolled):
    user, device, old_codes = enrolled
    client.force_login(user)

    page = client.get(NEW_CODES)
    refused = client.post(NEW_CODES, {"code": "999999"})
    with later(2):
        response = client.post(NEW_CODES, {"code": totp_code(device)})

    new_codes = response.context["codes"]
    assert page.status_code == 200
    assert "This code is not right" in refused.content.decode()
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(new_codes)
    assert "no-store" in response["Cache-Control"]
    assert services.verify_second_factor(user=user, code=new_codes[1])
    assert not services.verify_second_factor(user=user, code=old_codes[1])


def test_a_recovery_code_can_make_new_recovery_codes(client, enrolled):
    user, _device, codes = enrolled
    client.force_login(user)

    response = client.post(NEW_CODES, {"code": codes[0]})

    assert len(response.context["codes"]) == 10


def test_the_status_page_counts_the_recovery_codes_left(client, enrolled):
    user, _device, codes = enrolled
    services.verify_second_factor(user=user, code=codes[0])
    client.force_login(user)

    response = client.get(STATUS)

    assert response.context["enabled"] is True
    assert "9 unused recovery codes" in response.content.decode()


def test_turning_it_off_needs_the_password_and_a_code(client, enrolled):
    user, device, _codes = enrolled
    client.force_login(user)

    wrong_password = client.post(DISABLE, {"password": "wrong", "code": totp_code(device)})
    wrong_code = client.post(DISABLE, {"password": DEFAULT_PASSWORD, "code": "111111"})

    assert "This is not your password." in wrong_password.content.decode()
    assert "This code is not right" in wrong_code.content.decode()
    assert wrong_code.context["form"]["code"].value() == "111111"
    assert user.has_two_factor()


def test_turning_it_off_deletes_the_devices_and_the_password_signs_in_again(client, enrolled):
    user, device, _codes = enrolled
    client.force_login(user)

    response = client.post(DISABLE, {"password": DEFAULT_PASSWORD, "code": totp_code(device)})

    assert response["Location"] == STATUS
    assert not user.has_two_factor()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()
    client.post(reverse("accounts:logout"))
    assert sign_in_with_password(client)["Location"] == HOME


@pytest.mark.parametrize("url", [NEW_CODES, DISABLE])
def test_the_pages_for_two_factor_on_send_others_to_the_status_page(client, susan, url):
    client.force_login(susan)

    assert client.get(url)["Location"] == STATUS
    assert client.post(url, {"code": "123456", "password": DEFAULT_PASSWORD})["Location"] == STATUS


# --- The services ---------------------------------------------------------------------


def test_an_unconfirmed_device_cannot_verify_a_code(susan):
    device = TOTPDeviceFactory(user=susan, confirmed=False)

    assert not services.verify_second_factor(user=susan, code=totp_code(device))


def test_another_users_codes_do_not_verify(enrolled):
    _user, device, codes = enrolled
    other = UserFactory()
    with_two_factor(other)

    assert not services.verify_second_factor(user=other, code=totp_code(device))
    assert not services.verify_second_factor(user=other, code=codes[0])


@pytest.mark.parametrize("offset_steps", [-1, 1])
def test_the_previous_and_next_codes_are_accepted_for_clock_drift(enrolled, offset_steps):
    user, device, _codes = enrolled

    assert services.verify_second_factor(user=user, code=totp_code(device, offset_steps=offset_steps))


def test_codes_further_off_are_refused(enrolled):
    user, device, _codes = enrolled

    assert not services.verify_second_factor(user=user, code=totp_code(device, offset_steps=3))


def test_after_a_wrong_code_the_next_try_waits_a_little(enrolled):
    user, device, _codes = enrolled
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        services.verify_second_factor(user=user, code="000000")

        too_soon = services.verify_second_factor(user=user, code=totp_code(device))
        traveller.shift(timedelta(seconds=2))
        after_a_while = services.verify_second_factor(user=user, code=totp_code(device))

    assert (too_soon, after_a_while) == (False, True)


def test_the_error_says_how_long_to_wait_after_wrong_codes(client, enrolled):
    sign_in_with_password(client)
    with time_machine.travel(timezone.now(), tick=False):
        client.post(LOGIN_CODE, {"code": "000000"})

        response = client.post(LOGIN_CODE, {"code": "111111"})

    assert "After wrong codes, wait 1 second before the next try." in response.content.decode()


# --- The API token --------------------------------------------------------------------

TOKENS = reverse("api:tokens")


def test_without_two_factor_the_token_endpoint_takes_the_password_alone(client, susan):
    response = client.post(TOKENS, headers=basic("susan"))

    assert response.status_code == 200
    assert len(response.json()["token"]) == 32


def test_with_two_factor_the_token_endpoint_refuses_the_password_alone(client, enrolled):
    response = client.post(TOKENS, headers=basic("susan"))

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "X-OTP" in response.json()["message"]
    assert response["WWW-Authenticate"].startswith("Basic")
    assert not ApiToken.objects.exists()


def test_the_token_endpoint_takes_the_current_code_in_x_otp(client, enrolled):
    user, device, _codes = enrolled

    response = client.post(TOKENS, headers={**basic("susan"), "X-OTP": totp_code(device)})

    assert response.status_code == 200
    assert client.get("/api/feed", headers={"Authorization": f"Bearer {response.json()['token']}"}).status_code == 200


def test_a_wrong_code_for_a_token_is_401_and_a_failed_sign_in(client, enrolled):
    response = client.post(TOKENS, headers={**basic("susan"), "X-OTP": "123456"})

    assert response.status_code == 401
    assert "not right" in response.json()["message"]
    assert AccessAttempt.objects.filter(username="susan").exists()
    assert not ApiToken.objects.exists()


def test_a_wrong_password_with_a_good_code_is_still_401(client, enrolled):
    _user, device, _codes = enrolled

    response = client.post(TOKENS, headers={**basic("susan", "wrong"), "X-OTP": totp_code(device)})

    assert response.status_code == 401
    assert not ApiToken.objects.exists()


def test_a_recovery_code_gets_one_token_only(client, enrolled):
    _user, _device, codes = enrolled

    first = client.post(TOKENS, headers={**basic("susan"), "X-OTP": codes[0]})
    again = client.post(TOKENS, headers={**basic("susan"), "X-OTP": codes[0]})

    assert (first.status_code, again.status_code) == (200, 401)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_guessing_codes_at_the_token_endpoint_locks_the_account(client, enrolled):
    _user, device, _codes = enrolled

    guesses = [client.post(TOKENS, headers={**basic("susan"), "X-OTP": f"00000{n}"}) for n in range(3)]
    after = client.post(TOKENS, headers={**basic("susan"), "X-OTP": totp_code(device)})

    assert [r.status_code for r in guesses] == [401, 401, 429]
    assert after.status_code == 429
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("code", ["x" * 5000, "١٢٣٤٥٦", "-", " "])
def test_odd_x_otp_values_are_a_clean_401(client, enrolled, code):
    response = client.post(TOKENS, headers={**basic("susan"), "X-OTP": code})

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


def test_the_schema_documents_x_otp_and_the_401(client):
    schema = client.get(reverse("api:openapi")).json()

    operation = schema["paths"]["/api/tokens"]["post"]
    assert {"name": "X-OTP", "in": "header"}.items() <= operation["parameters"][0].items()
    assert "X-OTP" in operation["responses"]["401"]["description"]


# --- The admin ------------------------------------------------------------------------

ADMIN = reverse("admin:index")


def test_the_admins_own_password_form_is_gone_its_login_sends_to_the_two_step_one(client):
    response = client.get(reverse("admin:login"), {"next": "/admin/accounts/user/"})
    posted = client.post(reverse("admin:login"), {"username": "root", "password": DEFAULT_PASSWORD})

    assert response["Location"] == f"{LOGIN}?next=%2Fadmin%2Faccounts%2Fuser%2F"
    assert posted.status_code == 302
    assert SESSION_KEY not in client.session


def test_the_admin_login_drops_an_offsite_next(client):
    response = client.get(reverse("admin:login"), {"next": "https://evil.example.com/"})

    assert response["Location"] == f"{LOGIN}?next=%2Fadmin%2F"


def test_the_admin_login_refuses_a_signed_in_member_instead_of_looping(client, susan):
    client.force_login(susan)

    assert client.get(reverse("admin:login")).status_code == 403


def test_the_admin_login_sends_signed_in_staff_to_the_index(client):
    client.force_login(UserFactory(superuser=True))

    assert client.get(reverse("admin:login"))["Location"] == ADMIN


def test_staff_with_two_factor_reach_the_admin_through_both_steps(client):
    root = UserFactory(username="root", superuser=True)
    device, _codes = with_two_factor(root)

    start = client.get(ADMIN)
    login_page = client.get(start["Location"])
    password = client.get(login_page["Location"])
    code_step = sign_in_with_password(client, "root", next=ADMIN)
    done = client.post(code_step["Location"], {"code": totp_code(device)})

    assert password.status_code == 200
    assert code_step["Location"] == LOGIN_CODE
    assert done["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_require_staff_2fa_sends_staff_without_it_to_the_setup(client, settings):
    settings.REQUIRE_STAFF_2FA = True
    client.force_login(UserFactory(superuser=True))

    index = client.get(ADMIN)
    changelist = client.get(reverse("admin:accounts_user_changelist"))
    setup = client.get(SETUP)

    assert index["Location"] == changelist["Location"] == SETUP
    assert "Set up two-factor sign-in before you use the admin." in messages_of(setup)
    client.post(reverse("admin:logout"))  # signing out still works
    assert SESSION_KEY not in client.session


def test_require_staff_2fa_lets_staff_with_it_in(client, settings):
    settings.REQUIRE_STAFF_2FA = True
    root = UserFactory(superuser=True)
    with_two_factor(root)
    client.force_login(root)

    assert client.get(ADMIN).status_code == 200


def test_staff_enrolled_after_being_turned_away_can_use_the_admin(client, settings):
    settings.REQUIRE_STAFF_2FA = True
    root = UserFactory(superuser=True)
    client.force_login(root)
    client.get(ADMIN)
    client.get(SETUP)

    client.post(SETUP, {"code": totp_code(TOTPDevice.objects.get(user=root))})

    assert client.get(ADMIN).status_code == 200


def test_without_require_staff_2fa_staff_use_the_admin_as_before(client):
    client.force_login(UserFactory(superuser=True))

    assert client.get(ADMIN).status_code == 200


def test_require_staff_2fa_does_not_open_the_admin_to_members(client, settings, susan):
    settings.REQUIRE_STAFF_2FA = True
    client.force_login(susan)

    assert client.get(ADMIN)["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("name", ["admin:otp_totp_totpdevice_changelist", "admin:otp_static_staticdevice_changelist"])
def test_the_device_lists_cost_a_fixed_number_of_queries_and_hide_the_secrets(
    client, name, django_assert_max_num_queries
):
    client.force_login(UserFactory(superuser=True))
    devices = [with_two_factor(UserFactory()) for _ in range(5)]

    with django_assert_max_num_queries(8):
        response = client.get(reverse(name))

    page = response.content.decode()
    assert response.status_code == 200
    assert all(device.user.username in page for device, _codes in devices)
    assert not any(device.key in page for device, _codes in devices)
    assert not any(code in page for _device, codes in devices for code in codes)


def test_a_device_page_picks_the_user_by_id_and_hides_the_secret(client):
    client.force_login(UserFactory(superuser=True))
    device, codes = with_two_factor(UserFactory())
    static = device.user.staticdevice_set.get()

    totp_page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).content.decode()
    static_page = client.get(reverse("admin:otp_static_staticdevice_change", args=[static.pk])).content.decode()

    assert 'class="vForeignKeyRawIdAdminField"' in totp_page
    assert 'class="vForeignKeyRawIdAdminField"' in static_page
    assert device.key not in totp_page
    assert codes[0] not in static_page


def test_staff_turn_someones_two_factor_off_by_deleting_the_device(client, enrolled):
    user, device, _codes = enrolled
    client.force_login(UserFactory(superuser=True))

    client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})

    assert not user.has_two_factor()


# --- Two identical requests at once ---------------------------------------------------


def race(*requests):
    """Send `requests` (callables taking a Client) at the same moment from threads; return their responses."""
    start = threading.Barrier(len(requests))
    responses = [None] * len(requests)

    def run(index, send):
        try:
            start.wait(timeout=10)
            responses[index] = send(Client(raise_request_exception=False))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, send)) for index, send in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("which", ["recovery code", "authenticator code"])
def test_one_code_sent_twice_at_once_gets_one_token_on_postgres(which):
    user = UserFactory(username="susan")
    device, codes = with_two_factor(user)
    code = codes[0] if which == "recovery code" else totp_code(device)

    def ask(client):
        return client.post(TOKENS, headers={**basic("susan"), "X-OTP": code})

    responses = race(ask, ask, ask)

    assert sorted(response.status_code for response in responses) == [200, 401, 401]
