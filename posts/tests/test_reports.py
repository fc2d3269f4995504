"""Reports of posts and people: the form pages, the service's rules, the moderators' e-mail and the API."""

import threading

import environ
import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from accounts.services import deactivate_users
from accounts.tests.factories import UserFactory, bearer
from accounts.tests.test_auth import Inbox, _free_port
from posts import services
from posts.models import Report
from posts.tests.factories import PostFactory, ReportFactory

pytestmark = pytest.mark.django_db

THANKS = "Thanks, our moderators will look at it."


@pytest.fixture
def me(client):
    user = UserFactory(username="reporter", email="reporter@example.com")
    client.force_login(user)
    return user


@pytest.fixture
def bob():
    return UserFactory(username="bob", email="bob@example.com")


@pytest.fixture
def moderator_with_email(moderator):
    moderator.email = "mod@example.com"
    moderator.save(update_fields=["email"])
    return moderator


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def report_post(client, post, **data):
    return client.post(reverse("posts:report", args=[post.pk]), {"category": "spam", **data}, follow=True)


# The form pages ------------------------------------------------------------------------


def test_visitors_are_sent_to_sign_in(client, bob):
    post = PostFactory(author=bob)

    response = client.get(reverse("posts:report", args=[post.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_post_page_offers_the_reported_post_checked_and_their_recent_posts(
    client, me, bob, django_assert_max_num_queries
):
    older = PostFactory.create_batch(12, author=bob)
    reported = older[0]  # beyond the ten newest: still offered, first

    with django_assert_max_num_queries(8):
        response = client.get(reverse("posts:report", args=[reported.pk]))

    assert response.status_code == 200
    form = response.context["form"]
    offered = [value for value, _label in form.fields["posts"].choices]
    assert offered[0] == reported.pk
    assert len(offered) == services.REPORTABLE_RECENT_POSTS + 1
    assert form.initial["posts"] == [reported.pk]
    html = response.content.decode()
    assert f'value="{reported.pk}"' in html
    assert "Report a post by @bob" in html
    assert 'type="radio"' in html


def test_the_person_page_offers_their_ten_newest_posts_none_checked(client, me, bob):
    PostFactory.create_batch(12, author=bob)

    response = client.get(reverse("posts:report_user", args=["BOB"]))

    assert response.status_code == 200
    form = response.context["form"]
    assert len(form.fields["posts"].choices) == services.REPORTABLE_RECENT_POSTS
    assert "posts" not in form.initial


def test_reporting_a_post_files_a_report_and_says_thanks(client, me, bob):
    post, other = PostFactory.create_batch(2, author=bob)

    response = report_post(client, post, category="harassment", comment="  mean to me  ", posts=[post.pk, other.pk])

    report = Report.objects.get()
    assert (report.reporter, report.target, report.category) == (me, bob, "harassment")
    assert report.comment == "mean to me"
    assert set(report.posts.all()) == {post, other}
    assert report.status == Report.Status.OPEN
    assert response.redirect_chain[-1][0] == post.get_absolute_url()
    assert THANKS in messages_of(response)


def test_reporting_a_person_goes_back_to_their_profile(client, me, bob):
    response = client.post(reverse("posts:report_user", args=["bob"]), {"category": "other"}, follow=True)

    report = Report.objects.get()
    assert report.target == bob
    assert not report.posts.exists()
    assert response.redirect_chain[-1][0] == reverse("posts:profile", args=["bob"])
    assert THANKS in messages_of(response)


def test_the_profile_and_the_popup_link_to_the_report_page(client, me, bob):
    url = reverse("posts:report_user", args=["bob"])

    assert url in client.get(reverse("posts:profile", args=["bob"])).content.decode()
    assert url in client.get(reverse("accounts:popup", args=["bob"])).content.decode()
    assert (
        url.replace("bob", "reporter") not in client.get(reverse("posts:profile", args=["reporter"])).content.decode()
    )


def test_others_posts_carry_a_report_link_and_ones_own_do_not(client, me, bob):
    theirs = PostFactory(author=bob)
    mine = PostFactory(author=me)

    html = client.get(reverse("posts:explore")).content.decode()

    assert reverse("posts:report", args=[theirs.pk]) in html
    assert reverse("posts:report", args=[mine.pk]) not in html


@pytest.mark.parametrize("page", ["post", "person"])
def test_one_cannot_report_oneself(client, me, page):
    post = PostFactory(author=me)
    url = reverse("posts:report", args=[post.pk]) if page == "post" else reverse("posts:report_user", args=["reporter"])

    response = client.post(url, {"category": "spam"}, follow=True)

    assert not Report.objects.exists()
    assert "You cannot report yourself." in messages_of(response)


def test_unknown_and_deactivated_people_and_posts_are_404s(client, me, bob):
    post = PostFactory(author=bob)
    deactivate_users(users=type(bob).objects.filter(pk=bob.pk))

    assert client.get(reverse("posts:report", args=[post.pk])).status_code == 404
    assert client.post(reverse("posts:report", args=[post.pk]), {"category": "spam"}).status_code == 404
    assert client.get(reverse("posts:report_user", args=["bob"])).status_code == 404
    assert client.get(reverse("posts:report_user", args=["nobody"])).status_code == 404
    assert client.get(reverse("posts:report", args=[2**62])).status_code == 404
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "category"),
        ({"category": "nonsense"}, "category"),
        ({"category": "spam", "comment": "x" * 1001}, "comment"),
        ({"category": "spam", "posts": ["abc"]}, "posts"),
    ],
)
def test_bad_input_is_a_form_error_with_the_text_kept(client, me, bob, data, field):
    post = PostFactory(author=bob)

    response = client.post(reverse("posts:report", args=[post.pk]), data)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Report.objects.exists()
    if "comment" in data:
        assert data["comment"] in response.content.decode()


