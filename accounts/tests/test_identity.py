"""Who may take which name and address: races, the username rule, look-alikes, IDNA domains, lookups."""

import threading

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accounts import services
from accounts.api import RegistrationSerializer
from accounts.forms import ProfileForm, RegistrationForm
from accounts.models import User, ascii_domain, email_spellings
from accounts.tests.factories import UserFactory, basic

pytestmark = pytest.mark.django_db

REGISTER = reverse("accounts:register")
EDIT = reverse("accounts:edit_profile")
LOGIN = reverse("accounts:login")
PASSWORD = "tangerine dream 42"


def registration(**overrides):
    data = {"username": "susan", "email": "susan@example.com", "password1": PASSWORD, "password2": PASSWORD}
    return {**data, **overrides}


def api_registration(**overrides):
    return {"username": "susan", "email": "susan@example.com", "password": PASSWORD, **overrides}


def errors_of(response, field):
    return " ".join(response.context["form"].errors.get(field, []))


# --- A name taken between the checks and the write -----------------------------------


@pytest.fixture
def rival_after_validation(monkeypatch):
    """Make `cls.is_valid()` pass, then let a rival account take a name at that very moment."""

    def arrange(cls, **rival):
        original = cls.is_valid

        def is_valid(self, *args, **kwargs):
            valid = original(self, *args, **kwargs)
            if valid and not User.objects.filter(username=rival["username"]).exists():
                UserFactory(**rival)
            return valid

        monkeypatch.setattr(cls, "is_valid", is_valid)

    return arrange


def test_a_name_taken_after_the_form_checked_it_is_a_form_error_not_a_500(client, rival_after_validation):
    rival_after_validation(RegistrationForm, username="SUSAN", email="other@example.com")

    response = client.post(REGISTER, registration())

    assert response.status_code == 200
    assert "This username is taken" in errors_of(response, "username")
    form = response.context["form"]
    assert (form["username"].value(), form["email"].value()) == ("susan", "susan@example.com")
    assert 'value="susan@example.com"' in response.content.decode()
    assert list(User.objects.values_list("username", flat=True)) == ["SUSAN"]
    assert SESSION_KEY not in client.session


def test_an_address_taken_after_the_form_checked_it_is_a_form_error(client, rival_after_validation):
    rival_after_validation(RegistrationForm, username="other", email="SUSAN@example.com")

    response = client.post(REGISTER, registration())

    assert response.status_code == 200
    assert "already uses this email address" in errors_of(response, "email")
    assert not errors_of(response, "username")


def test_a_rename_to_a_name_taken_meanwhile_is_a_form_error(client, rival_after_validation):
    me = UserFactory(username="me", about_me="Just me.")
    client.force_login(me)
    rival_after_validation(ProfileForm, username="Newme")

    response = client.post(EDIT, {"username": "newme", "about_me": "Hello."})

    assert response.status_code == 200
    assert "This username is taken" in errors_of(response, "username")
    assert response.context["form"]["about_me"].value() == "Hello."
    assert response.context["user"].username == "me"
    me.refresh_from_db()
    assert (me.username, me.about_me) == ("me", "Just me.")


