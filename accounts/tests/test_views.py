"""Profiles, avatars, last seen, edit profile, follows, popups and account deletion."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.db import connection, connections
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.avatars import identicon_seed
from accounts.models import Follow, Notification, User
from accounts.tests.factories import DEFAULT_PASSWORD, FollowFactory, NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


@pytest.fixture
def me(client):
    user = UserFactory(username="me", about_me="Just me.")
    client.force_login(user)
    return user


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def assert_needs_login(response):
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


def profile(username):
    return reverse("posts:profile", args=[username])


# --- Profile header -------------------------------------------------------------------


def test_own_profile_header_shows_who_and_an_edit_button(client, me):
    FollowFactory(follower=me, followed=UserFactory())
    FollowFactory(follower=UserFactory(), followed=me)
    FollowFactory(follower=UserFactory(), followed=me)
    me.posts.create(body="hello")

    content = client.get(profile("me")).content.decode()

    assert me.avatar_large in content
    assert "<h1" in content
    assert ">me</h1>" in content
    assert "Just me." in content
    assert f"Joined {me.date_joined:%B %Y}" in content
    assert "Last seen" in content
    assert "<strong>1</strong> post<" in content
    assert "<strong>2</strong> followers" in content
    assert "<strong>1</strong> following" in content
    assert f'href="{reverse("accounts:followers", args=["me"])}"' in content
    assert f'href="{reverse("accounts:following", args=["me"])}"' in content
    assert reverse("accounts:edit_profile") in content
    assert reverse("accounts:follow", args=["me"]) not in content


def test_someone_elses_profile_has_a_follow_button(client, me):
    UserFactory(username="susan")

    content = client.get(profile("susan")).content.decode()

    assert f'action="{reverse("accounts:follow", args=["susan"])}"' in content
    assert f'action="{reverse("accounts:unfollow", args=["susan"])}"' not in content
    assert "Edit your profile" not in content


def test_a_followed_profile_has_an_unfollow_button(client, me):
    FollowFactory(follower=me, followed=UserFactory(username="susan"))

    content = client.get(profile("susan")).content.decode()

    assert f'action="{reverse("accounts:unfollow", args=["susan"])}"' in content
    assert f'action="{reverse("accounts:follow", args=["susan"])}"' not in content


def test_profile_header_escapes_about_me(client, me):
    UserFactory(username="susan", about_me="<b>bold</b>")

    content = client.get(profile("susan")).content.decode()

    assert "<b>bold</b>" not in content
    assert "&lt;b&gt;bold&lt;/b&gt;" in content


# --- Avatars --------------------------------------------------------------------------


def test_identicon_is_an_svg_cached_for_a_long_time(client, django_assert_max_num_queries):
    url = UserFactory.build(email="john@example.com").avatar(128)

    with django_assert_max_num_queries(0):
        response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "max-age=2592000" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    assert response.content.startswith(b"<svg")
    assert b'width="128"' in response.content
    assert client.get(url).content == response.content


@pytest.mark.parametrize(("size", "expected"), [("abc", 80), ("", 80), ("-5", 16), ("99999", 512), ("1e9", 80)])
def test_identicon_forgives_a_bad_size(client, size, expected):
    response = client.get(reverse("accounts:identicon", args=[identicon_seed("x")]), {"s": size})

    assert response.status_code == 200
    assert f'width="{expected}"'.encode() in response.content


@override_settings(AVATAR_PROVIDER="gravatar")
def test_pages_use_gravatar_when_configured(client, me):
    content = client.get(profile("me")).content.decode()

    assert "https://www.gravatar.com/avatar/" in content


# --- last_seen ------------------------------------------------------------------------


def updates_of_users(queries) -> list[str]:
    return [query["sql"] for query in queries if query["sql"].lstrip().upper().startswith('UPDATE "ACCOUNTS_USER"')]


def test_last_seen_is_written_at_most_once_every_five_minutes(client):
    with time_machine.travel("2026-01-01 12:00 +0000", tick=False) as traveller:
        user = UserFactory(last_seen=timezone.now() - timedelta(hours=1))
        client.force_login(user)

        with CaptureQueriesContext(connection) as first:
            client.get(profile(user.username))
        traveller.shift(timedelta(minutes=4))
        with CaptureQueriesContext(connection) as second:
            client.get(profile(user.username))
        traveller.shift(timedelta(minutes=2))
        with CaptureQueriesContext(connection) as third:
            client.get(profile(user.username))

        user.refresh_from_db()
        assert user.last_seen == timezone.now()
    assert len(updates_of_users(first.captured_queries)) == 1
    assert "last_seen" in updates_of_users(first.captured_queries)[0]
    assert updates_of_users(second.captured_queries) == []
    assert len(updates_of_users(third.captured_queries)) == 1


def test_a_recent_visitor_costs_no_write(client, django_assert_num_queries):
    user = UserFactory(last_seen=timezone.now())
    client.force_login(user)

    # session, user (which holds the navbar's unread-message count): no write.
    with django_assert_num_queries(2):
        client.get(reverse("accounts:edit_profile"))


def test_visitors_are_not_tracked(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        client.get(LOGIN)


# --- Edit profile ---------------------------------------------------------------------


EDIT = reverse("accounts:edit_profile")


def test_edit_profile_needs_a_login(client):
    assert_needs_login(client.get(EDIT))


def test_edit_profile_shows_the_current_values(client, me, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get(EDIT)

    assert response.context["form"].initial["username"] == "me"
    assert response.context["form"].initial["about_me"] == "Just me."


def test_editing_the_profile_saves_and_says_so(client, me):
    response = client.post(EDIT, {"username": "newme", "about_me": "Hello there."}, follow=True)

    assert response.redirect_chain == [(EDIT, 302)]
    assert "Your changes have been saved." in messages_of(response)
    me.refresh_from_db()
    assert (me.username, me.about_me) == ("newme", "Hello there.")


def test_the_current_username_is_accepted_unchanged(client, me):
    response = client.post(EDIT, {"username": "me", "about_me": "Changed."})

    assert response.status_code == 302
    me.refresh_from_db()
    assert me.about_me == "Changed."


def test_a_change_of_letter_case_in_your_own_username_is_accepted(client, me):
    response = client.post(EDIT, {"username": "Me", "about_me": ""})

    assert response.status_code == 302
    me.refresh_from_db()
    assert me.username == "Me"


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"username": "SUSAN", "about_me": ""}, "username", "This username is taken"),
        ({"username": "susan", "about_me": ""}, "username", "This username is taken"),
        ({"username": "", "about_me": ""}, "username", "This field is required"),
        ({"username": "no spaces", "about_me": ""}, "username", "Enter a valid username"),
        ({"username": "x" * 151, "about_me": ""}, "username", "at most 150 characters"),
        ({"username": "me", "about_me": "x" * 141}, "about_me", "at most 140 characters"),
    ],
)
def test_bad_profile_input_reshows_the_form_with_errors(client, me, data, field, error):
    UserFactory(username="susan")

    response = client.post(EDIT, data)

    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors[field])
    me.refresh_from_db()
    assert (me.username, me.about_me) == ("me", "Just me.")


def test_a_rejected_edit_does_not_show_the_unsaved_username_as_yours(client, me):
    response = client.post(EDIT, {"username": "newme", "about_me": "x" * 141})

    assert response.status_code == 200
    assert response.context["user"].username == "me"
    assert f'href="{profile("me")}"' in response.content.decode()
    assert f'href="{profile("newme")}"' not in response.content.decode()


# --- Follow and unfollow --------------------------------------------------------------


def follow(username):
    return reverse("accounts:follow", args=[username])


def unfollow(username):
    return reverse("accounts:unfollow", args=[username])


def test_follow_needs_a_login(client):
    UserFactory(username="susan")

    assert_needs_login(client.post(follow("susan")))
    assert not Follow.objects.exists()


def test_following_someone_goes_back_to_their_profile_with_a_message(client, me, django_assert_max_num_queries):
    susan = UserFactory(username="susan")

    # 9: the follow's notification for susan (posts.Activity) is one INSERT more; 11: whether
    # a block stands between them, and whether susan keeps the follower away (accounts.safety).
    with django_assert_max_num_queries(11):
        response = client.post(follow("susan"))

    assert response["Location"] == profile("susan")
    assert me.is_following(susan)
    assert "You are following susan!" in messages_of(client.get(response["Location"]))


def test_unfollowing_someone(client, me, django_assert_max_num_queries):
    susan = UserFactory(username="susan")
    FollowFactory(follower=me, followed=susan)

    with django_assert_max_num_queries(8):
        response = client.post(unfollow("susan"))

    assert response["Location"] == profile("susan")
    assert not me.is_following(susan)
    assert "You are not following susan." in messages_of(client.get(response["Location"]))


def test_a_double_submit_makes_one_follow_and_no_error_page(client, me):
    UserFactory(username="susan")

    first = client.post(follow("susan"))
    second = client.post(follow("susan"))

    assert first.status_code == second.status_code == 302
    assert Follow.objects.count() == 1


def test_unfollowing_someone_you_do_not_follow_is_harmless(client, me):
    UserFactory(username="susan")

    response = client.post(unfollow("susan"))

    assert response.status_code == 302


def test_following_yourself_is_refused_with_a_message(client, me):
    response = client.post(follow("me"), follow=True)

    assert response.status_code == 200
    assert "You cannot follow yourself." in messages_of(response)
    assert not Follow.objects.exists()


@pytest.mark.parametrize("url", [follow("susan"), unfollow("susan")])
def test_follow_and_unfollow_refuse_get(client, me, url):
    UserFactory(username="susan")

    response = client.get(url)

    assert response.status_code == 405
    assert not Follow.objects.exists()


def test_follow_without_a_csrf_token_is_forbidden(me):
    UserFactory(username="susan")
    client = Client(enforce_csrf_checks=True)
    client.force_login(me)

    response = client.post(follow("susan"))

    assert response.status_code == 403
    assert not Follow.objects.exists()


def test_follow_with_the_csrf_token_of_the_page_works(me):
    UserFactory(username="susan")
    client = Client(enforce_csrf_checks=True)
    client.force_login(me)
    page = client.get(profile("susan"))
    token = page.context["csrf_token"]

    response = client.post(follow("susan"), {"csrfmiddlewaretoken": str(token)})

    assert response.status_code == 302
    assert Follow.objects.count() == 1


@pytest.mark.parametrize("url", [follow("nobody"), unfollow("nobody")])
def test_following_an_unknown_user_is_a_404(client, me, url):
    assert client.post(url).status_code == 404


def test_following_a_deactivated_user_is_a_404(client, me):
    UserFactory(username="susan", is_active=False)

    assert client.post(follow("susan")).status_code == 404


@pytest.mark.parametrize("target", ["/explore/", "/user/me/followers/?page=2"])
def test_follow_goes_back_to_a_same_site_next(client, me, target):
    UserFactory(username="susan")

    response = client.post(follow("susan"), {"next": target})

    assert response["Location"] == target


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com/", "javascript:alert(1)", "http://evil.com/x"])
def test_follow_ignores_an_offsite_next(client, me, target):
    UserFactory(username="susan")

    response = client.post(follow("susan"), {"next": target})

    assert response["Location"] == profile("susan")


# --- Follow in place (static/js/follow.js asks for JSON) ----------------------------------

JSON = {"Accept": "application/json"}


def test_following_in_place_answers_the_state_the_sentence_and_fresh_counts(client, me, django_assert_max_num_queries):
    susan = UserFactory(username="susan")
    FollowFactory(follower=UserFactory(), followed=susan)

    # The 11 of the form's case (the follow, its notification), then both people's counts (one query).
    with django_assert_max_num_queries(12):
        response = client.post(follow("susan"), {"next": "/explore/"}, headers=JSON)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["username"] == "susan"
    assert data["following"] is True
    assert data["message"] == "You follow @susan."
    assert set(data["counts"]) == {"susan", "me"}
    assert set(data["counts"]["susan"]) == {"counts", "followers"}
    assert "<strong>2</strong> followers" in data["counts"]["susan"]["counts"]
    assert 'data-count-for="susan"' in data["counts"]["susan"]["followers"]
    assert "<strong>1</strong> following" in data["counts"]["me"]["counts"]
    assert me.is_following(susan)
    # No banner waits for the next page: the script said it in the live region.
    assert messages_of(client.get(reverse("posts:explore"))) == []


def test_unfollowing_in_place(client, me):
    susan = UserFactory(username="susan")
    FollowFactory(follower=me, followed=susan)

    data = client.post(unfollow("susan"), headers=JSON).json()

    assert data["following"] is False
    assert data["message"] == "You no longer follow @susan."
    assert "<strong>0</strong> followers" in data["counts"]["susan"]["counts"]
    assert not me.is_following(susan)


def test_following_in_place_twice_is_one_follow_and_the_same_answer(client, me):
    UserFactory(username="susan")

    first = client.post(follow("susan"), headers=JSON).json()
    second = client.post(follow("susan"), headers=JSON).json()

    assert first == second
    assert Follow.objects.count() == 1


def test_following_yourself_in_place_is_a_400_that_says_why(client, me):
    response = client.post(follow("me"), headers=JSON)

    assert response.status_code == 400
    assert response.json() == {"error": "Bad Request", "message": "You cannot follow yourself."}
    assert not Follow.objects.exists()


@pytest.mark.parametrize("url", [follow("nobody"), unfollow("nobody")])
def test_following_a_missing_user_in_place_is_a_json_404(client, me, url):
    response = client.post(url, headers=JSON)

    assert response.status_code == 404
    assert response.json()["message"] == "This account is no longer available."


def test_following_a_deactivated_user_in_place_is_a_json_404(client, me):
    UserFactory(username="susan", is_active=False)

    response = client.post(follow("susan"), headers=JSON)

    assert response.status_code == 404
    assert not Follow.objects.exists()


def test_visitors_following_in_place_get_a_401(client):
    UserFactory(username="susan")

    response = client.post(follow("susan"), headers=JSON)

    assert response.status_code == 401
    assert response.json()["message"] == "Sign in to use this feature."
    assert not Follow.objects.exists()


@pytest.mark.parametrize("username", ["a" * 300, "%20", "🙂", "susan\u0000"])
def test_odd_usernames_in_the_follow_url_are_404s(client, me, username):
    for headers in ({}, JSON):
        assert client.post(f"/follow/{username}/", headers=headers).status_code == 404


def test_follows_share_the_reaction_throttle(client, me, settings):
    settings.REACTION_RATE = "2/min"
    UserFactory(username="susan")

    answers = [client.post(follow("susan"), headers=JSON) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert "wait a moment" in answers[2].json()["message"]
    assert client.post(unfollow("susan")).status_code == 429  # the form gets the 429 page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_identical_follow_requests_at_once_make_one_follow_and_two_good_answers():
    me, susan = UserFactory(username="me"), UserFactory(username="susan")
    start, answers, failures = threading.Barrier(2), [], []

    def click():
        tab = Client()
        tab.force_login(me)
        try:
            start.wait(30)
            answers.append(tab.post(follow("susan"), headers=JSON))
        except Exception as error:  # reported by the main thread
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert failures == []
    assert [answer.status_code for answer in answers] == [200, 200]
    assert all(answer.json()["following"] for answer in answers)
    assert Follow.objects.filter(follower=me, followed=susan).count() == 1
    assert User.objects.get(pk=susan.pk).follower_count == 1


@pytest.mark.parametrize("name", ["posts:profile", "accounts:popup"])
def test_the_follow_button_names_what_it_does_and_carries_both_urls(client, me, name):
    FollowFactory(follower=me, followed=UserFactory(username="susan"))

    content = client.get(reverse(name, args=["susan"])).content.decode()

    assert 'data-follow-for="susan"' in content
    assert f'data-follow-url="{follow("susan")}"' in content
    assert f'data-unfollow-url="{unfollow("susan")}"' in content
    assert "follow-button btn btn-sm btn-outline-secondary is-following" in content
    assert '<span class="follow-label follow-label-following" aria-hidden="true">Following</span>' in content
    assert '<span class="visually-hidden">susan</span>' in content


# --- Followers and following pages ----------------------------------------------------


def test_visitors_read_follow_lists_without_follow_buttons(client, django_assert_num_queries):
    susan = UserFactory(username="susan")
    FollowFactory(follower=UserFactory(username="fan"), followed=susan)
    url = reverse("accounts:followers", args=["susan"])

    with django_assert_num_queries(2):  # susan, the page of people
        response = client.get(url)

    content = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["people"]) == [susan.followers.get()]
    assert reverse("accounts:follow", args=["fan"]) not in content
    assert content.count("Sign in to join the conversation") == 1
    assert f'href="{LOGIN}?next={url}"' in content
    assert client.get(reverse("accounts:following", args=["susan"])).status_code == 200


def test_follow_lists_need_a_login_without_public_read(client, settings):
    settings.PUBLIC_READ = False
    UserFactory(username="susan")

    assert_needs_login(client.get(reverse("accounts:followers", args=["susan"])))
    assert_needs_login(client.get(reverse("accounts:following", args=["susan"])))


def test_followers_page_lists_people_with_avatar_name_about_and_button(client, me):
    susan = UserFactory(username="susan")
    fan = UserFactory(username="fan", about_me="Big fan.")
    FollowFactory(follower=fan, followed=susan)
    FollowFactory(follower=me, followed=susan)

    response = client.get(reverse("accounts:followers", args=["susan"]))

    content = response.content.decode()
    assert list(response.context["people"]) == [me, fan]
    assert fan.avatar_small in content
    assert f'href="{profile("fan")}"' in content
    assert "Big fan." in content
    assert reverse("accounts:follow", args=["fan"]) in content
    assert reverse("accounts:follow", args=["me"]) not in content  # no button for yourself
    assert '<h1 class="h3 mb-3">susan&#x27;s followers</h1>' in content


def test_following_page_marks_who_you_already_follow(client, me):
    susan, friend = UserFactory(username="susan"), UserFactory(username="friend")
    FollowFactory(follower=susan, followed=friend)
    FollowFactory(follower=me, followed=friend)

    content = client.get(reverse("accounts:following", args=["susan"])).content.decode()

    assert '<h1 class="h3 mb-3">susan follows</h1>' in content
    assert reverse("accounts:unfollow", args=["friend"]) in content


@pytest.mark.parametrize(
    ("name", "heading", "title"),
    [
        ("accounts:following", '<h1 class="h3 mb-3">Following</h1>', "<title>Following · Microblog</title>"),
        ("accounts:followers", '<h1 class="h3 mb-3">Your followers</h1>', "<title>Your followers · Microblog</title>"),
    ],
)
def test_your_own_follow_lists_are_titled_for_you(client, me, name, heading, title):
    content = client.get(reverse(name, args=["me"])).content.decode()

    assert heading in content
    assert title in content


def test_follow_list_titles_are_translated(client, me):
    UserFactory(username="susan")
    spanish = {"accept-language": "es"}

    with translation.override("en"):  # the requests' Spanish ends with them, not in later tests
        following = client.get(reverse("accounts:following", args=["susan"]), headers=spanish).content.decode()
        own = client.get(reverse("accounts:following", args=["me"]), headers=spanish).content.decode()

    assert "Cuentas que sigue susan</h1>" in following
    assert ">Siguiendo</h1>" in own


def test_an_empty_follow_list_says_so(client, me):
    content = client.get(reverse("accounts:followers", args=["me"])).content.decode()

    assert "Nobody here yet." in content


@pytest.mark.parametrize("name", ["accounts:followers", "accounts:following"])
def test_follow_lists_of_unknown_users_are_404(client, me, name):
    assert client.get(reverse(name, args=["nobody"])).status_code == 404


def test_follow_lists_are_paginated(client, me, settings):
    susan = UserFactory(username="susan")
    for follower in UserFactory.create_batch(settings.POSTS_PER_PAGE + 2):
        FollowFactory(follower=follower, followed=susan)
    url = reverse("accounts:followers", args=["susan"])

    first, second = client.get(url), client.get(url, {"page": 2})
    pages = [first.context["page_obj"], second.context["page_obj"]]

    assert len(first.context["people"]) == settings.POSTS_PER_PAGE
    assert len(second.context["people"]) == 2
    assert pages[0].has_next()
    assert not pages[1].has_next()
    assert 'href="?page=2"' in first.content.decode()
    assert 'href="?page=1"' in second.content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999999999999"])
def test_follow_lists_forgive_bad_page_numbers(client, me, page):
    response = client.get(reverse("accounts:followers", args=["me"]), {"page": page})

    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 30])
@pytest.mark.parametrize("name", ["accounts:followers", "accounts:following"])
def test_follow_lists_cost_a_fixed_number_of_queries(client, me, django_assert_max_num_queries, name, count):
    susan = UserFactory(username="susan")
    for other in UserFactory.create_batch(count):
        FollowFactory(follower=other, followed=susan)
        FollowFactory(follower=susan, followed=other)
        FollowFactory(follower=me, followed=other)

    # session, user, their blocks and mutes, the owner, the page of people
    with django_assert_max_num_queries(5):
        response = client.get(reverse(name, args=["susan"]))

    assert len(response.context["people"]) == min(count, 25)


# --- User popup -----------------------------------------------------------------------


def popup(username):
    return reverse("accounts:popup", args=[username])


def test_visitors_get_the_popup_without_a_follow_button(client, django_assert_num_queries):
    UserFactory(username="susan", about_me="Hi, I am Susan.")

    with django_assert_num_queries(1):
        response = client.get(popup("susan"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Hi, I am Susan." in content
    assert reverse("accounts:follow", args=["susan"]) not in content
    assert "<form" not in content


def test_popup_needs_a_login_without_public_read(client, settings):
    settings.PUBLIC_READ = False
    UserFactory(username="susan")

    assert_needs_login(client.get(popup("susan")))


def test_popup_is_a_fragment_with_the_person(client, me, django_assert_max_num_queries):
    susan = UserFactory(username="susan", about_me="Hi, I am Susan.")
    FollowFactory(follower=UserFactory(), followed=susan)
    susan.posts.create(body="hello")

    with django_assert_max_num_queries(4):  # session, user, their blocks and mutes, the person
        response = client.get(popup("susan"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert "<nav" not in content
    assert susan.avatar_large in content  # shown at 64 px: sharp on high-density screens
    assert f'href="{profile("susan")}"' in content
    assert "Hi, I am Susan." in content
    assert "Last seen" in content
    assert "<strong>1</strong> post<" in content
    assert "<strong>1</strong> follower<" in content
    assert reverse("accounts:follow", args=["susan"]) in content


def test_popup_follow_button_does_not_send_you_to_the_fragment(client, me):
    UserFactory(username="susan")

    content = client.get(popup("susan")).content.decode()

    assert f'value="{popup("susan")}"' not in content
    assert f'name="next" value="{profile("susan")}"' in content


def test_your_own_popup_has_no_follow_button(client, me):
    content = client.get(popup("me")).content.decode()

    assert reverse("accounts:follow", args=["me"]) not in content


def test_popup_of_an_unknown_user_is_a_404(client, me):
    assert client.get(popup("nobody")).status_code == 404


# --- Delete account -------------------------------------------------------------------


DELETE = reverse("accounts:delete_account")


def test_delete_account_needs_a_login(client):
    assert_needs_login(client.get(DELETE))
    assert_needs_login(client.post(DELETE, {"password": "x"}))


def test_delete_account_page_warns_and_asks_for_the_password(client, me, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get(DELETE)

    assert "It cannot be undone." in response.content.decode()
    assert list(response.context["form"].fields) == ["password"]


@pytest.mark.parametrize("password", ["wrong", ""])
def test_a_wrong_password_keeps_the_account(client, me, password):
    response = client.post(DELETE, {"password": password})

    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert User.objects.filter(pk=me.pk).exists()
    assert SESSION_KEY in client.session


def test_deleting_the_account_removes_everything_and_signs_out(client, me, django_assert_max_num_queries):
    friend = UserFactory(username="friend")
    me.posts.create(body="mine")
    friend.posts.create(body="theirs")
    me.messages_sent.create(recipient=friend, body="hi")
    friend.messages_sent.create(recipient=me, body="hello")
    FollowFactory(follower=me, followed=friend)
    FollowFactory(follower=friend, followed=me)
    NotificationFactory(user=me)
    NotificationFactory(user=friend)

    # The cascade reaches the conversation tables too (likes, boosts, bookmarks, mentions,
    # taggings, notifications, pictures, posts' earlier versions): one query per table, however many rows they hold,
    # and one listing the pictures' files first (posts' account_deleting receiver); the
    # blocks and mutes (both ways) and the two-factor devices (the authenticator's table
    # and the recovery codes' one); reports: those about the user go (with their links to
    # posts), those they filed or were assigned keep standing without them (two SET
    # NULLs), and the user's posts leave the reports that named them.
    with django_assert_max_num_queries(45):
        response = client.post(DELETE, {"password": DEFAULT_PASSWORD})
    page = client.get(response["Location"])

    assert response["Location"] == LOGIN
    assert "Your account and everything in it have been deleted." in messages_of(page)
    assert SESSION_KEY not in client.session
    assert list(User.objects.all()) == [friend]
    assert [post.body for post in friend.posts.all()] == ["theirs"]
    assert not friend.messages_sent.exists()
    assert not friend.messages_received.exists()
    assert not Follow.objects.exists()
    assert list(Notification.objects.values_list("user", flat=True)) == [friend.pk]