def test_a_post_of_someone_else_cannot_be_slipped_into_a_report(client, me, bob):
    post = PostFactory(author=bob)
    stranger = PostFactory()

    response = client.post(reverse("posts:report", args=[post.pk]), {"category": "spam", "posts": [stranger.pk]})

    assert response.status_code == 200
    assert "posts" in response.context["form"].errors
    assert not Report.objects.exists()


def test_an_invisible_only_comment_is_no_comment(client, me, bob):
    report_post(client, PostFactory(author=bob), comment="\u200b\u2060 \ufeff")

    assert Report.objects.get().comment == ""


def test_the_same_report_twice_is_one_report(client, me, bob):
    post, other = PostFactory.create_batch(2, author=bob)
    report_post(client, post, posts=[post.pk])

    response = report_post(client, other, posts=[other.pk], comment="again")

    report = Report.objects.get()
    assert set(report.posts.all()) == {post, other}
    assert "Thanks: we added this to your earlier report about @bob." in messages_of(response)


def test_a_resolved_report_does_not_stop_a_new_one(client, me, bob):
    ReportFactory(reporter=me, target=bob, status=Report.Status.RESOLVED, resolved_at="2026-01-01T00:00:00Z")

    report_post(client, PostFactory(author=bob))

    assert Report.objects.count() == 2


def test_past_the_hourly_limit_the_form_says_so_and_keeps_the_text(client, me, settings):
    settings.REPORTS_PER_HOUR = 2
    for person in UserFactory.create_batch(2):
        ReportFactory(reporter=me, target=person)
    post = PostFactory()

    response = client.post(reverse("posts:report", args=[post.pk]), {"category": "spam", "comment": "keep me"})

    assert response.status_code == 200
    assert "You have sent 2 reports in the last hour." in response.content.decode()
    assert "keep me" in response.content.decode()
    assert Report.objects.count() == 2