def test_an_api_registration_racing_for_a_name_gets_a_400(client, rival_after_validation):
    rival_after_validation(RegistrationSerializer, username="Susan", email="other@example.com")

    response = client.post("/api/users", api_registration(), content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Bad Request"
    assert "This username is taken" in body["message"]


def test_the_services_turn_a_lost_race_into_a_validation_error(monkeypatch):
    me = UserFactory(username="me")
    original = User.full_clean

    # The rival is written inside the service's transaction, which rolls it back with the
    # failure; a real rival commits on its own connection (the PostgreSQL races below).
    def full_clean_then_rival(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if not User.objects.filter(username="Taken").exists():
            UserFactory(username="Taken", email="taken@example.com")

    monkeypatch.setattr(User, "full_clean", full_clean_then_rival)

    with pytest.raises(ValidationError) as registering:
        services.register_user(username="taken", email="new@example.com", password=PASSWORD)
    with pytest.raises(ValidationError) as renaming:
        services.update_profile(user=me, username="TAKEN")

    assert list(registering.value.message_dict) == ["username"]
    assert list(renaming.value.message_dict) == ["username"]
    me.refresh_from_db()
    assert me.username == "me"


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


@pytest.fixture
def both_pass_the_checks(monkeypatch):
    """Hold each request after its form or serializer passed until the other has passed too."""

    def arrange(cls, parties=2):
        original = cls.is_valid
        checked = threading.Barrier(parties)

        def is_valid(self, *args, **kwargs):
            valid = original(self, *args, **kwargs)
            checked.wait(timeout=10)
            return valid

        monkeypatch.setattr(cls, "is_valid", is_valid)

    return arrange


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_registrations_racing_for_one_name_on_postgres(both_pass_the_checks):
    both_pass_the_checks(RegistrationForm)

    responses = race(
        lambda client: client.post(REGISTER, registration(email="first@example.com")),
        lambda client: client.post(REGISTER, registration(username="SUSAN", email="second@example.com")),
    )

    assert sorted(response.status_code for response in responses) == [200, 302]
    [refused] = [response for response in responses if response.status_code == 200]
    assert "This username is taken" in errors_of(refused, "username")
    assert refused.context["form"]["email"].value() in {"first@example.com", "second@example.com"}
    assert User.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_renames_racing_for_one_name_on_postgres(both_pass_the_checks):
    first, second = UserFactory(username="first"), UserFactory(username="second")
    both_pass_the_checks(ProfileForm)

    def rename(user, name):
        def send(client):
            client.force_login(user)
            return client.post(EDIT, {"username": name, "about_me": ""})

        return send

    responses = race(rename(first, "wanted"), rename(second, "WANTED"))

    assert sorted(response.status_code for response in responses) == [200, 302]
    [refused] = [response for response in responses if response.status_code == 200]
    assert "This username is taken" in errors_of(refused, "username")
    assert User.objects.filter(username__in=["wanted", "WANTED"]).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_api_registrations_racing_for_one_name_on_postgres(both_pass_the_checks):
    both_pass_the_checks(RegistrationSerializer)

    def register(**fields):
        return lambda client: client.post("/api/users", api_registration(**fields), content_type="application/json")

    responses = race(register(email="first@example.com"), register(username="Susan", email="second@example.com"))

    assert sorted(response.status_code for response in responses) == [201, 400]
    [refused] = [response for response in responses if response.status_code == 400]
    assert "This username is taken" in refused.json()["message"]


# --- The username rule ---------------------------------------------------------------


@pytest.mark.parametrize(
    "username", [".", "..", "...", "-", ".hidden", "trailing.", "a/b", "has space", "at@sign", "plus+", "%2e", "a?b"]
)
def test_names_that_are_not_a_plain_url_segment_are_refused(client, username):
    response = client.post(REGISTER, registration(username=username))

    assert response.status_code == 200
    assert "Enter a valid username" in errors_of(response, "username")
    assert not User.objects.exists()


@pytest.mark.parametrize("username", [".", "..", "a/b", "аlice"])
def test_the_api_refuses_the_same_names(client, username):
    response = client.post("/api/users", api_registration(username=username), content_type="application/json")

    assert response.status_code == 400
    assert "Enter a valid username" in response.json()["message"]


@pytest.mark.parametrize("username", ["susan", "Susan_42", "j.doe", "mary-jane", "a.b-c_d", "_", "x" * 150])
def test_ascii_names_with_inner_dots_and_hyphens_are_accepted(client, username):
    response = client.post(REGISTER, registration(username=username))

    assert response.status_code == 302
    assert User.objects.get().username == username
    assert client.get(reverse("posts:profile", args=[username])).status_code == 200


def test_renaming_to_a_dot_only_name_is_refused(client):
    client.force_login(UserFactory(username="me"))

    response = client.post(EDIT, {"username": "..", "about_me": ""})

    assert response.status_code == 200
    assert "Enter a valid username" in errors_of(response, "username")


# --- Look-alikes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("existing", "wanted"),
    [
        ("alice", "\u0430lice"),  # Cyrillic a
        ("alice", "al\u0131ce"),  # dotless i
        ("STRASSE", "straße"),
        ("alice", "ａｌｉｃｅ"),  # fullwidth
    ],
)
def test_look_alikes_of_an_existing_name_are_refused(client, existing, wanted):
    UserFactory(username=existing)

    response = client.post(REGISTER, registration(username=wanted))

    assert response.status_code == 200
    assert errors_of(response, "username")
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("older", "wanted"),
    [("\u0430lice", "alice"), ("al\u0131ce", "ALICE"), ("straße", "STRASSE"), ("Zoë", "zoe")],
)
def test_an_ascii_name_that_looks_like_an_older_non_ascii_one_is_refused(client, older, wanted):
    UserFactory(username=older)  # from before the ASCII rule

    response = client.post(REGISTER, registration(username=wanted))

    assert response.status_code == 200
    assert "looks too much like someone else" in errors_of(response, "username")


def test_the_api_refuses_a_look_alike_too(client):
    UserFactory(username="straße")

    response = client.post("/api/users", api_registration(username="strasse"), content_type="application/json")

    assert response.status_code == 400
    assert "looks too much like someone else" in response.json()["message"]


def test_an_older_non_ascii_name_keeps_working(client):
    UserFactory(username="straße", email="strasse@example.com", about_me="Alt.")

    signed_in = client.post(LOGIN, {"username": "STRAßE", "password": "correct horse battery staple"})
    profile = client.get(reverse("posts:profile", args=["straße"]))
    edited = client.post(EDIT, {"username": "straße", "about_me": "Neu."})
    token = client.post("/api/tokens", headers=basic("straße"))
    put = client.put(
        f"/api/users/{User.objects.get().pk}",
        {"username": "straße", "about_me": "Per API."},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token.json()['token']}"},
    )

    assert signed_in.status_code == 302
    assert profile.status_code == 200
    assert edited.status_code == 302
    assert token.status_code == 200
    assert put.status_code == 200
    assert User.objects.get().about_me == "Per API."


