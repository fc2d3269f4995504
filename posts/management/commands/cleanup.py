import time
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction
from django.utils import timezone

from accounts.avatars import AVATAR_FOLDER, variant_paths
from accounts.models import ApiToken, Mute, Notification, User
from accounts.services import delete_expired_mutes, delete_old_notifications
from microblog.images import delete_files
from posts.models import ATTACHMENT_FOLDER, Attachment, ExportJob
from posts.services import delete_finished_exports, fail_stale_exports

# A file younger than this may belong to an upload whose rows are not committed yet.
ORPHAN_MIN_AGE = timedelta(hours=1)


def avatar_paths() -> set[str]:
    """Return every file the uploaded avatars refer to."""
    rows = User.objects.exclude(avatar_variants={}).values_list("avatar_variants", flat=True).iterator(chunk_size=2000)
    return {path for variants in rows for path in variant_paths(variants)}


def attachment_paths() -> set[str]:
    """Return every file the posts' pictures refer to."""
    rows = Attachment.objects.values_list("variants", flat=True).iterator(chunk_size=2000)
    return {variant["path"] for variants in rows for variant in variants.values()}


# The folders of the default storage that hold our files, each with a function returning the
# paths its rows refer to; a file in them that no row names is an orphan (a crash between
# storing the files and committing the rows, a restore). The stored paths of 1M pictures
# are ~60 MB of Python strings: past that, sweep one folder prefix at a time.
ORPHAN_FOLDERS = [
    (ATTACHMENT_FOLDER, attachment_paths),
    (AVATAR_FOLDER, avatar_paths),
]


def stored_files(folder: str):
    """Yield the path of every file under `folder` in the default storage (the filesystem's or S3's listdir)."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for name in folders:
        yield from stored_files(f"{folder}/{name}")


class Command(BaseCommand):
    help = (
        "Delete what the site no longer needs: notifications not updated for N days, finished "
        "export jobs older than N days, expired sessions and "
        "expired API tokens, mutes that ran out, and stored files that no row refers to (older than an "
        "hour); mark export jobs whose worker died as failed. Safe to run from cron (e.g. daily); "
        "--dry-run only counts, and lists the orphaned files."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--notifications-days",
            type=int,
            default=30,
            metavar="DAYS",
            help="delete notifications not updated for this many days (default 30)",
        )
        parser.add_argument(
            "--jobs-days",
            type=int,
            default=7,
            metavar="DAYS",
            help="delete done and failed export jobs that ended this many days ago (default 7)",
        )
        parser.add_argument("--dry-run", action="store_true", help="report what would be deleted; change nothing")

    def handle(self, *args, notifications_days, jobs_days, dry_run, **options):
        if notifications_days < 0 or jobs_days < 0:
            raise CommandError("--notifications-days and --jobs-days must be 0 or more.")
        now = timezone.now()
        # (what, what happens to it, how, why it may be skipped)
        steps = [
            ("stale export jobs", "marked failed", self._stale_jobs, ""),
            (
                f"export jobs finished over {jobs_days} days ago",
                "deleted",
                lambda dry: self._jobs(dry, now, jobs_days),
                "",
            ),
            (
                f"notifications older than {notifications_days} days",
                "deleted",
                lambda dry: self._notifications(dry, notifications_days),
                "",
            ),
            (
                "expired sessions",
                "deleted",
                lambda dry: self._sessions(dry, now),
                f"the {settings.SESSION_ENGINE} engine expires them itself",
            ),
            ("expired API tokens", "deleted", lambda dry: self._tokens(dry, now), "this site has no API tokens"),
            ("mutes that ran out", "deleted", lambda dry: self._mutes(dry, now), ""),
            ("orphaned files", "deleted", lambda dry: self._orphans(dry, now), ""),
        ]
        for label, verb, step, skip_reason in steps:
            try:
                count = step(dry_run)
            except DatabaseError as error:
                raise CommandError(f"Cleaning up {label} failed: {error}") from error
            if count is None:
                self.stdout.write(f"{label.capitalize()}: skipped ({skip_reason}).")
            else:
                self.stdout.write(f"{label.capitalize()}: {count} {'would be ' if dry_run else ''}{verb}.")
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was changed."))
        else:
            self.stdout.write(self.style.SUCCESS("Cleanup done."))

    def _stale_jobs(self, dry_run):
        if dry_run:
            return ExportJob.objects.stale().count()
        return fail_stale_exports()

    def _jobs(self, dry_run, now, days):
        cutoff = now - timedelta(days=days)
        if dry_run:
            return ExportJob.objects.finished_before(cutoff).count()
        return delete_finished_exports(before=cutoff)

    def _notifications(self, dry_run, days):
        # Notification timestamps are Unix times (the polling clients' format).
        cutoff = time.time() - days * 86400
        if dry_run:
            return Notification.objects.expired(cutoff).count()
        return delete_old_notifications(before=cutoff)

    def _mutes(self, dry_run, now):
        # They no longer count (accounts.safety reads the mutes in force); the rows only take room.
        if dry_run:
            return Mute.objects.filter(expires_at__lte=now).count()
        return delete_expired_mutes(now=now)

    def _sessions(self, dry_run, now):
        """Do what `manage.py clearsessions` does, counting the rows."""
        store = import_module(settings.SESSION_ENGINE).SessionStore
        if not hasattr(store, "get_model_class"):
            # Cache and cookie sessions expire by themselves; file sessions have no count.
            if not dry_run:
                store.clear_expired()
            return None
        expired = store.get_model_class().objects.filter(expire_date__lt=now)
        if dry_run:
            return expired.count()
        with transaction.atomic():
            deleted, _rows = expired.delete()
        return deleted

    def _orphans(self, dry_run, now):
        """Delete (or, dry, list) the stored files no row refers to, leaving those younger than an hour."""
        cutoff = now - ORPHAN_MIN_AGE
        orphans = []
        for folder, referenced_paths in ORPHAN_FOLDERS:
            referenced = referenced_paths()
            orphans += [
                path
                for path in stored_files(folder)
                if path not in referenced and default_storage.get_modified_time(path) < cutoff
            ]
        for path in orphans:
            self.stdout.write(f"  {'would delete' if dry_run else 'deleting'} {path}")
        if not dry_run:
            delete_files(orphans)
        return len(orphans)

    def _tokens(self, dry_run, now):
        expired = ApiToken.objects.filter(expires_at__lte=now)
        if dry_run:
            return expired.count()
        with transaction.atomic():
            deleted, _rows = expired.delete()
        return deleted