def test_resolved_reports_do_not_count_toward_the_limit(client, me, settings):
    settings.REPORTS_PER_HOUR = 1
    ReportFactory(reporter=me, status=Report.Status.RESOLVED, resolved_at="2026-01-01T00:00:00Z")

    report_post(client, PostFactory())

    assert Report.objects.count() == 2


# The service and its e-mail ------------------------------------------------------------


def test_moderators_are_emailed_once_the_report_commits(
    client, me, bob, moderator_with_email, django_capture_on_commit_callbacks
):
    UserFactory(username="root", email="root@example.com", superuser=True)
    UserFactory(username="plainstaff", email="staff@example.com", is_staff=True)  # no moderation permission
    UserFactory(username="gone", email="gone@example.com", superuser=True, is_active=False)
    post = PostFactory(author=bob)

    with django_capture_on_commit_callbacks(execute=True):
        report_post(client, post, comment="look at this", posts=[post.pk])

    report = Report.objects.get()
    assert sorted(message.to[0] for message in mail.outbox) == ["mod@example.com", "root@example.com"]
    message = mail.outbox[0]
    assert message.subject == "[Microblog] New report about @bob"
    assert "@reporter reported @bob." in message.body
    assert "Spam" in message.body
    assert "look at this" in message.body
    assert "1 post included." in message.body
    assert f"http://testserver/admin/posts/report/{report.pk}/change/" in message.body


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback, keeping what it receives (as accounts' reset e-mail test has)."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_the_moderators_email_goes_out_through_a_real_smtp_connection(
    client,
    me,
    bob,
    moderator_with_email,
    smtp_server,
    django_capture_on_commit_callbacks,
):
    controller, inbox = smtp_server
    email_settings = environ.Env.email_url_config(f"smtp://{controller.hostname}:{controller.port}")

    with override_settings(**email_settings), django_capture_on_commit_callbacks(execute=True):
        report_post(client, PostFactory(author=bob), comment="über the line")

    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["mod@example.com"]
    raw = envelope.content.decode()
    assert "Subject: [Microblog] New report about @bob" in raw
    assert "/admin/posts/report/" in raw


def test_a_user_given_the_permission_directly_is_a_moderator(bob):
    helper = UserFactory(is_staff=True, email="helper@example.com")
    helper.user_permissions.add(Permission.objects.get(codename="change_report"))
    outsider = UserFactory(email="outsider@example.com")
    outsider.groups.add(Group.objects.get(name="Moderators"))  # not staff: cannot open the admin

    assert list(services.moderators()) == [helper]


def test_a_duplicate_emails_nobody(client, me, bob, moderator_with_email, django_capture_on_commit_callbacks):
    report_post(client, PostFactory(author=bob))

    with django_capture_on_commit_callbacks(execute=True):
        report_post(client, PostFactory(author=bob))

    assert mail.outbox == []


def test_a_failing_mail_server_does_not_lose_the_report(
    client, me, bob, moderator_with_email, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(**kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(services, "send_new_report_email", refuse)

    with django_capture_on_commit_callbacks(execute=True):
        response = report_post(client, PostFactory(author=bob))

    assert response.status_code == 200
    assert Report.objects.exists()


def test_the_service_refuses_posts_of_someone_else(me, bob):
    with pytest.raises(services.ValidationError):
        services.file_report(reporter=me, target=bob, category="spam", posts=[PostFactory()])


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)")
def test_two_identical_reports_at_once_are_one():
    reporter, target = UserFactory(), UserFactory()
    barrier = threading.Barrier(2)
    results = []

    def send():
        try:
            barrier.wait()
            results.append(services.file_report(reporter=reporter, target=target, category="spam")[1])
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False, True]
    assert Report.objects.count() == 1


# The API -------------------------------------------------------------------------------


def api_report(client, user, body):
    return client.post("/api/reports", body, content_type="application/json", headers=bearer(user))


