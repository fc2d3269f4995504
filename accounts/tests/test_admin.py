"""The admin pages for users and follows, and createsuperuser with our user model."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Follow, User
from accounts.tests.factories import FollowFactory, UserFactory

pytestmark = pytest.mark.django_db

USERS = reverse("admin:accounts_user_changelist")
FOLLOWS = reverse("admin:accounts_follow_changelist")


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", superuser=True))
    return client


@pytest.mark.parametrize("url", [USERS, FOLLOWS])
def test_visitors_are_sent_to_the_admin_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_admin_refuses_non_staff_users(client):
    client.force_login(UserFactory())

    response = client.get(USERS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("count", [1, 30])
def test_user_changelist_costs_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries, count):
    UserFactory.create_batch(count)

    with django_assert_max_num_queries(8):
        response = admin_client.get(USERS)

    assert response.status_code == 200


@pytest.mark.parametrize("query", ["susan", "SUSAN", "susan@example", "EXAMPLE.ORG"])
def test_user_changelist_searches_usernames_and_emails(admin_client, query):
    susan = UserFactory(username="susan", email="susan@example.org")
    UserFactory(username="bob", email="bob@example.com")

    response = admin_client.get(USERS, {"q": query})

    assert list(response.context["cl"].result_list) == [susan]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"is_active__exact": "0"}, ["gone"]),
        ({"is_staff__exact": "1"}, ["root"]),
        ({"is_superuser__exact": "1"}, ["root"]),
        ({"last_seen__isnull": "True"}, ["gone"]),
        ({"last_seen__isnull": "False"}, ["root", "susan"]),
    ],
)
def test_user_changelist_filters(admin_client, params, expected):
    UserFactory(username="susan")
    UserFactory(username="gone", is_active=False, last_seen=None)

    response = admin_client.get(USERS, params)

    assert sorted(user.username for user in response.context["cl"].result_list) == expected


def test_a_bad_filter_value_is_not_a_server_error(admin_client):
    response = admin_client.get(USERS, {"date_joined__gte": "not a date"})

    assert response.status_code in {200, 302, 400}


def test_user_change_page_shows_the_profile_and_counts(admin_client, django_assert_max_num_queries):
    susan = UserFactory(username="susan", about_me="Hello from Susan.")
    FollowFactory(follower=susan, followed=UserFactory())
    FollowFactory(follower=UserFactory(), followed=susan)
    FollowFactory(follower=UserFactory(), followed=susan)

    with django_assert_max_num_queries(10):
        response = admin_client.get(reverse("admin:accounts_user_change", args=[susan.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Hello from Susan." in content
    assert response.context["original"].follower_count == 2
    assert response.context["original"].following_count == 1


def test_the_admin_saves_an_edited_user(admin_client):
    susan = UserFactory(username="susan", email="susan@example.com")
    url = reverse("admin:accounts_user_change", args=[susan.pk])
    data = {"username": "susan", "email": "susan@example.com", "is_active": "on", "about_me": "Edited by staff."}

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    susan.refresh_from_db()
    assert susan.about_me == "Edited by staff."


def test_the_admin_add_page_creates_a_user(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "password1": "tangerine dream 42",
            "password2": "tangerine dream 42",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(username="newbie").check_password("tangerine dream 42")


def test_the_admin_add_page_refuses_an_email_taken_in_another_case(admin_client):
    UserFactory(email="susan@example.com")

    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newbie",
            "email": "SUSAN@example.com",
            "password1": "tangerine dream 42",
            "password2": "tangerine dream 42",
        },
    )

    assert response.status_code == 200
    assert "already uses this email address" in str(response.context["adminform"].form.errors)
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize("username", ["..", "\u0430lice"])
def test_the_admin_add_page_keeps_the_username_rule(admin_client, username):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": username,
            "email": "newbie@example.com",
            "password1": "tangerine dream 42",
            "password2": "tangerine dream 42",
        },
    )

    assert response.status_code == 200
    assert "Enter a valid username" in str(response.context["adminform"].form.errors)
    assert not User.objects.filter(email="newbie@example.com").exists()


@pytest.mark.parametrize("count", [1, 30])
def test_follow_changelist_costs_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries, count):
    FollowFactory.create_batch(count)

    with django_assert_max_num_queries(6):
        response = admin_client.get(FOLLOWS)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count


def test_follow_changelist_searches_both_usernames(admin_client):
    edge = FollowFactory(follower=UserFactory(username="susan"), followed=UserFactory(username="bob"))
    FollowFactory()

    by_follower = admin_client.get(FOLLOWS, {"q": "susan"})
    by_followed = admin_client.get(FOLLOWS, {"q": "bob"})

    assert list(by_follower.context["cl"].result_list) == [edge]
    assert list(by_followed.context["cl"].result_list) == [edge]


def test_follow_change_page_renders(admin_client):
    edge = FollowFactory()

    response = admin_client.get(reverse("admin:accounts_follow_change", args=[edge.pk]))

    assert response.status_code == 200


def test_the_admin_refuses_a_self_follow(admin_client):
    susan = UserFactory()

    response = admin_client.post(reverse("admin:accounts_follow_add"), {"follower": susan.pk, "followed": susan.pk})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Follow.objects.exists()


def test_createsuperuser_works_with_our_user_model(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long admin passphrase")

    call_command("createsuperuser", "--noinput", username="admin", email="admin@example.com", verbosity=0)

    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.email == "admin@example.com"
    assert admin.check_password("a long admin passphrase")
    assert admin.check_password("a long admin passphrase")
