"""Export my posts: the real task through a real worker, its progress and its failures."""

import gzip
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from microblog.request_id import RequestIdFilter
from posts import services
from posts.models import ExportJob
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(client):
    user = UserFactory(username="me", email="me@example.com")
    client.force_login(user)
    return user


@pytest.fixture
def three_posts(me):
    now = timezone.now()
    return [PostFactory(author=me, body=f"post {i}", created_at=now - timedelta(days=3 - i)) for i in range(3)]


@pytest.fixture(autouse=True)
def _no_retry_wait(monkeypatch):
    monkeypatch.setattr(services, "EMAIL_RETRY_DELAY", 0)


def request_export(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("posts:export_posts"), follow=True)


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch):
    # The worker recycles connections between tasks; inside a test's transaction that
    # would close the connection the test runs on.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)


def run_db_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def attachment_posts(message) -> list[dict]:
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == ("posts.json", "application/json")
    return json.loads(content)["posts"]


def test_export_runs_through_the_database_worker(client, me, three_posts, django_capture_on_commit_callbacks):
    response = request_export(client, django_capture_on_commit_callbacks)
    assert "Your posts are being exported" in response.content.decode()
    job = ExportJob.objects.get()
    assert job.state == ExportJob.State.QUEUED

    run_db_worker()

    job.refresh_from_db()
    assert (job.state, job.progress, job.post_count, job.error) == ("done", 100, 3, "")
    (message,) = mail.outbox
    assert message.to == ["me@example.com"]
    assert message.alternatives[0][1] == "text/html"
    assert job.download_url in message.body
    posts = attachment_posts(message)
    assert [post["body"] for post in posts] == ["post 0", "post 1", "post 2"]
    assert all(post["timestamp"].endswith("Z") for post in posts)
    progress = Notification.objects.get(user=me, name="task_progress").payload
    assert (progress["state"], progress["progress"]) == ("done", 100)


def test_progress_notifications_move_to_100(client, me, three_posts, django_capture_on_commit_callbacks, monkeypatch):
    seen = []
    publish = services._publish_progress
    monkeypatch.setattr(services, "_publish_progress", lambda job: (seen.append(job.progress), publish(job)))
    monkeypatch.setattr("posts.exports.PROGRESS_INTERVAL", 0)

    request_export(client, django_capture_on_commit_callbacks)
    run_db_worker()

    assert seen[0] == 0
    assert seen[-1] == 100
    assert seen == sorted(seen)
    polled = client.get(reverse("accounts:notifications")).json()
    assert {"name": "task_progress"}.items() <= polled[-1].items()
    assert polled[-1]["data"]["progress"] == 100


def test_a_second_export_while_one_is_queued_is_refused(client, me, django_capture_on_commit_callbacks):
    request_export(client, django_capture_on_commit_callbacks)

    response = request_export(client, django_capture_on_commit_callbacks)

    assert "An export is already in progress" in response.content.decode()
    assert ExportJob.objects.count() == 1


def test_export_is_post_only_and_needs_a_login(client):
    assert client.post(reverse("posts:export_posts")).status_code == 302
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("posts:export_posts")).status_code == 405


def test_a_task_that_raises_shows_a_plain_sentence_and_logs_the_detail_with_the_request_id(
    client, me, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full at /var/lib/secret")

    monkeypatch.setattr(services, "write_posts_json", explode)
    caplog.handler.addFilter(RequestIdFilter())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("posts:export_posts"), headers={"X-Request-ID": "export-request-42"})

    run_db_worker()

    job = ExportJob.objects.get()
    assert job.state == "failed"
    assert job.error == "The export failed. Please try again later."
    assert Notification.objects.get(user=me, name="task_progress").payload["error"] == job.error
    (record,) = [record for record in caplog.records if record.getMessage() == f"Export job {job.pk} failed"]
    assert record.request_id == "export-request-42"
    assert "disk full at /var/lib/secret" in caplog.text
    assert not mail.outbox


def test_email_failure_fails_the_job_but_keeps_the_file(
    client, me, three_posts, django_capture_on_commit_callbacks, monkeypatch
):
    attempts = []

    def refuse(**kwargs):
        attempts.append(1)
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(services, "send_export_email", refuse)
    request_export(client, django_capture_on_commit_callbacks)

    run_db_worker()

    job = ExportJob.objects.get()
    assert len(attempts) == services.EMAIL_ATTEMPTS
    assert job.state == "failed"
    assert job.error == "Your posts were exported but the email could not be sent. Download the file instead."
    download = client.get(reverse("posts:export_download", args=[job.pk]))
    assert download.status_code == 200
    assert len(json.loads(download.content)["posts"]) == 3


def test_a_job_whose_worker_died_is_marked_failed(me):
    job = ExportJob.objects.create(
        user=me, state="running", heartbeat_at=timezone.now() - ExportJob.STALE_AFTER - timedelta(seconds=1)
    )

    assert services.fail_stale_exports() == 1

    job.refresh_from_db()
    assert job.state == "failed"
    assert "interrupted" in job.error


class TestDownload:
    @pytest.fixture
    def done_job(self, me):
        return ExportJob.objects.create(
            user=me,
            state="done",
            result=gzip.compress(b'{"posts": []}'),
            result_expires_at=timezone.now() + timedelta(days=1),
        )

    def test_owner_downloads_posts_json(self, client, done_job):
        response = client.get(reverse("posts:export_download", args=[done_job.pk]))

        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="posts.json"'
        assert json.loads(response.content) == {"posts": []}

    def test_nobody_else_can(self, client, done_job):
        client.force_login(UserFactory())

        assert client.get(reverse("posts:export_download", args=[done_job.pk])).status_code == 404

    def test_not_after_it_expires(self, client, done_job):
        done_job.result_expires_at = timezone.now() - timedelta(seconds=1)
        done_job.save()

        assert client.get(reverse("posts:export_download", args=[done_job.pk])).status_code == 404


def test_export_command_writes_the_same_json(me, three_posts, capsys):
    call_command("export_posts", "me")

    posts = json.loads(capsys.readouterr().out)["posts"]
    assert [post["body"] for post in posts] == ["post 0", "post 1", "post 2"]


def test_export_command_rejects_unknown_users():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No user"):
        call_command("export_posts", "ghost")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_export_runs_through_redis_and_rq(client, three_posts, me):
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    # Redis database 15, so a developer's own queues are left alone.
    queue_settings = {"default": {"URL": "redis://127.0.0.1:6379/15", "DEFAULT_TIMEOUT": 60}}
    tasks = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    with override_settings(RQ_QUEUES=queue_settings, TASKS=tasks):
        queue = django_rq.get_queue("default", job_class=Job)
        queue.empty()
        client.post(reverse("posts:export_posts"))
        assert queue.count == 1

        SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)

    job = ExportJob.objects.get()
    assert job.state == "done", job.error
    assert len(attachment_posts(mail.outbox[0])) == 3
