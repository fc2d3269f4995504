"""Every main page, in light and dark colours at desktop and phone size: no serious axe-core
violation, no sideways scroll, and a screenshot of each in test-artifacts/screenshots/."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import FollowFactory, UserFactory
from posts.models import Post
from posts.services import bookmark_post, boost_post, delete_post, like_post, publish_post
from posts.tests.factories import MessageFactory, PostFactory

from .conftest import VIEWPORTS, assert_accessible, save_screenshot

# The live server answers from another thread, so the test's rows must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def community():
    """Alice, who follows Bob and Carmen; a few posts and messages with some history."""
    now = timezone.now()
    alice = UserFactory(username="alice", about_me="Coffee, trains and long walks by the river.")
    bob = UserFactory(username="bob", about_me="Photographer. Posts about light and shadows.")
    carmen = UserFactory(username="carmen", about_me="")
    FollowFactory(follower=alice, followed=bob)
    FollowFactory(follower=alice, followed=carmen)
    FollowFactory(follower=bob, followed=alice)
    bodies = [
        (alice, "Trying the new coffee place on Main Street this morning.", 3),
        (bob, "The light at the harbour tonight was unreal: https://example.com/harbour", 40),
        (carmen, "Hola a todos, hoy hace muy buen tiempo en Madrid.", 200),
        (bob, "Golden hour over the old bridge, shot on film.", 1500),
        # A long unbroken link must wrap, not widen the page on a phone.
        (carmen, "Fotos: https://example.com/galerias/2024/madrid/retiro-al-atardecer-version-completa.jpg", 3000),
        (alice, "Reading about full-text search and coffee chemistry.", 10000),
    ]
    for author, body, minutes in bodies:
        post = PostFactory(
            author=author,
            body=body,
            language="es" if "Hola" in body else "en",
            created_at=now - timedelta(minutes=minutes),
        )
    MessageFactory(sender=bob, recipient=alice, body="Are you coming to the photo walk on Saturday?")
    MessageFactory(
        sender=alice, recipient=bob, body="Yes! Bringing the old film camera: https://example.com/cameras/1962"
    )
    MessageFactory(sender=carmen, recipient=alice, body="¡Gracias por seguirme!")
    # Alice's oldest post, liked twice and boosted: the entries of /activity/.
    like_post(user=bob, post=post)
    like_post(user=carmen, post=post)
    boost_post(user=bob, post=post)
    add_conversations(alice, bob, carmen)
    return alice


def add_conversations(alice, bob, carmen):
    """Replies three deep, one under a deleted post, boosts, likes, bookmarks, tags and mentions,
    and a long username and tag that must wrap on a phone."""
    long_name = UserFactory(username="maximilian_longname_photography_club")
    FollowFactory(follower=alice, followed=long_name)
    coffee = Post.objects.get(body__startswith="Trying the new coffee")
    first = publish_post(
        author=bob, body="@alice Which one? The one by the station does great #coffee", in_reply_to=coffee
    )
    second = publish_post(author=carmen, body="@bob @alice The station one, with oat milk. #coffee", in_reply_to=first)
    publish_post(author=alice, body="@carmen Noted, thanks! #coffee", in_reply_to=second)
    publish_post(author=long_name, body="Espresso or nothing. #coffee", in_reply_to=coffee)
    gone = publish_post(author=carmen, body="A post about #film that will be deleted.")
    publish_post(author=bob, body="@carmen Great shot, which #film stock?", in_reply_to=gone)
    delete_post(post=gone)
    bridge = Post.objects.get(body__startswith="Golden hour")
    boost_post(user=carmen, post=bridge)
    like_post(user=alice, post=bridge)
    bookmark_post(user=alice, post=bridge)
    bookmark_post(user=alice, post=first)
    publish_post(
        author=long_name,
        body="Tonight: #SupercalifragilisticexpialidociousPhotographyMeetupAtTheHarbour with @alice #film",
    )


# (name, path): what each screenshot is called and where it is.
SIGNED_IN_PAGES = [
    ("home", "/"),
    ("explore", "/explore/"),
    ("profile-own", "/user/alice/"),
    ("profile-other", "/user/bob/"),
    ("followers", "/user/alice/followers/"),
    ("messages", "/messages/"),
    ("conversation", "/messages/@bob/"),
    ("new-message", "/messages/new/"),
    ("activity", "/activity/"),
    ("bookmarks", "/bookmarks/"),
    ("tag", "/tags/coffee/"),
    ("profile-replies", "/user/bob/replies/"),
    ("search", "/search/?q=coffee"),
    ("edit-profile", "/edit_profile/"),
    ("two-factor", "/two_factor/"),
    ("two-factor-setup", "/two_factor/setup/"),
    ("api-docs", "/api/docs"),
]
ANONYMOUS_PAGES = [("login", "/auth/login/"), ("register", "/auth/register/"), ("visitor-api-docs", "/api/docs")]


def check_page(tab, name, path):
    """Photograph the page and run axe at both sizes, in light and dark mode."""
    for scheme in ("light", "dark"):
        tab.emulate_media(color_scheme=scheme)
        for viewport, size in VIEWPORTS.items():
            tab.set_viewport_size(size)
            tab.goto(path)
            if path.startswith("/api/docs"):  # Swagger UI draws the reference after loading the schema
                tab.locator(".swagger-ui .opblock").first.wait_for()
            assert tab.locator("html").get_attribute("data-bs-theme") == scheme
            save_screenshot(tab, f"{name}-{viewport}" + ("-dark" if scheme == "dark" else ""))
            overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {viewport} size"
            assert_accessible(tab)


@pytest.mark.parametrize(("name", "path"), SIGNED_IN_PAGES, ids=[name for name, _path in SIGNED_IN_PAGES])
def test_signed_in_page(name, path, page, log_in, community):
    log_in(page, community)

    check_page(page, name, path)


@pytest.mark.parametrize(("name", "path"), ANONYMOUS_PAGES, ids=[name for name, _path in ANONYMOUS_PAGES])
def test_anonymous_page(name, path, page):
    check_page(page, name, path)


# (name, the start of the post's body): a first post with replies three deep, and a reply
# whose parent was deleted.
THREADS = [("thread", "Trying the new coffee"), ("thread-deleted-parent", "@carmen Great shot")]


@pytest.mark.parametrize(("name", "body"), THREADS, ids=[name for name, _body in THREADS])
def test_thread_page(name, body, page, log_in, community):
    log_in(page, community)

    check_page(page, name, Post.objects.get(body__startswith=body).get_absolute_url())


def test_not_found_page(page, log_in, community, page_problems):
    page_problems.allow(r"status of 404")
    log_in(page, community)

    check_page(page, "404", "/user/nobody-by-that-name/")

    expect(page.get_by_role("heading", name="File not found")).to_be_visible()


def test_user_popup(page, log_in, community):
    log_in(page, community)
    for viewport, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.goto("/explore/")
        page.locator("#main article a.user-popup", has_text="carmen").first.hover()
        expect(page.locator(".popover")).to_be_visible()
        save_screenshot(page, f"popup-{viewport}")

    assert_accessible(page)
