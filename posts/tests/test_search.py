from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from posts.models import Post
from posts.search import highlight, parse_query, search_posts
from posts.search_index import PG_INDEX, SQLITE_TABLE
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

HOSTILE_QUERIES = [
    "",
    "   ",
    '"',
    "*",
    "-",
    "or",
    "AND NOT",
    '"unbalanced quote',
    'cafe" library',
    "x" * 5000,
    "cafe " * 1000,
    "'; DROP TABLE posts_post; --",
    "cafe') OR 1=1 --",
    "NEAR(cafe library, 2)",
    "body:cafe",
    "^cafe + (library",
    "cafe* & !library | <->",
    "😀 🎉",
    "cafe\x00library",
    "\x00",
    "-cafe",
    "cafe or -library",
    "\\ ' \" ` % _",
]


def search_bodies(query):
    return [post.body for post in search_posts(query)]


def test_a_new_post_is_found_at_once():
    PostFactory(body="Reading at the city library")

    assert search_bodies("library") == ["Reading at the city library"]


def test_an_edited_post_is_found_by_its_new_words_only():
    post = PostFactory(body="Reading at the city library")

    post.body = "Coffee at the new cafe"
    post.save()

    assert search_bodies("library") == []
    assert search_bodies("cafe") == ["Coffee at the new cafe"]


def test_a_deleted_post_is_no_longer_found():
    post = PostFactory(body="Reading at the city library")

    post.delete()

    assert search_bodies("library") == []


def test_every_word_must_match():
    PostFactory(body="the new cafe downtown")
    PostFactory(body="the old cafe uptown")

    assert search_bodies("cafe downtown") == ["the new cafe downtown"]


def test_accents_and_case_do_not_matter():
    PostFactory(body="La nueva CAFÉ del centro")

    assert search_bodies("café") == search_bodies("Cafe") == ["La nueva CAFÉ del centro"]


def test_a_quoted_phrase_needs_its_words_together_and_in_order():
    PostFactory(body="the new cafe is open")
    PostFactory(body="a cafe that is new")

    assert search_bodies('"new cafe"') == ["the new cafe is open"]


def test_or_matches_either_word():
    PostFactory(body="a quokka smiled")
    PostFactory(body="a zeppelin flew over")
    PostFactory(body="nothing to see")

    assert sorted(search_bodies("quokka or zeppelin")) == ["a quokka smiled", "a zeppelin flew over"]
    assert sorted(search_bodies("quokka OR zeppelin")) == ["a quokka smiled", "a zeppelin flew over"]


def test_or_separates_groups_of_words():
    PostFactory(body="new cafe")
    PostFactory(body="old library")
    PostFactory(body="new library")

    assert sorted(search_bodies("new cafe or old library")) == ["new cafe", "old library"]


def test_a_minus_excludes_a_word_or_phrase():
    PostFactory(body="the cafe next to the library")
    PostFactory(body="the cafe by the sea")

    assert search_bodies("cafe -library") == ["the cafe by the sea"]
    assert search_bodies('cafe -"by the sea"') == ["the cafe next to the library"]


def test_a_query_that_only_excludes_finds_nothing():
    PostFactory(body="the cafe by the sea")

    assert search_bodies("-library") == []
    assert search_bodies("cafe or -library") == ["the cafe by the sea"]


def test_the_better_match_comes_first_even_when_older():
    now = timezone.now()
    both = PostFactory(body="the cafe in the library", created_at=now - timedelta(days=30))
    PostFactory(body="a cafe", created_at=now)
    PostFactory(body="a library", created_at=now - timedelta(days=1))

    results = list(search_posts("cafe or library"))

    assert results[0] == both
    assert len(results) == 3


def test_equal_matches_come_newest_first():
    now = timezone.now()
    older = PostFactory(body="a quiet cafe", created_at=now - timedelta(hours=2))
    newer = PostFactory(body="a quiet cafe", created_at=now)

    assert list(search_posts("cafe")) == [newer, older]


