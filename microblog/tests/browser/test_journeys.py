"""What people do on the site, start to finish, in a real browser against the live server."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Follow
from accounts.services import deactivate_users
from accounts.tests.factories import UserFactory
from posts.models import ExportJob
from posts.services import send_message
from posts.tests.factories import PostFactory

from .conftest import save_screenshot

# The live server answers from another thread, so the test's rows must be committed.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

User = get_user_model()
NEW_PASSWORD = "a brand new passphrase 42"


def test_a_new_user_registers_posts_and_sees_the_post_on_home_and_explore(page):
    page.goto("/auth/register/")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Password*", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Register").click()

    expect(page.get_by_role("heading", name="Hi, newcomer!")).to_be_visible()
    expect(page.get_by_role("heading", name="Welcome to Microblog")).to_be_visible()
    save_screenshot(page, "home-empty-desktop")
    page.get_by_label("Say something").fill("Hello, world! My very first post.")
    page.get_by_role("button", name="Post").click()

    expect(page.get_by_role("alert")).to_contain_text("Your post is now live!")
    expect(page.locator("article.post")).to_contain_text("Hello, world! My very first post.")
    page.get_by_role("link", name="Explore").click()
    expect(page.locator("article.post").first).to_contain_text("Hello, world! My very first post.")


def test_a_follower_sees_the_followed_users_post_in_their_feed(page, log_in):
    writer = UserFactory(username="writer")
    PostFactory(author=writer, body="Notes from the writer's desk")
    log_in(page, UserFactory(username="reader"))
    page.goto("/")
    expect(page.get_by_text("Notes from the writer's desk")).to_have_count(0)

    page.goto("/user/writer/")
    page.get_by_role("button", name="Follow writer", exact=True).click()

    expect(page.locator("#page-status")).to_have_text("You follow @writer.")
    expect(page.get_by_role("button", name="Unfollow writer")).to_be_visible()
    page.get_by_role("link", name="Home").click()
    expect(page.locator("article.post")).to_contain_text("Notes from the writer's desk")


def test_the_follow_button_works_inside_the_user_popup(page, log_in):
    PostFactory(author=UserFactory(username="poppy"), body="Hover over my name")
    reader = UserFactory(username="reader")
    log_in(page, reader)
    page.goto("/explore/")

    page.locator("#main article a.user-popup", has_text="poppy").hover()
    popup = page.locator(".popover")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("1 post")
    page.evaluate("() => { window.notReloaded = true; }")
    with page.expect_response("**/follow/poppy/"):
        popup.get_by_role("button", name="Follow poppy").click()

    expect(page.locator("#page-status")).to_have_text("You follow @poppy.")
    expect(popup.get_by_role("button", name="Unfollow poppy")).to_be_visible()
    expect(popup).to_contain_text("1 follower")
    assert page.evaluate("() => window.notReloaded") is True
    assert page.url.endswith("/explore/")
    assert Follow.objects.filter(follower=reader, followed__username="poppy").exists()
    page.reload()
    page.wait_for_load_state()  # app.js listens from DOMContentLoaded on
    page.locator("#main article a.user-popup", has_text="poppy").hover()
    expect(page.locator(".popover").get_by_role("button", name="Unfollow poppy")).to_be_visible()


def test_a_private_message_lights_up_the_recipients_badge_without_a_reload(page, open_tab, log_in, fast_polling):
    recipient_tab = log_in(page, UserFactory(username="recipient"))
    recipient_tab.goto("/explore/")
    badge = recipient_tab.locator("#message-count")
    expect(badge).to_be_hidden()
    recipient_tab.evaluate("() => { window.notReloaded = true; }")

    sender_tab = log_in(open_tab(), UserFactory(username="sender"))
    sender_tab.goto("/user/recipient/")
    sender_tab.get_by_role("link", name="Send private message").click()
    sender_tab.get_by_label("Message", exact=True).fill("Lunch on Friday?")
    sender_tab.get_by_role("button", name="Send", exact=True).click()
    expect(sender_tab.locator("#conversation > li").last).to_contain_text("Lunch on Friday?")

    expect(badge).to_be_visible()
    expect(badge).to_have_text("1")
    assert recipient_tab.evaluate("() => window.notReloaded") is True
    recipient_tab.get_by_role("link", name=re.compile("^Messages")).click()
    expect(recipient_tab.locator("#conversation-sender")).to_contain_text("Lunch on Friday?")
    expect(recipient_tab.locator("#message-count")).to_have_text("1")  # the inbox only lists it
    recipient_tab.get_by_role("link", name="sender", exact=True).click()
    expect(recipient_tab.locator("#conversation > li").last).to_contain_text("Lunch on Friday?")
    expect(recipient_tab.locator("#message-count")).to_be_hidden()


def test_the_badge_keeps_the_navbars_count_after_a_sender_is_deactivated(page, log_in, fast_polling):
    reader, spammer, friend = UserFactory(username="reader"), UserFactory(), UserFactory()
    for sender in (spammer, spammer, friend):
        send_message(sender=sender, recipient=reader, body="hello")
    deactivate_users(users=User.objects.filter(pk=spammer.pk))
    tab = log_in(page, reader)

    polled = re.compile(r"/notifications/\?since=")
    with tab.expect_response(polled):  # the poll the page makes as it loads
        tab.goto("/explore/")
    with tab.expect_response(polled):  # and the next one
        pass

    expect(tab.locator("#message-count")).to_have_text("1")


def test_an_export_shows_its_progress_and_ends_with_an_email(page, log_in, fast_polling, run_worker, mailoutbox):
    me = UserFactory(username="exporter", email="exporter@example.com")
    PostFactory.create_batch(3, author=me)
    log_in(page, me)
    page.goto("/")

    page.get_by_role("button", name="exporter").click()
    page.get_by_role("button", name="Export my posts").click()

    expect(page.get_by_role("alert")).to_contain_text("Your posts are being exported")
    progress = page.locator("#export-progress")
    expect(progress).to_contain_text("waiting for a worker")
    run_worker()
    expect(progress.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(progress).to_contain_text("100%")
    expect(page.get_by_role("alert").filter(has_text="exported and emailed")).to_be_visible()
    assert ExportJob.objects.get(user=me).state == ExportJob.State.DONE
    (message,) = mailoutbox
    assert message.to == ["exporter@example.com"]
    assert message.attachments[0][0] == "posts.json"


def test_the_user_menu_switches_the_site_to_spanish(page, log_in):
    me = UserFactory(username="viajera")
    PostFactory(author=me, body="Una publicación de hace un rato", created_at=timezone.now() - timedelta(minutes=5))
    log_in(page, me)
    page.goto("/")
    expect(page.locator("nav").get_by_role("link", name="Home")).to_be_visible()

    page.get_by_role("button", name="viajera").click()
    page.get_by_role("button", name="Español").click()

    expect(page.locator("html")).to_have_attribute("lang", "es")
    navbar = page.get_by_role("navigation", name="Navegación principal")
    expect(navbar.get_by_role("link", name="Inicio")).to_be_visible()
    expect(navbar.get_by_role("link", name="Explorar")).to_be_visible()
    expect(page.locator("article.post time")).to_have_text("hace 5 minutos")


def test_a_forgotten_password_is_reset_through_the_emailed_link(page, sign_in_with_form, mailoutbox):
    UserFactory(username="forgetful", email="forgetful@example.com")
    page.goto("/auth/login/")
    page.get_by_role("link", name="Click to reset it").click()
    page.get_by_label("Email").fill("forgetful@example.com")
    page.get_by_role("button", name="Request password reset").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    (message,) = mailoutbox
    link = re.search(r"https?://\S+/auth/reset/\S+/", message.body).group()
    page.goto(link)
    page.get_by_label("New password*", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Reset password").click()
    expect(page.get_by_role("heading", name="Your password has been reset")).to_be_visible()

    sign_in_with_form(page, "forgetful", NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Hi, forgetful!")).to_be_visible()


def test_search_highlights_the_words_it_found(page, log_in):
    PostFactory(body="Espresso or filter coffee: the eternal question")
    PostFactory(body="Tea is fine too")
    log_in(page, UserFactory())
    page.goto("/")

    page.get_by_label("Search posts").fill("coffee")
    page.get_by_label("Search posts").press("Enter")

    expect(page.get_by_role("heading", name="Search")).to_be_visible()
    results = page.locator("article.post")
    expect(results).to_have_count(1)
    expect(results.locator("mark")).to_have_text("coffee")


def test_logging_out_ends_the_session(page, log_in):
    log_in(page, UserFactory(username="leaving"))
    page.goto("/")

    page.get_by_role("button", name="leaving").click()
    page.get_by_role("button", name="Log out").click()

    expect(page.get_by_role("alert")).to_contain_text("You have been signed out.")
    page.goto("/")
    expect(page.get_by_role("heading", name="Welcome to Microblog")).to_be_visible()  # the visitors' landing page
    page.goto("/messages/")
    expect(page).to_have_url(re.compile(r"/auth/login/\?next=/messages/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_an_author_deletes_their_own_post_after_confirming(page, log_in):
    author = UserFactory()
    PostFactory(author=author, body="Keep this one")
    PostFactory(author=author, body="A post to take back")
    log_in(page, author)
    page.goto("/explore/")
    page.goto("/explore/")  # the second time from the cached fragments

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("article.post", has_text="A post to take back").get_by_role("button", name="Delete").click()
    expect(page.locator("article.post")).to_have_count(2)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("article.post", has_text="A post to take back").get_by_role("button", name="Delete").click()

    expect(page.locator("article.post")).to_have_count(1)
    expect(page.locator("article.post")).to_contain_text("Keep this one")