def test_an_older_non_ascii_name_can_be_renamed_to_its_own_look_alike(client):
    me = UserFactory(username="straße")
    client.force_login(me)

    response = client.post(EDIT, {"username": "strasse", "about_me": ""})

    assert response.status_code == 302
    me.refresh_from_db()
    assert me.username == "strasse"


# --- Email domains -------------------------------------------------------------------


def test_an_international_domain_is_stored_in_its_ascii_form(client):
    client.post(REGISTER, registration(email="Same@Bücher.Example"))

    assert User.objects.get().email == "Same@xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("first", "second"),
    [("same@bücher.example", "same@xn--bcher-kva.example"), ("same@xn--bcher-kva.example", "SAME@BÜCHER.example")],
)
def test_both_spellings_of_a_domain_are_one_address(client, first, second):
    client.post(REGISTER, registration(username="first", email=first))

    response = Client().post(REGISTER, registration(username="second", email=second))

    assert response.status_code == 200
    assert "already uses this email address" in errors_of(response, "email")
    assert User.objects.count() == 1


def test_the_api_treats_both_spellings_as_one_address(client):
    UserFactory(username="first", email="same@xn--bcher-kva.example")

    response = client.post("/api/users", api_registration(email="same@bücher.example"), content_type="application/json")

    assert response.status_code == 400
    assert "already uses this email address" in response.json()["message"]


@pytest.mark.parametrize("stored", ["same@xn--bcher-kva.example", "same@bücher.example"])
@pytest.mark.parametrize("typed", ["same@bücher.example", "SAME@xn--BCHER-kva.example"])
def test_sign_in_and_password_reset_find_the_account_by_either_spelling(client, mailoutbox, stored, typed):
    # A Unicode domain is what accounts from before the normalisation may hold.
    User.objects.bulk_create([UserFactory.build(username="same", email=stored)])

    signed_in = client.post(LOGIN, {"username": typed, "password": "correct horse battery staple"})
    client.post(reverse("accounts:logout"))
    client.post(reverse("accounts:password_reset"), {"email": typed})

    assert signed_in.status_code == 302
    [message] = mailoutbox
    assert message.to == [stored]


def test_a_new_address_with_an_older_unicode_spelling_taken_is_refused(client):
    User.objects.bulk_create([UserFactory.build(username="older", email="same@bücher.example")])

    response = client.post(REGISTER, registration(email="same@xn--bcher-kva.example"))

    assert response.status_code == 200
    assert "already uses this email address" in errors_of(response, "email")


@given(email=st.text())
def test_normalising_any_text_as_an_address_never_fails(email):
    normalized = User.objects.normalize_email(email)

    assert User.objects.normalize_email(normalized) == normalized
    assert email_spellings(email)


@pytest.mark.parametrize(
    ("domain", "ascii_form"),
    [("Example.COM", "example.com"), ("bücher.example", "xn--bcher-kva.example"), ("☃.example", "xn--n3h.example")],
)
def test_domains_are_stored_in_ascii(domain, ascii_form):
    assert ascii_domain(domain) == ascii_form


# --- One lookup by name or address ---------------------------------------------------


def test_by_login_finds_a_user_by_name_or_address_in_any_case():
    susan = UserFactory(username="Susan", email="susan@xn--bcher-kva.example")
    UserFactory(username="other")

    for login in ["susan", "SUSAN", "Susan@XN--bcher-kva.example", "susan@BÜCHER.example"]:
        assert list(User.objects.by_login(login)) == [susan]
    assert list(User.objects.named("sUsAn")) == [susan]
    assert list(User.objects.with_email("SUSAN@bücher.example")) == [susan]
    assert not User.objects.by_login("susa").exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("queryset", "indexes"),
    [
        (lambda: User.objects.named("Susan"), {"user_username_ci_unique"}),
        (lambda: User.objects.with_email("Susan@Bücher.example"), {"user_email_ci_unique"}),
        (lambda: User.objects.by_login("Susan@example.com"), {"user_username_ci_unique", "user_email_ci_unique"}),
    ],
)
def test_the_lookups_are_served_by_the_lower_unique_indexes_on_postgres(queryset, indexes):
    UserFactory.create_batch(3)
    with connection.cursor() as cursor:
        # A table this small is cheaper to scan: ask whether the index *can* serve the query.
        cursor.execute("SET LOCAL enable_seqscan = off")

    plan = queryset().explain()

    for index in indexes:
        assert f"using {index}" in plan.lower() or f"on {index}" in plan.lower(), plan