def test_posts_of_deactivated_authors_are_hidden():
    PostFactory(body="a cafe", author=UserFactory(is_active=False))

    assert search_bodies("cafe") == []


def test_results_have_their_author_joined(django_assert_num_queries):
    PostFactory.create_batch(3, body="a cafe")

    with django_assert_num_queries(1):
        assert [post.author.username for post in search_posts("cafe")]


def test_results_can_be_counted_and_nested():
    post = PostFactory(body="a cafe")
    PostFactory(body="a library")

    assert search_posts("cafe").count() == 1
    assert search_posts("cafe").exists()
    assert list(Post.objects.filter(pk__in=search_posts("cafe").values("pk"))) == [post]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_input_never_fails(query):
    PostFactory(body="the cafe next to the library")

    list(search_posts(query))
    highlight("the cafe next to the library", query)


def test_parsed_queries_hold_only_quoted_words_and_our_operators():
    parsed = parse_query('NEAR(a b) "c* d" or -e^ f: AND NOT')

    assert parsed.as_fts5() == '("near a" AND "b" AND "c d") OR (("f" AND "and" AND "not") NOT "e")'


def test_highlight_marks_matching_words_and_escapes_the_rest():
    html = highlight('<script>alert("cafe")</script> Café CAFE cafeteria', "cafe")

    assert html == (
        "&lt;script&gt;alert(&quot;<mark>cafe</mark>&quot;)&lt;/script&gt; "
        "<mark>Café</mark> <mark>CAFE</mark> cafeteria"
    )


def test_highlight_keeps_links_and_does_not_mark_excluded_words():
    html = highlight("cafe near the library https://example.com/cafe", "cafe -library")

    assert html.startswith("<mark>cafe</mark> near the library <a href=")
    assert ">https://example.com/cafe</a>" in html


class TestSearchView:
    url = reverse("posts:search")

    def test_anonymous_users_are_sent_to_login(self, client):
        response = client.get(self.url, {"q": "cafe"})

        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))

    def test_lists_matches_with_highlights(self, client):
        PostFactory(body="Coffee at the new cafe")
        PostFactory(body="Reading at the library")
        client.force_login(UserFactory())

        response = client.get(self.url, {"q": "cafe"})

        assert response.status_code == 200
        assert [post.body for post in response.context["posts"]] == ["Coffee at the new cafe"]
        assert b"Coffee at the new <mark>cafe</mark>" in response.content

    def test_html_in_a_post_stays_text(self, client):
        PostFactory(body='<script>alert("hi")</script> <b>cafe</b>')
        client.force_login(UserFactory())

        response = client.get(self.url, {"q": "cafe"})

        assert b'<script>alert("hi")' not in response.content
        escaped = b"&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt; &lt;b&gt;<mark>cafe</mark>&lt;/b&gt;"
        assert escaped in response.content

    def test_without_a_query_invites_to_type(self, client):
        client.force_login(UserFactory())

        response = client.get(self.url)

        assert response.status_code == 200
        assert b"Type one or more words" in response.content
        assert list(response.context["posts"]) == []

    def test_says_when_nothing_matches(self, client):
        PostFactory(body="Reading at the library")
        client.force_login(UserFactory())

        response = client.get(self.url, {"q": "zeppelin"})

        assert response.status_code == 200
        assert "No posts match “zeppelin”" in response.content.decode()

    def test_the_query_stays_in_the_search_boxes(self, client):
        client.force_login(UserFactory())

        response = client.get(self.url, {"q": 'new "cafe'})

        assert response.content.decode().count('value="new &quot;cafe"') == 2

    def test_page_links_keep_the_query(self, client, settings):
        PostFactory.create_batch(settings.POSTS_PER_PAGE + 1, body="a cafe")
        client.force_login(UserFactory())

        first = client.get(self.url, {"q": "cafe"})
        second = client.get(self.url, {"q": "cafe", "page": 2})

        assert b'href="?q=cafe&amp;page=2"' in first.content
        assert len(second.context["posts"]) == 1

    @pytest.mark.parametrize("query", HOSTILE_QUERIES)
    def test_hostile_input_gives_a_page(self, client, query):
        PostFactory(body="the cafe next to the library")
        client.force_login(UserFactory())

        response = client.get(self.url, {"q": query})

        assert response.status_code == 200

    def test_a_too_long_query_is_a_form_error(self, client):
        client.force_login(UserFactory())

        response = client.get(self.url, {"q": "x" * 5000})

        assert response.status_code == 200
        assert response.context["form"].errors["q"]

    @pytest.mark.parametrize("matches", [1, 30])
    def test_costs_a_fixed_number_of_queries(self, client, django_assert_max_num_queries, matches):
        PostFactory.create_batch(matches, body="a cafe")  # each by a different author
        client.force_login(UserFactory())
        client.get(self.url, {"q": "warm up"})  # the first request of a session updates last_seen

        # session, user, their blocks and mutes, the results page (the navbar's unread count
        # is on the user row)
        with django_assert_max_num_queries(5):  # + the rows of the mentions: intended
            response = client.get(self.url, {"q": "cafe"})

        assert len(response.context["posts"]) == min(matches, 25)


