"""The moderation queue in the admin: its order, its cost, and each action resolving and telling the reporter."""

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory
from microblog.tests.queries import count_queries
from posts.models import Post, Report
from posts.tests.factories import AttachmentFactory, PostFactory, ReportFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:posts_report_changelist")


@pytest.fixture(params=["superuser", "moderator"])
def staff_client(request, client, moderator):
    """A client signed in once as a superuser, once as a moderator."""
    client.force_login(moderator if request.param == "moderator" else UserFactory(superuser=True))
    return client


def act(client, action, reports):
    return client.post(QUEUE, {"action": action, "_selected_action": [report.pk for report in reports]}, follow=True)


def resolved(report) -> Report:
    report.refresh_from_db()
    assert report.status == Report.Status.RESOLVED
    assert report.resolved_at is not None
    return report


def test_the_queue_lists_open_first_then_assigned_then_resolved_newest_first(superuser_client):
    old_open = ReportFactory()
    done = ReportFactory(status=Report.Status.RESOLVED, resolved_at="2026-01-01T00:00:00Z")
    assigned = ReportFactory(status=Report.Status.ASSIGNED)
    new_open = ReportFactory()

    response = superuser_client.get(QUEUE)

    assert list(response.context["cl"].result_list) == [new_open, old_open, assigned, done]


def test_the_queue_filters_by_status_and_category(superuser_client):
    spam = ReportFactory(category="spam")
    ReportFactory(category="illegal")
    ReportFactory(category="spam", status=Report.Status.RESOLVED, resolved_at="2026-01-01T00:00:00Z")

    response = superuser_client.get(QUEUE, {"status__exact": 1, "category__exact": "spam"})

    assert list(response.context["cl"].result_list) == [spam]


def test_the_queue_searches_by_the_reported_username(superuser_client):
    about_ana = ReportFactory(target=UserFactory(username="ana"))
    ReportFactory()

    response = superuser_client.get(QUEUE, {"q": "@ANA"})

    assert list(response.context["cl"].result_list) == [about_ana]


def test_the_queue_costs_the_same_for_1_and_50_reports(staff_client, django_assert_max_num_queries):
    ReportFactory(assignee=UserFactory(is_staff=True), status=Report.Status.ASSIGNED)
    small = count_queries(staff_client, QUEUE, django_assert_max_num_queries, 8)
    ReportFactory.create_batch(49, assignee=UserFactory(is_staff=True), status=Report.Status.ASSIGNED)
    large = count_queries(staff_client, QUEUE, django_assert_max_num_queries, 8)

    assert small == large


def test_a_report_shows_its_posts_inline_without_a_query_per_post(staff_client, django_assert_max_num_queries):
    target = UserFactory(username="spammer")
    one = ReportFactory(target=target, posts=[PostFactory(author=target, body="buy now")])
    small = count_queries(
        staff_client, reverse("admin:posts_report_change", args=[one.pk]), django_assert_max_num_queries, 10
    )
    posts = PostFactory.create_batch(10, author=target)
    AttachmentFactory(post=posts[0])
    many = ReportFactory(target=target, posts=posts)
    url = reverse("admin:posts_report_change", args=[many.pk])
    large = count_queries(staff_client, url, django_assert_max_num_queries, 10)

    assert small == large
    html = staff_client.get(url).content.decode()
    assert "spammer" in html
    assert reverse("admin:posts_post_change", args=[posts[0].pk]) in html


