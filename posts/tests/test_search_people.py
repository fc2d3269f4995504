"""Finding people in search: who matches, in what order, and the search page's tabs and sort."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import FollowFactory, UserFactory
from posts.search import people_words, search_people
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

URL = reverse("posts:search")


def found(query):
    return [person.username for person in search_people(query)]


def test_username_prefix_first_then_contains_then_about_me():
    UserFactory(username="theanna", about_me="")
    UserFactory(username="bob", about_me="Anna's brother")
    UserFactory(username="annabel", about_me="")
    UserFactory(username="anna", about_me="")
    UserFactory(username="carol", about_me="Likes cats")

    assert found("anna") == ["anna", "annabel", "theanna", "bob"]


def test_matching_ignores_letter_case():
    UserFactory(username="MaRiA", about_me="")
    UserFactory(username="pablo", about_me="Friend of MARIA")

    assert found("maria") == ["MaRiA", "pablo"]
    assert found("MARÍA") == []  # accents count: usernames are ASCII handles
    assert found("@Maria") == ["MaRiA", "pablo"]


def test_every_word_must_match():
    UserFactory(username="ana_lopez", about_me="")
    UserFactory(username="ana_ruiz", about_me="Fan of Lopez, like Ana")
    UserFactory(username="lopez", about_me="Just a fan")

    assert found("ana lopez") == ["ana_lopez", "ana_ruiz"]


def test_deactivated_users_are_hidden():
    UserFactory(username="gone", about_me="", is_active=False)
    UserFactory(username="here", about_me="gone fishing")

    assert found("gone") == ["here"]


@pytest.mark.parametrize("query", ["", "   ", "%", "_", "-anna", "#anna", "or", '"', "\x00", "😀"])
def test_queries_without_a_usable_word_find_nobody(query):
    UserFactory(username="anna", about_me="a_b %")

    assert found(query) == []


def test_like_wildcards_are_plain_characters():
    UserFactory(username="a_b", about_me="")
    UserFactory(username="axb", about_me="100% sure")

    assert found("a_b") == ["a_b"]
    assert found("100%") == ["axb"]


def test_people_words_keep_what_a_username_or_about_me_can_hold():
    assert people_words('@Anna "new cafe" -bob #tag or Anna') == ("anna", "new", "cafe")
    assert len(people_words(" ".join(f"w{n}" for n in range(100)))) == 16


class TestSearchPage:
    def test_people_come_above_the_posts(self, client):
        anna = UserFactory(username="anna", about_me="Coffee and books")
        PostFactory(author=anna, body="Reading anna karenina")
        client.force_login(UserFactory())

        response = client.get(URL, {"q": "anna"})

        html = response.content.decode()
        assert response.status_code == 200
        assert response.context["people_preview"] == [anna]
        assert html.index('id="search-people-heading"') < html.index("<mark>anna</mark>")
        assert 'href="/user/anna/"' in html
        assert "Coffee and books" in html
        assert "<strong>0</strong> followers" in html

    def test_a_name_without_posts_still_finds_the_person(self, client):
        UserFactory(username="zoltan", about_me="")
        client.force_login(UserFactory())

        response = client.get(URL, {"q": "zoltan"})

        assert [person.username for person in response.context["people_preview"]] == ["zoltan"]
        assert "No posts match" in response.content.decode()

    def test_a_few_people_and_a_link_to_the_rest(self, client):
        make_people("kim", 7)
        client.force_login(UserFactory())

        response = client.get(URL, {"q": "kim"})

        assert len(response.context["people_preview"]) == 5
        assert 'href="?q=kim&amp;type=people"' in response.content.decode()

    def test_no_link_when_every_person_is_shown(self, client):
        make_people("kim", 5)
        client.force_login(UserFactory())

        response = client.get(URL, {"q": "kim"})

        assert len(response.context["people_preview"]) == 5
        assert "type=people" not in response.content.decode().split('class="nav nav-tabs', 1)[1].split("</ul>", 1)[1]

    def test_the_people_tab_pages_by_25_without_counting(self, client, django_assert_num_queries):
        make_people("lee", 26)
        client.force_login(UserFactory())
        client.get(URL, {"q": "warm up"})

        with django_assert_num_queries(4):  # session, user, blocks and mutes, one page of people (no COUNT)
            first = client.get(URL, {"q": "lee", "type": "people"})
        second = client.get(URL, {"q": "lee", "type": "people", "page": 2})

        assert len(first.context["people"]) == 25
        assert 'href="?q=lee&amp;type=people&amp;page=2"' in first.content.decode()
        assert [person.username for person in second.context["people"]] == ["lee25"]
        assert "posts" not in first.context

    @pytest.mark.parametrize("kind", ["", "people"])
    def test_people_found_have_a_follow_button_in_their_state(self, client, kind):
        me = UserFactory(username="me")
        anna, annie = UserFactory(username="anna"), UserFactory(username="annie")
        FollowFactory(follower=me, followed=anna)
        client.force_login(me)

        html = client.get(URL, {"q": "ann", "type": kind}).content.decode()

        assert f'action="{reverse("accounts:unfollow", args=[anna.username])}"' in html
        assert f'action="{reverse("accounts:follow", args=[annie.username])}"' in html
        assert 'data-count-block="followers"' in html

    def test_you_have_no_follow_button_beside_yourself(self, client):
        client.force_login(UserFactory(username="annabel"))

        html = client.get(URL, {"q": "annabel", "type": "people"}).content.decode()

        assert 'data-follow-for="annabel"' not in html

    def test_the_people_tab_says_when_nobody_matches(self, client):
        client.force_login(UserFactory())

        response = client.get(URL, {"q": "nobodyatall", "type": "people"})

        assert "Nobody’s username or about me matches “nobodyatall”." in response.content.decode()

    def test_the_posts_tab_shows_no_people(self, client):
        UserFactory(username="anna", about_me="")
        PostFactory(body="anna was here")
        client.force_login(UserFactory())

        response = client.get(URL, {"q": "anna", "type": "posts"})

        assert response.context["people_preview"] == []
        assert [post.body for post in response.context["posts"]] == ["anna was here"]

    def test_people_are_shown_on_the_first_page_of_posts_only(self, client, settings):
        UserFactory(username="anna", about_me="")
        PostFactory.create_batch(settings.POSTS_PER_PAGE + 1, body="anna")
        client.force_login(UserFactory())

        response = client.get(URL, {"q": "anna", "page": 2})

        assert response.context["people_preview"] == []
        assert len(response.context["posts"]) == 1

    def test_top_is_the_default_order_and_latest_is_newest_first(self, client):
        now = timezone.now()
        better = PostFactory(body="cafe cafe cafe", created_at=now - timedelta(days=2))
        newer = PostFactory(body="a long post that mentions the cafe once among many words", created_at=now)
        client.force_login(UserFactory())

        top = client.get(URL, {"q": "cafe"})
        explicit_top = client.get(URL, {"q": "cafe", "sort": "top"})
        latest = client.get(URL, {"q": "cafe", "sort": "latest"})

        assert list(top.context["posts"]) == list(explicit_top.context["posts"]) == [better, newer]
        assert list(latest.context["posts"]) == [newer, better]

    def test_tab_sort_and_page_links_keep_the_query(self, client, settings):
        PostFactory.create_batch(settings.POSTS_PER_PAGE + 1, body="a cafe")
        client.force_login(UserFactory())

        html = client.get(URL, {"q": "cafe", "sort": "latest"}).content.decode()

        assert 'href="?q=cafe&amp;type=people&amp;sort=latest"' in html
        assert 'href="?q=cafe&amp;type=posts&amp;sort=latest"' in html
        assert 'href="?q=cafe"' in html  # the Top order, the default
        assert 'href="?q=cafe&amp;sort=latest&amp;page=2"' in html
        assert '<input type="hidden" name="sort" value="latest">' in html

    def test_the_syntax_help_folds_behind_a_question_mark(self, client):
        client.force_login(UserFactory())

        html = client.get(URL).content.decode()

        assert '<details class="form-text search-help">' in html
        assert '<summary><span aria-hidden="true">?</span>' in html

    @pytest.mark.parametrize(
        ("param", "message"), [("type", "There is no “bogus” tab"), ("sort", "cannot be sorted by “bogus”")]
    )
    def test_an_unknown_tab_or_sort_says_so_and_shows_the_defaults(self, client, param, message):
        UserFactory(username="anna", about_me="")
        PostFactory(body="anna")
        client.force_login(UserFactory())

        response = client.get(URL, {"q": "anna", param: "bogus"})

        assert response.status_code == 200
        assert message in response.content.decode()
        assert len(response.context["people_preview"]) == 1
        assert len(response.context["posts"]) == 1

    @pytest.mark.parametrize("query", ["", "\u200b\u200e\ufeff", " \u00a0\u2028 ", "\x00"])
    def test_an_empty_or_invisible_query_invites_to_type(self, client, query):
        UserFactory(username="anna", about_me="")
        client.force_login(UserFactory())

        response = client.get(URL, {"q": query, "type": "people"})

        assert response.status_code == 200
        assert "Type one or more words" in response.content.decode()

    def test_a_ten_thousand_character_query_is_a_form_error(self, client):
        client.force_login(UserFactory())

        response = client.get(URL, {"q": "a" * 10_000, "type": "people"})

        assert response.status_code == 200
        assert response.context["form"].errors["q"]
        assert "Type one or more words" not in response.content.decode()

    @pytest.mark.parametrize("matches", [1, 30])
    def test_people_and_posts_cost_a_fixed_number_of_queries(self, client, django_assert_num_queries, matches):
        for n in range(matches):
            PostFactory(body="hello cafe", author=UserFactory(username=f"cafe{n}", about_me=""))
        client.force_login(UserFactory())
        client.get(URL, {"q": "warm up"})  # the first request of a session updates last_seen

        # session, user, their blocks and mutes, the page of posts, the people
        with django_assert_num_queries(5):
            response = client.get(URL, {"q": "cafe"})

        assert len(response.context["posts"]) == min(matches, 25)
        assert len(response.context["people_preview"]) == min(matches, 5)


def make_people(prefix, count):
    """Create `count` users called prefix00, prefix01, ... (username order), with no about-me."""
    return [UserFactory(username=f"{prefix}{n:02d}", about_me="") for n in range(count)]


@pytest.mark.postgres
def test_postgresql_finds_people_through_the_trigram_indexes():
    UserFactory.create_batch(300, about_me="nothing to see")
    UserFactory(username="quokka_fan", about_me="")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_user")
        cursor.execute("SET LOCAL enable_seqscan = off")

    plan = search_people("quokka").explain()

    assert "user_username_trgm" in plan, plan
    assert "user_about_me_trgm" in plan, plan