def test_the_navbar_has_a_search_box_for_signed_in_users(client):
    client.force_login(UserFactory())

    response = client.get(reverse("posts:explore"))

    assert f'action="{reverse("posts:search")}"'.encode() in response.content


def test_rebuild_command_restores_a_dropped_index(capsys):
    PostFactory(body="Reading at the city library")
    _drop_search_index()

    call_command("rebuild_search_index")
    PostFactory(body="Written after the rebuild")

    assert search_bodies("library") == ["Reading at the city library"]
    assert search_bodies("rebuild") == ["Written after the rebuild"]
    assert "Search index rebuilt" in capsys.readouterr().out


def test_rebuild_command_reindexes_posts_the_index_missed():
    post = PostFactory(body="Reading at the city library")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {SQLITE_TABLE}({SQLITE_TABLE}) VALUES ('delete-all')")
        assert search_bodies("library") == []

    call_command("rebuild_search_index", stdout=StringIO())

    assert list(search_posts("library")) == [post]


def _drop_search_index():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # What a later migration that copies posts_post would leave: no triggers.
            cursor.execute(f"DROP TABLE {SQLITE_TABLE}")
            for trigger in ("insert", "update", "delete"):
                cursor.execute(f"DROP TRIGGER {SQLITE_TABLE}_{trigger}")
        else:
            # The generated column cannot drift; dropping it is the nearest thing to a wipe.
            # Deferred foreign key checks of this test's inserts must run before an ALTER.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE posts_post DROP COLUMN search_vector")


@pytest.mark.django_db(transaction=True)
def test_the_migration_indexes_posts_that_already_exist():
    executor = MigrationExecutor(connection)
    author = UserFactory()
    before = [("posts", "0003_exportjob")]
    executor.migrate(before)
    # That time's Post, and the index read in SQL: today's Post has columns (the
    # conversations') that the table of migration 0004 does not have yet.
    old = MigrationExecutor(connection).loader.project_state(before).apps
    post = old.get_model("posts", "Post").objects.create(author_id=author.pk, body="Written before search existed")
    try:
        executor = MigrationExecutor(connection)
        executor.migrate([("posts", "0004_post_search_index")])

        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH 'existed'")
            else:
                cursor.execute(
                    "SELECT id FROM posts_post WHERE search_vector @@ to_tsquery('microblog_search', 'existed')"
                )
            assert cursor.fetchall() == [(post.pk,)]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.postgres
def test_postgresql_can_serve_a_search_from_the_gin_index():
    author = UserFactory()
    Post.objects.bulk_create(Post(author=author, body=f"an ordinary day, number {n}") for n in range(2000))
    PostFactory(author=author, body="a quokka smiled")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE posts_post")
        cursor.execute("SET LOCAL enable_seqscan = off")

    plan = search_posts("quokka").explain()

    assert PG_INDEX in plan, plan