def test_the_api_files_a_report_of_posts(client, me, bob):
    post = PostFactory(author=bob)

    response = api_report(client, me, {"posts": [post.pk], "category": "illegal", "comment": "see"})

    assert response.status_code == 201
    report = Report.objects.get()
    assert response.json() == {
        "id": report.pk,
        "user": bob.pk,
        "posts": [post.pk],
        "category": "illegal",
        "comment": "see",
        "status": "open",
        "created_at": response.json()["created_at"],
    }


def test_the_api_files_a_report_of_a_person_and_merges_a_repeat(client, me, bob):
    post = PostFactory(author=bob)
    first = api_report(client, me, {"user": bob.pk, "category": "spam"})

    again = api_report(client, me, {"user": bob.pk, "posts": [post.pk], "category": "spam"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["posts"] == [post.pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "category"),
        ({"category": "spam"}, None),
        ({"user": "1", "category": "spam"}, "user"),
        ({"user": True, "category": "spam"}, "user"),
        ({"user": 2**70, "category": "spam"}, "user"),
        ({"user": 0, "category": "spam"}, "user"),
        ({"posts": "1", "category": "spam"}, "posts"),
        ({"posts": [{"a": [1]}], "category": "spam"}, "posts"),
        ({"posts": list(range(1, 30)), "category": "spam"}, "posts"),
        ({"user": 1, "category": ["spam"]}, "category"),
        ({"user": 1, "category": "spam", "comment": 5}, "comment"),
        ({"user": 1, "category": "spam", "comment": "x" * 1001}, "comment"),
    ],
)
def test_the_api_answers_bad_input_with_a_400_that_says_why(client, me, body, field):
    response = api_report(client, me, body)

    assert response.status_code == 400
    data = response.json()
    assert data["error"] == "Bad Request"
    assert data["message"]
    if field:
        assert field in data["errors"]
    assert not Report.objects.exists()


def test_the_api_refuses_unknown_people_and_posts_oneself_and_mixed_authors(client, me, bob):
    mine, theirs, other = PostFactory(author=me), PostFactory(author=bob), PostFactory()
    gone = PostFactory(author=bob)
    gone_id = gone.pk
    gone.delete()

    answers = [
        api_report(client, me, {"user": 2**62, "category": "spam"}),
        api_report(client, me, {"user": me.pk, "category": "spam"}),
        api_report(client, me, {"posts": [mine.pk], "category": "spam"}),
        api_report(client, me, {"posts": [theirs.pk, other.pk], "category": "spam"}),
        api_report(client, me, {"user": bob.pk, "posts": [other.pk], "category": "spam"}),
        api_report(client, me, {"posts": [gone_id], "category": "spam"}),
    ]

    assert [answer.status_code for answer in answers] == [400] * 6
    assert "There is no user" in answers[0].json()["message"]
    assert "You cannot report yourself." in answers[1].json()["message"]
    assert f"There is no post {gone_id}" in answers[5].json()["message"]
    assert not Report.objects.exists()


def test_the_api_refuses_reports_past_the_hourly_limit_with_a_429(client, me, settings):
    settings.REPORTS_PER_HOUR = 1
    ReportFactory(reporter=me)

    response = api_report(client, me, {"user": UserFactory().pk, "category": "spam"})

    assert response.status_code == 429
    assert "in the last hour" in response.json()["message"]
    assert Report.objects.count() == 1


def test_the_api_answers_malformed_json_with_a_400(client, me):
    deep = "[" * 100 + "]" * 100
    for raw in ["{", deep, b'{"category": "spam", "user": 1' + b"\xff"]:
        response = client.post("/api/reports", raw, content_type="application/json", headers=bearer(me))
        assert response.status_code == 400
    assert not Report.objects.exists()


def test_the_api_needs_a_token(client, bob):
    response = client.post("/api/reports", {"user": bob.pk, "category": "spam"}, content_type="application/json")

    assert response.status_code == 401
