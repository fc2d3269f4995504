"""The page chrome (navbar, user menu, phone bottom bar, footer, post form, profile header)
is rendered for every response: each viewer sees their own, current state, and every form
carries a fresh CSRF token and the page to come back to."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from microblog.storage import StaticFilesStorage
from posts.models import Message
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def form_html(page: str, action: str) -> str:
    match = re.search(rf'<form [^>]*action="{re.escape(action)}"[^>]*>.*?</form>', page, re.DOTALL)
    assert match, f"no form posting to {action}"
    return match.group(0)


def navbar(page: str) -> str:
    return page[page.index("<nav ") : page.index("</nav>")]


def test_each_viewer_gets_their_own_navbar(client):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    client.force_login(alice)
    client.get(reverse("posts:explore"))
    client.force_login(bob)

    page = client.get(reverse("posts:explore")).text

    assert '<span class="text-truncate">bob</span>' in navbar(page)
    assert "alice" not in navbar(page)


def test_the_navbar_shows_a_new_unread_count_and_a_new_staff_link_at_once(client):
    alice, bob = UserFactory(), UserFactory()
    client.force_login(alice)
    assert 'id="message-count" class="badge rounded-pill text-bg-danger" data-unread-badge hidden' in (
        client.get(reverse("posts:explore")).text
    )

    Message.objects.create(sender=bob, recipient=alice, body="hi")
    alice.is_staff = True
    alice.save()
    page = client.get(reverse("posts:explore")).text

    assert "data-unread-badge>1</span>" in navbar(page)
    assert reverse("admin:index") in navbar(page)


def test_a_renamed_user_sees_their_new_name(client):
    alice = UserFactory(username="alice")
    client.force_login(alice)
    client.get(reverse("posts:explore"))
    alice.username = "alicia"
    alice.save()

    page = client.get(reverse("posts:explore")).text

    assert "alicia" in navbar(page)
    assert ">alice<" not in navbar(page)


def test_the_navbar_follows_the_language(client):
    client.force_login(UserFactory())
    client.get(reverse("posts:explore"), headers={"accept-language": "en"})

    page = client.get(reverse("posts:explore"), headers={"accept-language": "es"}).text

    assert "Cerrar sesión" in navbar(page)


def test_the_search_box_shows_this_page_s_query_only(client):
    client.force_login(UserFactory())
    assert 'value="quokka"' in navbar(client.get(reverse("posts:search"), {"q": "quokka"}).text)

    assert 'value="quokka"' not in navbar(client.get(reverse("posts:explore")).text)


def test_navbar_and_footer_forms_carry_a_fresh_token_and_this_page(client):
    client.force_login(UserFactory())
    first = client.get(reverse("posts:explore") + "?page=1").text
    second = client.get(reverse("posts:explore")).text

    for action in (reverse("accounts:logout"), reverse("posts:export_posts"), reverse("set_language")):
        # The token is masked anew in each response (BREACH).
        assert TOKEN.search(form_html(first, action)).group(1) != TOKEN.search(form_html(second, action)).group(1)
    # Export and the language switch come back to the page they were used on.
    assert 'name="next" value="/explore/?page=1"' in form_html(first, reverse("posts:export_posts"))
    assert 'name="next" value="/explore/"' in form_html(second, reverse("set_language"))


def test_logging_out_from_the_navbar_passes_the_csrf_check():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    client.get(reverse("posts:explore"))
    page = client.get(reverse("posts:explore")).text
    token = TOKEN.search(form_html(page, reverse("accounts:logout"))).group(1)

    response = client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_post_form_shows_errors_and_keeps_the_text(client):
    client.force_login(UserFactory())
    client.get(reverse("posts:home"))

    response = client.post(reverse("posts:home"), {"body": "x" * 141})

    assert response.status_code == 200
    assert "x" * 141 in response.text
    assert "is-invalid" in response.text


def test_explore_has_a_fixed_number_of_queries(client, django_assert_num_queries):
    PostFactory.create_batch(3, body="hello @someone")
    client.force_login(UserFactory())
    client.get(reverse("posts:explore"))

    # session, user, their blocks and mutes, posts: the unread count is a column of the
    # user row; then the "Who to follow" box's people (one query, intended).
    with django_assert_num_queries(7):  # a timeline page: entries, posts, the rows of their mentions (intended)
        client.get(reverse("posts:explore"))


def test_static_urls_are_worked_out_once_per_name(monkeypatch, tmp_path):
    storage = StaticFilesStorage(location=tmp_path)
    calls = []
    monkeypatch.setattr(
        "whitenoise.storage.CompressedManifestStaticFilesStorage.url",
        lambda self, name, force=False: calls.append(name) or f"/static/{name}.abc123",
    )

    assert storage.url("js/app.js") == storage.url("js/app.js") == "/static/js/app.js.abc123"
    assert calls == ["js/app.js"]


def test_the_profile_header_shows_new_counts_and_about_me_at_once(client):
    author = UserFactory(about_me="first words")
    client.force_login(UserFactory())
    client.get(reverse("posts:profile", args=[author.username]))
    PostFactory(author=author)
    author.about_me = "second words"
    author.save()

    page = client.get(reverse("posts:profile", args=[author.username])).text

    assert "second words" in page
    assert "<strong>1</strong> post" in page


def test_the_profile_header_keeps_its_follow_button_fresh(client):
    author = UserFactory()
    client.force_login(UserFactory())
    client.get(reverse("posts:profile", args=[author.username]))
    client.post(reverse("accounts:follow", args=[author.username]))

    page = client.get(reverse("posts:profile", args=[author.username])).text

    assert f'action="{reverse("accounts:unfollow", args=[author.username])}"' in page
    assert "is-following" in page
    assert "<strong>1</strong> follower" in page


def bottom_nav(page: str) -> str:
    start = page.index('<nav class="bottom-nav')
    return page[start : page.index("</nav>", start)]


def user_menu(page: str) -> str:
    start = page.index('<div class="navbar-nav user-menu')
    return page[start : page.index("</ul>", start)]


def current_links(html: str) -> list[str]:
    return re.findall(r'<a class="nav-link" href="([^"]+)" aria-current="page">', html)


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/", "/"),
        ("/explore/", "/explore/"),
        ("/search/?q=coffee", "/search/"),
        ("/activity/", "/activity/"),
        ("/messages/", "/messages/"),
        ("/messages/new/", "/messages/"),
        ("/messages/@bob/", "/messages/"),
        ("/user/Alice/", "/user/alice/"),
        ("/user/alice/replies/", "/user/alice/"),
        ("/user/bob/", None),
        ("/bookmarks/", None),
    ],
)
def test_the_bottom_bar_marks_the_section_of_the_page(client, path, current):
    client.force_login(UserFactory(username="alice"))
    UserFactory(username="bob")

    bar = bottom_nav(client.get(path).text)

    assert current_links(bar) == ([current] if current else [])


def test_the_bottom_bar_links_every_section_and_carries_the_live_badges(client):
    alice, bob = UserFactory(username="alice"), UserFactory()
    Message.objects.create(sender=bob, recipient=alice, body="hi")
    client.force_login(alice)

    page = client.get(reverse("posts:explore")).text
    bar = bottom_nav(page)

    for url in ("/", "/explore/", "/search/", "/activity/", "/messages/", "/user/alice/"):
        assert f'href="{url}"' in bar
    # The same hooks as the navbar's badges: static/js/notifications.js updates them all.
    assert "data-unread-badge>1</span>" in bar
    assert '<span class="visually-hidden" data-unread-label>unread</span>' in bar
    assert "data-activity-badge hidden>0</span>" in bar
    # Every icon has a name for screen readers, and the bar sits on phones only.
    assert bar.count('class="bottom-nav-label"') == 6
    assert 'class="bottom-nav d-md-none' in bar
    assert 'class="compose-button btn btn-primary rounded-circle d-md-none shadow" href="/#id_body"' in page
    assert "has-bottom-nav" in page[page.index("<body") : page.index(">", page.index("<body"))]


def test_the_compose_button_lands_on_home_s_post_box(client):
    client.force_login(UserFactory())

    page = client.get(reverse("posts:home")).text

    # The link's target is the body field itself: following it focuses the field.
    (field,) = re.findall(r'<textarea [^>]*id="id_body"[^>]*>', page)
    assert 'name="body"' in field


def test_a_visitor_gets_no_bottom_bar_but_the_ways_in(client):
    page = client.get(reverse("posts:explore")).text

    assert "bottom-nav" not in page
    assert "compose-button" not in page
    assert "has-bottom-nav" not in page
    # Not folded behind a menu button: in sight at every width.
    assert "navbar-toggler" not in page
    assert f'href="{reverse("accounts:login")}">Log in</a>' in navbar(page)
    assert f'href="{reverse("accounts:register")}">Register</a>' in navbar(page)


def test_a_signed_in_user_changes_colour_mode_and_language_from_the_user_menu(client):
    client.force_login(UserFactory())

    page = client.get(reverse("posts:explore")).text
    menu = user_menu(page)

    assert 'id="theme-toggle" data-theme-toggle aria-pressed="false" hidden' in menu
    language = form_html(menu, reverse("set_language"))
    assert 'name="next" value="/explore/"' in language
    assert re.search(r'name="language" value="es" lang="es" class="dropdown-item[^"]*">\s*Español', language)
    assert re.search(r'value="en" lang="en" class="dropdown-item[^"]*" aria-current="true"', language)
    # The footer no longer repeats them.
    footer = page[page.index("<footer") :]
    assert "set_language" not in footer
    assert reverse("set_language") not in footer
    assert "theme-toggle" not in footer


def test_the_user_menu_marks_spanish_when_it_is_the_language(client):
    client.force_login(UserFactory())

    menu = user_menu(client.get(reverse("posts:explore"), headers={"accept-language": "es"}).text)

    assert re.search(r'value="es" lang="es" class="dropdown-item[^"]*" aria-current="true"', menu)
    assert not re.search(r'value="en" lang="en" class="dropdown-item[^"]*" aria-current', menu)


def test_the_user_menu_s_language_buttons_switch_the_language_without_javascript(client):
    client.force_login(UserFactory())
    client.get(reverse("posts:explore"))

    response = client.post(reverse("set_language"), {"language": "es", "next": "/explore/"})

    assert response.status_code == 302
    assert response.url == "/explore/"
    assert "Cerrar sesión" in client.get(reverse("posts:explore")).text


def test_a_visitor_keeps_colour_mode_and_language_in_the_footer(client):
    page = client.get(reverse("accounts:login")).text

    footer = page[page.index("<footer") :]
    assert 'id="language-select"' in footer
    assert 'id="theme-toggle" data-theme-toggle aria-pressed="false" hidden' in footer
    assert "user-menu" not in page


def test_the_staff_link_is_in_the_user_menu_on_phones(client):
    client.force_login(UserFactory(is_staff=True))

    menu = user_menu(client.get(reverse("posts:explore")).text)

    assert f'<li class="d-md-none"><a class="dropdown-item" href="{reverse("admin:index")}">Admin</a></li>' in menu


def test_the_export_progress_strip_sits_under_the_navbar_for_members_only(client):
    client.force_login(UserFactory())
    page = client.get(reverse("posts:explore")).text

    assert 'id="export-progress"' not in navbar(page)
    assert page.index("</nav>") < page.index('<div id="export-progress"') < page.index('<main id="main"')
    strip = page[page.index('<div id="export-progress"') : page.index('<main id="main"')]
    assert 'role="status" aria-live="polite"' in strip
    assert 'role="progressbar"' in strip
    assert 'id="export-progress"' not in Client().get(reverse("posts:explore")).text


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_the_api_docs_page_has_the_site_s_header_and_colour_mode(client, signed_in, django_assert_num_queries):
    if signed_in:
        client.force_login(UserFactory(username="reader"))

    with django_assert_num_queries(2 if signed_in else 0):  # the session and the user
        response = client.get(reverse("api:docs"))

    page = response.text
    assert response.status_code == 200
    assert 'aria-label="Main navigation"' in page
    assert f'<a class="d-inline-flex align-items-center gap-1" href="{reverse("posts:home")}">' in page
    assert "Back to the home page" in page
    # theme.js sets data-bs-theme before the page paints; api-docs.js passes it on to Swagger UI.
    assert page.index("js/theme.js") < page.index("</head>")
    assert "vendor/swagger-ui/swagger-ui.css" in page[: page.index("</head>")]
    assert page.index("swagger-ui-bundle.js") < page.index("js/api-docs.js")
    assert ('<span class="text-truncate">reader</span>' in page) is signed_in
