"""The welcome card of an empty home feed, and explore's "Who to follow" box."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.tests.factories import FollowFactory, UserFactory
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

HOME, EXPLORE = reverse("posts:home"), reverse("posts:explore")


def writer(username: str, followers: int = 1):
    """Someone with a post and `followers` followers: a person worth suggesting."""
    person = UserFactory(username=username)
    PostFactory(author=person)
    for _ in range(followers):
        FollowFactory(followed=person)
    return person


@pytest.fixture
def newcomer(client):
    user = UserFactory(username="newcomer", about_me="")
    client.force_login(user)
    return user


def suggested(response) -> list[str]:
    return [person.username for person in response.context["suggestions"]]


def test_an_empty_feed_shows_the_welcome_card_with_people_to_follow(client, newcomer):
    for number in range(7):
        writer(f"writer{number}", followers=number + 1)

    response = client.get(HOME)

    content = response.content.decode()
    assert suggested(response) == ["writer6", "writer5", "writer4", "writer3", "writer2"]
    assert 'aria-labelledby="welcome-title"' in content
    assert "Your feed is empty." not in content
    assert f'action="{reverse("accounts:follow", args=["writer6"])}"' in content
    assert f'href="{EXPLORE}"' in content
    assert reverse("accounts:edit_profile") in content  # the about-me is empty


def test_the_profile_prompt_stays_until_both_the_about_me_and_a_picture_are_there(client, newcomer):
    newcomer.about_me = "Here now."
    newcomer.save()

    assert "Tell people who you are" in client.get(HOME).content.decode()

    newcomer.avatar_variants = {"48": {"path": "avatars/x/48.webp", "width": 48, "height": 48}}
    newcomer.save()
    content = client.get(HOME).content.decode()

    assert 'aria-labelledby="welcome-title"' in content
    assert "Tell people who you are" not in content


def test_the_card_shows_with_nobody_to_suggest(client, newcomer):
    response = client.get(HOME)

    assert suggested(response) == []
    assert 'aria-labelledby="welcome-title"' in response.content.decode()


def test_a_feed_with_posts_has_no_welcome_card(client, newcomer):
    PostFactory(author=newcomer)

    response = client.get(HOME)

    assert "suggestions" not in response.context
    assert 'aria-labelledby="welcome-title"' not in response.content.decode()


def test_following_people_whose_posts_are_gone_still_shows_the_card(client, newcomer):
    FollowFactory(follower=newcomer, followed=UserFactory())  # follows someone silent
    writer("ana")

    assert suggested(client.get(HOME)) == ["ana"]


def test_a_page_past_the_first_shows_no_card(client, newcomer):
    response = client.get(HOME, {"page": 3})

    assert "suggestions" not in response.context


def test_a_form_error_on_an_empty_feed_keeps_the_card(client, newcomer):
    writer("ana")

    response = client.post(HOME, {"body": "   "})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert suggested(response) == ["ana"]


def test_the_empty_home_costs_a_fixed_number_of_queries(client, newcomer, django_assert_num_queries):
    writer("ana")
    cache.clear()
    # Session, user, their blocks and mutes, the two sources of the feed, then the
    # suggestions (one query). No posts: no posts query, no mentions.
    with django_assert_num_queries(6):
        client.get(HOME)
    for number in range(20):
        writer(f"writer{number}", followers=2)
    cache.clear()

    with django_assert_num_queries(6):
        response = client.get(HOME)

    assert len(response.context["suggestions"]) == 5


def test_explore_has_a_who_to_follow_box_for_members(client, newcomer):
    me_followed = writer("followed")
    FollowFactory(follower=newcomer, followed=me_followed)
    for number in range(4):
        writer(f"writer{number}", followers=number + 1)

    response = client.get(EXPLORE)

    assert suggested(response) == ["writer3", "writer2", "writer1"]
    assert 'id="who-to-follow-title"' in response.content.decode()


def test_explore_has_no_box_for_visitors(client):
    writer("ana")

    response = client.get(EXPLORE)

    assert "suggestions" not in response.context
    assert 'id="who-to-follow-title"' not in response.content.decode()
    assert reverse("accounts:follow", args=["ana"]) not in response.content.decode()


def test_explore_has_no_box_past_its_first_page(client, newcomer):
    writer("ana")

    assert "suggestions" not in client.get(EXPLORE, {"page": 2}).context


def test_explore_without_anyone_to_suggest_has_no_box(client, newcomer):
    PostFactory(author=newcomer)

    assert 'id="who-to-follow-title"' not in client.get(EXPLORE).content.decode()
