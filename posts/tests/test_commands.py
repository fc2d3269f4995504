"""manage.py cleanup, seed_demo and export_posts: what they print, change and refuse."""

import subprocess
import sys
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import ApiToken, Notification, User
from accounts.services import issue_api_token
from accounts.tests.factories import NotificationFactory, UserFactory
from posts.models import ExportJob, Post
from posts.tests.factories import ExportJobFactory, PostFactory

pytestmark = pytest.mark.django_db

DAY = 86400
ROOT = Path(settings.BASE_DIR)


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def old_and_new():
    """Rows of every kind cleanup looks at, some past their time and some not."""
    now = timezone.now()
    user = UserFactory()
    rows = {
        "old_notice": NotificationFactory(user=user, name="task_progress", timestamp=time.time() - 31 * DAY),
        "new_notice": NotificationFactory(timestamp=time.time() - DAY),
        "old_done": ExportJobFactory(created_at=now - timedelta(days=9), finished_at=now - timedelta(days=8)),
        "old_failed": ExportJobFactory(state="failed", created_at=now - timedelta(days=30)),
        "new_done": ExportJobFactory(finished_at=now - timedelta(days=1)),
        "queued": ExportJobFactory(state="queued", progress=0, created_at=now - timedelta(days=30)),
        "stale": ExportJobFactory(
            state="running", progress=10, heartbeat_at=now - ExportJob.STALE_AFTER - timedelta(minutes=1)
        ),
    }
    expired = SessionStore()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=now - timedelta(days=1))
    live = SessionStore()
    live.create()
    return rows


def test_cleanup_deletes_what_is_past_its_time(old_and_new):
    output = run("cleanup")

    kept = set(Notification.objects.values_list("pk", flat=True))
    assert old_and_new["old_notice"].pk not in kept
    assert old_and_new["new_notice"].pk in kept
    assert set(ExportJob.objects.values_list("pk", flat=True)) == {
        old_and_new["new_done"].pk,
        old_and_new["queued"].pk,
        old_and_new["stale"].pk,
    }
    assert ExportJob.objects.get(pk=old_and_new["stale"].pk).state == ExportJob.State.FAILED
    assert Session.objects.count() == 1
    assert "Stale export jobs: 1 marked failed." in output
    assert "Export jobs finished over 7 days ago: 2 deleted." in output
    assert "Notifications older than 30 days: 1 deleted." in output
    assert "Expired sessions: 1 deleted." in output
    assert "Cleanup done." in output


def test_cleanup_dry_run_counts_and_changes_nothing(old_and_new):
    output = run("cleanup", "--dry-run")

    assert Notification.objects.count() == 2
    assert ExportJob.objects.count() == 5
    assert ExportJob.objects.get(pk=old_and_new["stale"].pk).state == ExportJob.State.RUNNING
    assert Session.objects.count() == 2
    assert "Stale export jobs: 1 would be marked failed." in output
    assert "Export jobs finished over 7 days ago: 2 would be deleted." in output
    assert "Notifications older than 30 days: 1 would be deleted." in output
    assert "Expired sessions: 1 would be deleted." in output
    assert "Dry run: nothing was changed." in output


def test_cleanup_honours_the_day_options(old_and_new):
    run("cleanup", "--notifications-days", "0", "--jobs-days", "0")

    assert not Notification.objects.exists()
    assert set(ExportJob.objects.values_list("state", flat=True)) == {"queued", "failed"}


def test_cleanup_deletes_expired_api_tokens_only(old_and_new):
    user = UserFactory()
    live_key = issue_api_token(user=user)
    with time_machine.travel(timezone.now() - timedelta(hours=2)):
        issue_api_token(user=UserFactory())

    output = run("cleanup")

    assert "Expired api tokens: 1 deleted." in output
    assert list(ApiToken.objects.values_list("key_hash", flat=True)) == [ApiToken.hash_key(live_key)]


@pytest.mark.parametrize("option", ["--notifications-days", "--jobs-days"])
def test_cleanup_refuses_negative_days(option):
    with pytest.raises(CommandError, match="0 or more"):
        call_command("cleanup", option, "-1")


def test_command_errors_exit_non_zero():
    result = subprocess.run(
        [sys.executable, "manage.py", "cleanup", "--jobs-days", "-1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "microblog.settings.test", "PATH": "/usr/bin:/bin"},
        check=False,
    )

    assert result.returncode == 1
    assert "CommandError: --notifications-days and --jobs-days must be 0 or more." in result.stderr


@pytest.mark.parametrize("command", ["cleanup", "seed_demo", "export_posts", "repair_counters", "counter_migration"])
def test_commands_explain_themselves(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command(command, "--help")

    assert exit_info.value.code == 0
    assert "usage:" in capsys.readouterr().out


# seed_demo --------------------------------------------------------------------------------


def test_seed_demo_fills_an_empty_database():
    output = run("seed_demo", "--users", "5", "--posts", "20", "--follows-per-user", "2")

    assert User.objects.count() == 5
    assert Post.objects.count() == 20
    assert "Demo data ready: 5 users, 20 posts." in output


def test_seed_demo_if_empty_leaves_a_used_database_alone():
    UserFactory()

    output = run("seed_demo", "--if-empty")

    assert "no demo data added" in output
    assert User.objects.count() == 1


def test_seed_demo_refuses_to_clash_with_existing_names_in_any_case():
    UserFactory(username="Alice")

    with pytest.raises(CommandError, match="Demo users already exist"):
        call_command("seed_demo", "--users", "3", "--posts", "0", stdout=StringIO())


@pytest.mark.parametrize("args", [["--users", "0"], ["--posts", "-1"], ["--days", "0"]])
def test_seed_demo_refuses_bad_numbers(args):
    with pytest.raises(CommandError, match="must be"):
        call_command("seed_demo", *args)


# export_posts -----------------------------------------------------------------------------


def test_export_posts_reports_an_unwritable_file(tmp_path):
    PostFactory(author=UserFactory(username="susan"))

    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_posts", "susan", "--output", str(tmp_path / "missing" / "posts.json"))


def test_export_posts_writes_a_file(tmp_path, capsys):
    PostFactory(author=UserFactory(username="susan"), body="hello")
    target = tmp_path / "posts.json"

    call_command("export_posts", "susan", "--output", str(target))

    assert '"body": "hello"' in target.read_text()
    assert "Wrote 1 posts" in capsys.readouterr().err
