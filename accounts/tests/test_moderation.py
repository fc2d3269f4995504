"""Moderation: deactivating users, the Moderators group, and the people pages of the admin."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from accounts import services
from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, FollowFactory, NotificationFactory, UserFactory
from microblog.tests.queries import count_queries

pytestmark = pytest.mark.django_db

USERS = reverse("admin:accounts_user_changelist")
FOLLOWS = reverse("admin:accounts_follow_changelist")
NOTIFICATIONS = reverse("admin:accounts_notification_changelist")


# Deactivation ---------------------------------------------------------------------------


def test_a_deactivated_user_cannot_log_in(client):
    susan = UserFactory(username="susan", is_active=False)

    response = client.post(reverse("accounts:login"), {"username": "susan", "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    request = RequestFactory().post("/auth/login/")
    assert authenticate(request, username="susan", password=DEFAULT_PASSWORD) is None
    assert authenticate(request, username=susan.email, password=DEFAULT_PASSWORD) is None


def test_deactivating_ends_open_sessions(client):
    susan = UserFactory()
    client.force_login(susan)
    other = UserFactory()

    changed = services.deactivate_users(users=User.objects.filter(pk__in=[susan.pk, other.pk]))

    assert changed == 2
    assert not Session.objects.exists()
    response = client.get(reverse("posts:messages"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_inactive_user_is_signed_out_even_if_their_session_survives(client):
    susan = UserFactory()
    client.force_login(susan)

    User.objects.filter(pk=susan.pk).update(is_active=False)
    response = client.get(reverse("posts:messages"))

    assert response.status_code == 302


def test_reactivating_lets_them_log_in_again():
    susan = UserFactory(username="susan", is_active=False)

    changed = services.reactivate_users(users=User.objects.filter(pk=susan.pk))

    assert changed == 1
    assert authenticate(RequestFactory().post("/auth/login/"), username="susan", password=DEFAULT_PASSWORD) == susan


def test_deactivating_twice_changes_nothing_the_second_time():
    susan = UserFactory(is_active=False)

    assert services.deactivate_users(users=User.objects.filter(pk=susan.pk)) == 0


def test_the_profile_of_a_deactivated_user_is_a_404(client):
    client.force_login(UserFactory())
    gone = UserFactory(is_active=False)

    for name in ["posts:profile", "accounts:followers", "accounts:following", "accounts:popup"]:
        assert client.get(reverse(name, args=[gone.username])).status_code == 404, name


def test_deactivated_followers_leave_follow_lists(client):
    me = UserFactory()
    client.force_login(me)
    FollowFactory(follower=UserFactory(is_active=False), followed=me)
    fan = FollowFactory(followed=me).follower

    response = client.get(reverse("accounts:followers", args=[me.username]))

    assert list(response.context["people"]) == [fan]


# Admin actions ----------------------------------------------------------------------------


def run_action(client, action, users):
    return client.post(USERS, {"action": action, "_selected_action": [user.pk for user in users]}, follow=True)


def test_superusers_deactivate_and_reactivate_from_the_changelist(superuser_client):
    susan, bob = UserFactory.create_batch(2)

    response = run_action(superuser_client, "deactivate", [susan, bob])

    assert "2 users deactivated." in response.content.decode()
    assert not User.objects.filter(pk__in=[susan.pk, bob.pk], is_active=True).exists()
    run_action(superuser_client, "reactivate", [susan])
    susan.refresh_from_db()
    assert susan.is_active
    history = LogEntry.objects.filter(object_id=str(susan.pk)).order_by("pk")
    assert [entry.get_change_message() for entry in history] == ["Changed Active."] * 2


def test_moderators_cannot_deactivate_staff_or_themselves(moderator_client, moderator):
    admin, susan = UserFactory(is_staff=True), UserFactory()

    response = run_action(moderator_client, "deactivate", [admin, moderator, susan])

    content = response.content.decode()
    assert "1 user deactivated." in content
    assert "2 accounts skipped" in content
    assert User.objects.get(pk=admin.pk).is_active
    assert User.objects.get(pk=moderator.pk).is_active
    assert not User.objects.get(pk=susan.pk).is_active


# The Moderators group ---------------------------------------------------------------------


def test_the_moderators_group_has_exactly_the_moderation_permissions():
    group = Group.objects.get(name="Moderators")

    granted = set(group.permissions.values_list("content_type__app_label", "codename"))

    assert granted == {
        ("accounts", "view_user"),
        ("accounts", "change_user"),
        ("posts", "view_post"),
        ("posts", "delete_post"),
        ("posts", "view_message"),
        ("posts", "delete_message"),
        # What a post's deletion cascades to (posts/migrations/0010, 0013 and 0015).
        *(
            ("posts", f"{action}_{model}")
            for model in ("like", "boost", "bookmark", "mention", "tagging", "activity", "attachment", "postedit")
            for action in ("view", "delete")
        ),
        # The moderation queue (posts/migrations/0015).
        ("posts", "view_report"),
        ("posts", "change_report"),
    }


def test_the_group_migration_can_be_undone_and_redone():
    migration = importlib.import_module("accounts.migrations.0004_moderators_group")
    schema_editor = SimpleNamespace(connection=connection)

    migration.delete_group(apps, schema_editor)
    assert not Group.objects.filter(name="Moderators").exists()
    migration.create_group(apps, schema_editor)
    assert Group.objects.get(name="Moderators").permissions.count() == 6  # the later grants are 0010's


def test_a_moderator_may_only_toggle_is_active(moderator_client):
    susan = UserFactory(username="susan", email="susan@example.com")
    url = reverse("admin:accounts_user_change", args=[susan.pk])

    form = moderator_client.get(url).context["adminform"].form
    response = moderator_client.post(
        url,
        {"username": "hacked", "email": "x@example.com", "is_superuser": "on", "is_staff": "on", "groups": [1]},
    )

    assert list(form.fields) == ["is_active"]
    assert response.status_code == 302
    susan.refresh_from_db()
    assert (susan.username, susan.email, susan.is_active) == ("susan", "susan@example.com", False)
    assert not susan.is_staff
    assert not susan.is_superuser
    assert not susan.groups.exists()


def test_a_moderator_cannot_set_passwords(moderator_client):
    susan = UserFactory()

    response = moderator_client.get(reverse("admin:auth_user_password_change", args=[susan.pk]))

    assert response.status_code == 403


def test_a_moderator_can_only_look_at_staff_accounts(moderator_client):
    admin = UserFactory(is_staff=True)
    url = reverse("admin:accounts_user_change", args=[admin.pk])

    page = moderator_client.get(url)
    response = moderator_client.post(url, {"is_active": ""})

    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert response.status_code == 403
    assert User.objects.get(pk=admin.pk).is_active


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:accounts_user_add"),
        FOLLOWS,
        NOTIFICATIONS,
        reverse("admin:posts_exportjob_changelist"),
        reverse("admin:auth_group_changelist"),
    ],
)
def test_a_moderator_cannot_reach_what_the_group_does_not_grant(moderator_client, url):
    assert moderator_client.get(url).status_code == 403


def test_a_moderator_cannot_open_a_follow(moderator_client):
    edge = FollowFactory()

    assert moderator_client.get(reverse("admin:accounts_follow_change", args=[edge.pk])).status_code == 403


def test_superusers_still_edit_everything(superuser_client):
    susan = UserFactory()

    form = superuser_client.get(reverse("admin:accounts_user_change", args=[susan.pk])).context["adminform"].form

    assert {"username", "password", "is_staff", "is_superuser", "groups", "user_permissions"} <= set(form.fields)


# Query ceilings: the same count with 1 row and with 50 ----------------------------------


@pytest.mark.parametrize("as_moderator", [False, True])
def test_user_changelist_costs_the_same_for_1_and_50_users(
    client, moderator, django_assert_max_num_queries, as_moderator
):
    client.force_login(moderator if as_moderator else UserFactory(superuser=True))

    small = count_queries(client, USERS, django_assert_max_num_queries, 8)
    UserFactory.create_batch(50)
    large = count_queries(client, USERS, django_assert_max_num_queries, 8)

    assert small == large


@pytest.mark.parametrize("as_moderator", [False, True])
def test_user_change_page_costs_the_same_for_1_and_50_follows(
    client, moderator, django_assert_max_num_queries, as_moderator
):
    client.force_login(moderator if as_moderator else UserFactory(superuser=True))
    susan = UserFactory()
    FollowFactory(followed=susan)
    url = reverse("admin:accounts_user_change", args=[susan.pk])

    small = count_queries(client, url, django_assert_max_num_queries, 12)
    FollowFactory.create_batch(49, followed=susan)
    large = count_queries(client, url, django_assert_max_num_queries, 12)

    assert small == large


@pytest.mark.parametrize(("url", "factory"), [(FOLLOWS, FollowFactory), (NOTIFICATIONS, NotificationFactory)])
def test_changelists_cost_the_same_for_1_and_50_rows(superuser_client, django_assert_max_num_queries, url, factory):
    factory()
    small = count_queries(superuser_client, url, django_assert_max_num_queries, 8)
    factory.create_batch(49)
    large = count_queries(superuser_client, url, django_assert_max_num_queries, 8)

    assert small == large


@pytest.mark.parametrize(("name", "factory"), [("follow", FollowFactory), ("notification", NotificationFactory)])
def test_change_pages_render_in_a_fixed_number_of_queries(
    superuser_client, django_assert_max_num_queries, name, factory
):
    first = factory()
    small = count_queries(
        superuser_client, reverse(f"admin:accounts_{name}_change", args=[first.pk]), django_assert_max_num_queries, 10
    )
    last = factory.create_batch(49)[-1]
    large = count_queries(
        superuser_client, reverse(f"admin:accounts_{name}_change", args=[last.pk]), django_assert_max_num_queries, 10
    )

    assert small == large


def test_notifications_are_read_only(superuser_client):
    notification = NotificationFactory(payload={"n": 1})

    response = superuser_client.get(reverse("admin:accounts_notification_change", args=[notification.pk]))

    assert not response.context["has_change_permission"]
    assert response.context["adminform"].form.fields == {}


# Language, navbar, createsuperuser --------------------------------------------------------


def test_the_admin_speaks_the_browsers_language(superuser_client):
    response = superuser_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 200
    assert "Sitio administrativo" in response.content.decode()


@pytest.mark.parametrize(("is_staff", "shown"), [(True, True), (False, False)])
def test_the_navbar_links_staff_to_the_admin(client, is_staff, shown):
    client.force_login(UserFactory(is_staff=is_staff))

    content = client.get(reverse("posts:explore")).content.decode()

    assert (f'href="{reverse("admin:index")}"' in content) is shown