def test_no_one_adds_reports_in_the_admin_and_only_a_superuser_deletes_one(moderator_client):
    report = ReportFactory()

    assert moderator_client.get(reverse("admin:posts_report_add")).status_code == 403
    assert (
        moderator_client.post(reverse("admin:posts_report_delete", args=[report.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert Report.objects.filter(pk=report.pk).exists()


def test_giving_a_report_an_assignee_assigns_it(superuser_client, moderator):
    report = ReportFactory()
    url = reverse("admin:posts_report_change", args=[report.pk])

    superuser_client.post(url, {"assignee": moderator.pk, "resolution_note": "on it"})

    report.refresh_from_db()
    assert (report.status, report.assignee, report.resolution_note) == (Report.Status.ASSIGNED, moderator, "on it")

    superuser_client.post(url, {"assignee": "", "resolution_note": ""})

    report.refresh_from_db()
    assert (report.status, report.assignee) == (Report.Status.OPEN, None)


def test_assign_to_me(moderator_client, moderator):
    reports = ReportFactory.create_batch(2)

    act(moderator_client, "assign_to_me", reports)

    assert set(Report.objects.values_list("status", "assignee")) == {(Report.Status.ASSIGNED, moderator.pk)}
    assert mail.outbox == []


def test_delete_posts_deletes_the_reported_posts_resolves_and_tells_the_reporter(
    moderator_client, moderator, django_capture_on_commit_callbacks
):
    reporter = UserFactory(email="reporter@example.com")
    target = UserFactory()
    reported, kept = PostFactory(author=target), PostFactory(author=target)
    report = ReportFactory(reporter=reporter, target=target, posts=[reported])

    with django_capture_on_commit_callbacks(execute=True):
        response = act(moderator_client, "delete_posts", [report])

    assert list(Post.objects.all()) == [kept]
    report = resolved(report)
    assert report.resolution == Report.Resolution.POSTS_DELETED
    assert report.assignee == moderator
    assert LogEntry.objects.filter(action_flag=DELETION, object_id=str(reported.pk)).exists()
    assert "1 post deleted. 1 report resolved" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["reporter@example.com"]
    assert message.subject == "[Microblog] Your report was reviewed"
    assert "the reported posts were deleted" in message.body


def test_actions_on_posts_leave_a_report_without_posts_open(moderator_client):
    report = ReportFactory()

    response = act(moderator_client, "delete_posts", [report])

    report.refresh_from_db()
    assert report.status == Report.Status.OPEN
    assert "1 report left open: it names no post." in response.content.decode()


def test_mark_sensitive_marks_the_reported_posts_and_resolves(moderator_client, django_capture_on_commit_callbacks):
    target = UserFactory()
    post = PostFactory(author=target)
    PostFactory(author=target)  # not reported: left as it is
    report = ReportFactory(target=target, posts=[post])

    with django_capture_on_commit_callbacks(execute=True):
        act(moderator_client, "mark_sensitive", [report])

    assert list(Post.objects.filter(is_sensitive=True)) == [post]
    assert resolved(report).resolution == Report.Resolution.MARKED_SENSITIVE
    assert len(mail.outbox) == 1


def test_warn_emails_the_reported_person_with_the_note_and_resolves(
    moderator_client, django_capture_on_commit_callbacks
):
    target = UserFactory(username="rude", email="rude@example.com")
    reporter = UserFactory(email="reporter@example.com")
    report = ReportFactory(reporter=reporter, target=target, category="harassment", resolution_note="Be kind.")

    with django_capture_on_commit_callbacks(execute=True):
        act(moderator_client, "warn", [report])

    assert resolved(report).resolution == Report.Resolution.WARNED
    warning = next(message for message in mail.outbox if message.to == ["rude@example.com"])
    assert warning.subject == "[Microblog] A warning from the moderators"
    assert "Harassment or hate" in warning.body
    assert "Be kind." in warning.body
    assert "reporter" not in warning.body.lower().replace("reported", "")  # the reporter stays unnamed
    assert any(message.to == ["reporter@example.com"] for message in mail.outbox)


def test_suspend_deactivates_the_reported_person_and_resolves(moderator_client, django_capture_on_commit_callbacks):
    target = UserFactory()
    report = ReportFactory(target=target)

    with django_capture_on_commit_callbacks(execute=True):
        act(moderator_client, "suspend", [report])

    target.refresh_from_db()
    assert not target.is_active
    assert resolved(report).resolution == Report.Resolution.SUSPENDED
    assert LogEntry.objects.filter(object_id=str(target.pk)).exists()
    assert len(mail.outbox) == 1


def test_a_moderator_cannot_suspend_staff_and_the_report_stays_open(moderator_client):
    report = ReportFactory(target=UserFactory(is_staff=True))

    response = act(moderator_client, "suspend", [report])

    assert User.objects.get(pk=report.target_id).is_active
    report.refresh_from_db()
    assert report.status == Report.Status.OPEN
    assert "1 report left open" in response.content.decode()


def test_dismiss_resolves_without_touching_anything(moderator_client, django_capture_on_commit_callbacks):
    target = UserFactory()
    post = PostFactory(author=target)
    report = ReportFactory(target=target, posts=[post])

    with django_capture_on_commit_callbacks(execute=True):
        act(moderator_client, "dismiss", [report])

    assert resolved(report).resolution == Report.Resolution.DISMISSED
    assert Post.objects.filter(pk=post.pk, is_sensitive=False).exists()
    assert User.objects.get(pk=target.pk).is_active
    assert "no action was needed" in mail.outbox[0].body


def test_actions_skip_resolved_reports(moderator_client, django_capture_on_commit_callbacks):
    target = UserFactory()
    post = PostFactory(author=target)
    done = ReportFactory(
        target=target,
        posts=[post],
        status=Report.Status.RESOLVED,
        resolution=Report.Resolution.DISMISSED,
        resolved_at="2026-01-01T00:00:00Z",
    )

    with django_capture_on_commit_callbacks(execute=True):
        act(moderator_client, "delete_posts", [done])

    done.refresh_from_db()
    assert done.resolution == Report.Resolution.DISMISSED
    assert Post.objects.filter(pk=post.pk).exists()
    assert mail.outbox == []


def test_the_resolution_email_speaks_the_reporters_language(moderator_client, django_capture_on_commit_callbacks):
    report = ReportFactory(reporter=UserFactory(email="ana@example.com"), language="es")

    with django_capture_on_commit_callbacks(execute=True):
        act(moderator_client, "dismiss", [report])

    [message] = mail.outbox
    assert "Un saludo," in message.body  # the sign-off the export e-mail already has in Spanish


def test_a_reporter_without_an_account_is_not_emailed(moderator_client, django_capture_on_commit_callbacks):
    report = ReportFactory(reporter=None)

    with django_capture_on_commit_callbacks(execute=True):
        act(moderator_client, "dismiss", [report])

    assert resolved(report).resolution == Report.Resolution.DISMISSED
    assert mail.outbox == []


def test_a_user_without_the_permission_cannot_reach_the_queue(client):
    client.force_login(UserFactory(is_staff=True))

    assert client.get(QUEUE).status_code == 403
