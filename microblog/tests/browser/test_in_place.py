"""Follow, unfollow and delete in place: the page changes, the live region speaks, nothing reloads."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Follow
from accounts.tests.factories import FollowFactory, UserFactory
from posts.models import Post
from posts.tests.factories import PostFactory

from .conftest import VIEWPORTS, assert_accessible, save_screenshot
from .test_accessibility import tab_to

# The live server answers from another thread, so the test's rows must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def writer(username: str, followers: int = 1, body: str = "A post worth reading"):
    person = UserFactory(username=username)
    PostFactory(author=person, body=body)
    for _ in range(followers):
        FollowFactory(followed=person)
    return person


def expect_label(button, label: str):
    """Assert the one label of a follow button that is seen: "Follow", "Following" or "Unfollow"."""
    follow, following, unfollow = (
        button.locator(f".follow-label-{name}") for name in ("follow", "following", "unfollow")
    )
    if label == "Follow":
        expect(follow).to_be_visible()
        expect(following).to_be_hidden()
        expect(unfollow).to_be_hidden()
    else:
        expect(follow).to_be_hidden()
        (expect(following).to_be_visible if label == "Following" else expect(following).to_be_hidden)()
        expect(unfollow).to_have_css("opacity", "0" if label == "Following" else "1")


def mark_loaded(page):
    page.evaluate("() => { window.notReloaded = true; }")


def assert_not_reloaded(page):
    assert page.evaluate("() => window.notReloaded") is True


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_newcomer_follows_a_suggestion_from_the_welcome_card_in_place(open_tab, log_in, size):
    writer("ana", followers=3, body="Ana writes here")
    writer("bob", followers=1)
    newcomer = UserFactory(username="newcomer", about_me="")
    page = log_in(open_tab(viewport=VIEWPORTS[size]), newcomer)
    page.goto("/")
    card = page.get_by_role("region", name="Welcome to Microblog")
    expect(card).to_be_visible()
    save_screenshot(page, f"welcome-{size}")
    mark_loaded(page)
    follow = card.get_by_role("button", name="Follow ana", exact=True)

    with page.expect_response("**/follow/ana/"):
        follow.click()

    unfollow = card.get_by_role("button", name="Unfollow ana", exact=True)
    expect(unfollow).to_be_visible()
    expect_label(unfollow, "Following")  # just pressed: it does not offer to undo at once
    expect(page.locator("#page-status")).to_have_text("You follow @ana.")
    expect(card.get_by_text("4 followers")).to_be_visible()
    assert_not_reloaded(page)
    assert page.url.endswith("/")
    assert Follow.objects.filter(follower=newcomer, followed__username="ana").exists()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    save_screenshot(page, f"welcome-followed-{size}")

    page.reload()

    # The feed is no longer empty: ana's post, and the same state on her profile.
    expect(page.locator("article.post")).to_contain_text("Ana writes here")
    page.goto("/user/ana/")
    expect(page.get_by_role("button", name="Unfollow ana")).to_be_visible()


def test_a_followed_button_reads_following_and_offers_unfollow_on_hover_and_focus(page, log_in):
    me = UserFactory(username="me")
    FollowFactory(follower=me, followed=writer("ana"))
    log_in(page, me)
    page.goto("/user/ana/")
    button = page.get_by_role("button", name="Unfollow ana", exact=True)

    expect_label(button, "Following")
    button.hover()
    expect_label(button, "Unfollow")
    page.mouse.move(0, 0)
    expect_label(button, "Following")
    page.locator("h1").click()
    tab_to(page, button)
    expect_label(button, "Unfollow")
    page.keyboard.press("Tab")
    expect_label(button, "Following")
    expect(page.get_by_role("link", name="Send private message")).to_be_focused()


def test_unfollow_in_place_and_back(page, log_in):
    me = UserFactory(username="me")
    FollowFactory(follower=me, followed=writer("ana"))
    log_in(page, me)
    page.goto("/user/ana/")
    mark_loaded(page)
    header = page.locator(".profile-header")

    with page.expect_response("**/unfollow/ana/"):
        header.get_by_role("button", name="Unfollow ana").click()

    expect(page.locator("#page-status")).to_have_text("You no longer follow @ana.")
    expect(header.get_by_role("link", name="1 follower")).to_be_visible()
    with page.expect_response("**/follow/ana/"):
        header.get_by_role("button", name="Follow ana", exact=True).click()
    expect(page.locator("#page-status")).to_have_text("You follow @ana.")
    expect(header.get_by_role("link", name="2 followers")).to_be_visible()
    assert_not_reloaded(page)
    assert Follow.objects.filter(follower=me, followed__username="ana").exists()


def test_a_keyboard_user_follows_from_the_user_popup(page, log_in):
    writer("poppy", followers=0, body="Tab to my name")
    log_in(page, UserFactory(username="keys"))
    page.goto("/explore/")
    mark_loaded(page)
    name = page.locator("#main article a.user-popup", has_text="poppy")
    tab_to(page, name)
    popup = page.locator(".popover")
    expect(popup).to_be_visible()

    follow = popup.get_by_role("button", name="Follow poppy", exact=True)
    tab_to(page, follow, max_presses=6)
    with page.expect_response("**/follow/poppy/"):
        page.keyboard.press("Enter")

    unfollow = popup.get_by_role("button", name="Unfollow poppy", exact=True)
    expect(unfollow).to_be_focused()
    expect(page.locator("#page-status")).to_have_text("You follow @poppy.")
    expect(popup).to_contain_text("1 follower")
    assert_not_reloaded(page)
    page.keyboard.press("Escape")
    expect(popup).to_be_hidden()
    expect(name).to_be_focused()


def test_a_failed_follow_puts_the_button_back_and_says_why(page, log_in, page_problems):
    page_problems.allow(r"status of 500|HTTP 500")
    writer("ana")
    log_in(page, UserFactory(username="me"))
    page.route("**/follow/ana/", lambda route: route.fulfill(status=500, body="Server Error"))
    page.goto("/user/ana/")
    mark_loaded(page)

    page.get_by_role("button", name="Follow ana", exact=True).click()

    expect(page.locator("#page-status")).to_have_text("Sorry, that did not work. Please try again.")
    expect(page.get_by_role("button", name="Follow ana", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="1 follower")).to_be_visible()
    assert_not_reloaded(page)
    assert not Follow.objects.filter(follower__username="me").exists()


def test_an_unreachable_server_puts_the_button_back_and_says_so(page, log_in, page_problems):
    page_problems.allow(r"request failed|Failed to fetch|ERR_FAILED")
    me = UserFactory(username="me")
    FollowFactory(follower=me, followed=writer("ana"))
    log_in(page, me)
    page.route("**/unfollow/ana/", lambda route: route.abort())
    page.goto("/user/ana/")

    page.get_by_role("button", name="Unfollow ana").click()

    expect(page.locator("#page-status")).to_contain_text("Could not reach the server")
    expect(page.get_by_role("button", name="Unfollow ana")).to_be_visible()


def test_following_someone_gone_meanwhile_says_so(page, log_in, page_problems):
    page_problems.allow(r"status of 404|HTTP 404")
    ana = writer("ana")
    log_in(page, UserFactory(username="me"))
    page.goto("/user/ana/")
    ana.delete()

    page.get_by_role("button", name="Follow ana", exact=True).click()

    expect(page.locator("#page-status")).to_have_text("This account is no longer available.")
    expect(page.get_by_role("button", name="Follow ana", exact=True)).to_be_visible()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_delete_in_place_after_the_question(open_tab, log_in, size):
    me = UserFactory(username="me")
    keep, gone = PostFactory(author=me, body="This one stays"), PostFactory(author=me, body="This one goes")
    page = log_in(open_tab(viewport=VIEWPORTS[size]), me)
    page.goto("/user/me/")
    mark_loaded(page)
    article = page.locator(f"#post-{gone.pk}")

    page.once("dialog", lambda dialog: dialog.dismiss())
    article.get_by_role("button", name="Delete").click()
    expect(article).to_be_visible()  # "Cancel" keeps it
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response(f"**/post/{gone.pk}/delete/"):
        article.get_by_role("button", name="Delete").click()

    expect(article).to_have_count(0)
    expect(page.locator("#page-status")).to_have_text("Your post has been deleted.")
    expect(page.locator(".profile-header")).to_contain_text("1 post")
    expect(page.locator(f"#post-{keep.pk}")).to_be_visible()
    assert_not_reloaded(page)
    assert list(Post.objects.values_list("pk", flat=True)) == [keep.pk]
    save_screenshot(page, f"deleted-in-place-{size}")


def test_a_failed_delete_keeps_the_post_and_says_why(page, log_in, page_problems):
    page_problems.allow(r"status of 404|HTTP 404")
    me = UserFactory(username="me")
    post = PostFactory(author=me, body="Deleted in another tab")
    log_in(page, me)
    page.goto("/user/me/")
    Post.objects.filter(pk=post.pk).delete()
    page.on("dialog", lambda dialog: dialog.accept())

    page.locator(f"#post-{post.pk}").get_by_role("button", name="Delete").click()

    expect(page.locator("#page-status")).to_have_text("This post is no longer available.")
    expect(page.locator(f"#post-{post.pk}")).to_be_visible()


def test_without_javascript_follow_and_delete_reload_with_a_banner(open_tab, log_in):
    me = UserFactory(username="plain")
    post = PostFactory(author=me, body="Mine")
    writer("ana")
    page = log_in(open_tab(java_script_enabled=False), me)
    page.goto("/user/ana/")

    page.get_by_role("button", name="Follow ana", exact=True).click()

    page.wait_for_url("**/user/ana/")
    expect(page.get_by_role("alert")).to_contain_text("You are following ana!")
    expect(page.get_by_role("button", name="Unfollow ana")).to_be_visible()
    page.goto(reverse("posts:post", args=[post.pk]))
    page.locator(f"#post-{post.pk}").get_by_role("button", name="Delete").click()
    page.wait_for_url("**/user/plain/")
    expect(page.get_by_role("alert")).to_contain_text("Your post has been deleted.")
    assert not Post.objects.filter(pk=post.pk).exists()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_welcome_card_and_the_follow_states_pass_axe(open_tab, log_in, scheme):
    followed = writer("ana", followers=2)
    writer("bob")
    writer("cy")
    newcomer = UserFactory(username="newcomer", about_me="")
    page = log_in(open_tab(color_scheme=scheme), newcomer)
    page.goto("/")
    with page.expect_response("**/follow/bob/"):
        page.get_by_role("button", name="Follow bob", exact=True).click()
    expect(page.locator("#page-status")).to_have_text("You follow @bob.")  # the live region, shown

    assert_accessible(page)
    page.get_by_role("button", name="Unfollow bob").hover()
    assert_accessible(page)  # the hover colours
    save_screenshot(page, f"welcome-unfollow-hover-{scheme}")
    FollowFactory(follower=newcomer, followed=followed)
    page.goto("/explore/")
    expect(page.get_by_role("region", name="Who to follow")).to_be_visible()
    assert_accessible(page)
