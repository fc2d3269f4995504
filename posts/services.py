"""Writes about posts, shared by views, API, tasks and commands."""

import functools
import gzip
import io
import logging
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import safety
from accounts.models import Follow, User
from accounts.services import add_notification, refuse_if_blocked
from microblog.images import Variant, delete_files, make_variants, open_image, save_variants
from microblog.request_id import current_request_id
from posts.body import normalize_body, normalize_warning
from posts.emails import send_export_email, send_new_report_email, send_report_resolved_email, send_warning_email
from posts.entities import parse, tag_key
from posts.exports import write_posts_json
from posts.language import detect_language
from posts.models import (
    ATTACHMENT_FOLDER,
    ATTACHMENT_SIZES,
    MAX_ATTACHMENTS,
    Activity,
    Attachment,
    Bookmark,
    Boost,
    ExportJob,
    Like,
    Mention,
    Message,
    Post,
    PostEdit,
    Report,
    Tag,
    Tagging,
)

logger = logging.getLogger(__name__)

EMAIL_ATTEMPTS = 3
EMAIL_RETRY_DELAY = 2  # seconds, times the attempt number


class ReplyRefused(ValidationError):
    """The post being answered is gone (deleted, or its author deactivated)."""


@dataclass(frozen=True)
class NewPicture:
    """A checked upload, in the sizes the pages show (ATTACHMENT_SIZES), not yet stored."""

    variants: dict[str, Variant]
    alt_text: str = ""


def prepare_picture(upload, *, alt_text: str = "") -> NewPicture:
    """Decode `upload` and draw its sizes, or raise ImageRejected with the reason (microblog/images.py).

    In the request, not in the task queue: a 4000x3000 JPEG takes well under the 2 s the
    upload is allowed, and the person's form must say which file was refused
    (docs/performance.md, pictures).
    """
    image = open_image(upload, largest=max(ATTACHMENT_SIZES.values()))
    try:
        return NewPicture(make_variants(image, ATTACHMENT_SIZES), alt_text.strip())
    finally:
        image.close()


def publish_post(
    *,
    author: User,
    body: str,
    in_reply_to: Post | None = None,
    pictures: Sequence[NewPicture] = (),
    is_sensitive: bool = False,
    content_warning: str = "",
) -> Post:
    """Validate and save a post by `author` (a reply when `in_reply_to` is given), with its pictures, mentions and tags.

    The pictures' files are stored first, then the rows are written in one transaction;
    if anything fails the files are deleted again, so no file is left without its row.
    Mentions and tags are read from the text once, here (posts/entities.py); the people
    mentioned and the author of the post answered are notified.
    """
    if len(pictures) > MAX_ATTACHMENTS:
        raise ValidationError(too_many_pictures_message(), code="too_many_pictures")
    stored = []
    try:
        for picture in pictures:
            stored.append(save_variants(picture.variants, folder=ATTACHMENT_FOLDER))
        with transaction.atomic():
            sensitive = is_sensitive and bool(pictures)
            post = _publish(
                author=author,
                body=body,
                in_reply_to=in_reply_to,
                is_sensitive=sensitive,
                content_warning=content_warning,
            )
            _attach(post, pictures, stored)
    except BaseException:
        delete_files(path for variants in stored for path in _variant_paths(variants))
        raise
    return post


def too_many_pictures_message() -> str:
    return ngettext(
        "A post can have at most %(count)d picture.", "A post can have at most %(count)d pictures.", MAX_ATTACHMENTS
    ) % {"count": MAX_ATTACHMENTS}


def _publish(*, author: User, body: str, in_reply_to: Post | None, is_sensitive: bool, content_warning: str) -> Post:
    body = normalize_body(body)
    post = Post(
        author=author,
        body=body,
        content_warning=normalize_warning(content_warning),
        language=detect_language(body),
        is_sensitive=is_sensitive,
    )
    if in_reply_to is not None:
        # Locked, so the parent cannot be deleted between this check and the insert.
        parent = Post.objects.visible().select_for_update(of=("self",)).filter(pk=in_reply_to.pk).first()
        if parent is None:
            raise ReplyRefused(_("The post you replied to has been deleted."))
        if safety.blocked_between(author, parent.author_id):
            raise ReplyRefused(_("You cannot reply to this post."))
        post.in_reply_to = parent
        post.conversation = parent.conversation or parent.pk
    post.full_clean()
    post.save()
    mentioned = _link_entities(post, is_new=True)
    if post.in_reply_to is not None and post.in_reply_to.author_id != author.pk:
        _notify(recipient_id=post.in_reply_to.author_id, actor=author, kind=Activity.Kind.REPLY, post=post)
    for user in mentioned:
        if user.pk not in (author.pk, post.in_reply_to and post.in_reply_to.author_id):
            _notify(recipient_id=user.pk, actor=author, kind=Activity.Kind.MENTION, post=post)
    return post


def _link_entities(post: Post, *, is_new: bool) -> list[User]:
    """Make `post`'s Mention and Tagging rows say what its body names now; return the people newly mentioned.

    The one reading of a body into rows (posts/entities.py), for a new post and an edited
    one alike: rows the text no longer names go, new ones come, the others stay. A new
    post has no rows yet, so nothing is read or deleted for it.
    """
    entities = parse(post.body)
    mentioned = list(User.objects.active().named_any(entities.mentions).only("pk"))
    tags, kept_tags, kept_mentions = entities.tags, set(), set()
    if not is_new:
        keys = [tag_key(name) for name in tags]
        Tagging.objects.filter(post=post).exclude(tag__key__in=keys).delete()
        kept_tags = set(Tagging.objects.filter(post=post).values_list("tag__key", flat=True))
        Mention.objects.filter(post=post).exclude(user__in=[user.pk for user in mentioned]).delete()
        kept_mentions = set(Mention.objects.filter(post=post).values_list("user_id", flat=True))
    _store_tags(post, [name for name in tags if tag_key(name) not in kept_tags])
    added = [user for user in mentioned if user.pk not in kept_mentions]
    Mention.objects.bulk_create([Mention(post=post, user=user) for user in added])
    return added


class EditRefused(ValidationError):
    """The post cannot be edited: it is gone (deleted meanwhile), or it is not the editor's."""


@transaction.atomic
def edit_post(*, post: Post, editor: User, body: str, content_warning: str | None = None) -> bool:
    """Change the text (and the warning, unless None) of `editor`'s own `post`; return False when nothing changed.

    The version replaced is kept as a PostEdit row. The row is locked first, so of two
    edits at once the last wins and the version between them is kept too. The language
    is detected again; mentions and tags follow the new text (_link_entities, as at
    publishing), and the people newly mentioned are told, once per post whatever the
    edits (a removed mention takes nothing back). The search index is the database's
    own (posts/search_index.py) and follows the UPDATE. Pictures are not editable.
    """
    current = Post.objects.select_for_update(of=("self",)).filter(pk=post.pk).first()
    if current is None:
        raise EditRefused(_("This post is no longer available."), code="gone")
    if current.author_id != editor.pk:
        raise EditRefused(_("You can only edit your own posts."), code="not_yours")
    body = normalize_body(body)
    warning = current.content_warning if content_warning is None else normalize_warning(content_warning)
    if (body, warning) == (current.body, current.content_warning):
        return False
    replaced = PostEdit(
        post=current,
        body=current.body,
        content_warning=current.content_warning,
        created_at=current.edited_at or current.created_at,
    )
    current.body, current.content_warning = body, warning
    others = [field.name for field in Post._meta.concrete_fields if field.name not in ("body", "content_warning")]
    current.full_clean(exclude=others, validate_unique=False, validate_constraints=False)
    replaced.save()
    current.language = detect_language(body)
    current.edited_at = timezone.now()
    current.save(update_fields=["body", "content_warning", "language", "edited_at"])
    added = _link_entities(current, is_new=False)
    told = set()
    if added:
        earlier = Activity.objects.filter(post=current, kind__in=[Activity.Kind.REPLY, Activity.Kind.MENTION])
        told = set(earlier.values_list("recipient_id", flat=True))
    for user in added:
        if user.pk not in told:
            _notify(recipient_id=user.pk, actor=editor, kind=Activity.Kind.MENTION, post=current)
    # The caller's object shows the new version too.
    post.body, post.content_warning = current.body, current.content_warning
    post.language, post.edited_at = current.language, current.edited_at
    return True


def _attach(post: Post, pictures: Sequence[NewPicture], stored: list[dict]) -> None:
    """Write the Attachment rows of `post`'s stored pictures, in their order."""
    if not pictures:
        return
    rows = []
    for position, (picture, variants) in enumerate(zip(pictures, stored, strict=True)):
        largest = max(variants.values(), key=lambda variant: variant["width"] * variant["height"])
        row = Attachment(
            post=post,
            variants=variants,
            width=largest["width"],
            height=largest["height"],
            alt_text=picture.alt_text,
            position=position,
        )
        row.full_clean(exclude=["post"])
        rows.append(row)
    Attachment.objects.bulk_create(rows)
    post.attachment_count = len(rows)
    Post.objects.filter(pk=post.pk).update(attachment_count=len(rows))


def _variant_paths(variants: dict) -> list[str]:
    return [variant["path"] for variant in variants.values()]


def attachment_paths(posts) -> list[str]:
    """Return the stored files of the pictures of `posts` (a Post QuerySet), read in one query."""
    rows = Attachment.objects.filter(post__in=posts.values("pk")).values_list("variants", flat=True)
    return [path for variants in rows for path in _variant_paths(variants)]


def delete_files_on_commit(paths: list[str]) -> None:
    """Delete `paths` once the current transaction commits (never while a rollback could bring the rows back)."""
    if paths:
        transaction.on_commit(lambda: delete_files(paths))


def _store_tags(post: Post, names: list[str]) -> None:
    """Link `post` to its tags, creating the ones never used before (first spelling kept)."""
    if not names:
        return
    by_key = {tag_key(name): name for name in names}
    # ignore_conflicts: two posts introducing the same tag at once both succeed.
    Tag.objects.bulk_create([Tag(key=key, name=name) for key, name in by_key.items()], ignore_conflicts=True)
    tags = Tag.objects.filter(key__in=by_key)
    Tagging.objects.bulk_create([Tagging(post=post, tag=tag, created_at=post.created_at) for tag in tags])


def _notify(*, recipient_id: int, actor: User, kind: str, **event) -> None:
    """Tell `recipient_id` what `actor` did; nobody is told of their own actions, nor by people they keep away."""
    if recipient_id != actor.pk and not safety.keeps_away(recipient_id, actor.pk):
        Activity.objects.create(recipient_id=recipient_id, actor=actor, kind=kind, **event)


def forget_between(*, blocker: User, blocked: User) -> None:
    """Delete the notifications between two people, both ways (accounts.signals.user_blocked calls this)."""
    Activity.objects.filter(Q(recipient=blocker, actor=blocked) | Q(recipient=blocked, actor=blocker)).delete()


@transaction.atomic
def delete_post(*, post: Post) -> None:
    """Delete a post (the caller checked it is the author's own); its replies stay, its notifications and pictures go.

    The pictures' files are deleted after the transaction commits.
    """
    delete_files_on_commit(attachment_paths(Post.objects.filter(pk=post.pk)))
    post.delete()


def forget_account_files(*, user: User) -> None:
    """Delete the pictures' files of `user`'s posts once their deletion commits (accounts.signals.account_deleting)."""
    delete_files_on_commit(attachment_paths(Post.objects.filter(author=user)))


def _add(model, *, user: User, post: Post):
    """Create `model(user, post)` once; return the row, or None if it was there (a double click)."""
    try:
        # A savepoint, so a concurrent duplicate loses quietly.
        with transaction.atomic():
            return model.objects.create(user=user, post=post)
    except IntegrityError:
        return None


def _remove(model, *, user: User, post: Post) -> bool:
    # The post's row first, as the insert of a like or a boost takes it (its counter
    # trigger) before the notification moves the author's badge: Django deletes the
    # notification before the like, and the opposite order deadlocked with a like of the
    # same post at the same moment.
    list(Post.objects.select_for_update().filter(pk=post.pk).values_list("pk"))
    deleted, _rows = model.objects.filter(user=user, post=post).delete()
    return bool(deleted)


@transaction.atomic
def like_post(*, user: User, post: Post) -> bool:
    """Make `user` like `post`; return False if they already did. Its author is notified."""
    like = _add(Like, user=user, post=post)
    if like is not None:
        _notify(recipient_id=post.author_id, actor=user, kind=Activity.Kind.LIKE, post=post, like=like)
    return like is not None


@transaction.atomic
def unlike_post(*, user: User, post: Post) -> bool:
    """Take `user`'s like of `post` back, and its notification; return False if there was none."""
    return _remove(Like, user=user, post=post)


@transaction.atomic
def boost_post(*, user: User, post: Post) -> bool:
    """Make `user` boost `post` to their followers; return False if they already did. Its author is notified."""
    boost = _add(Boost, user=user, post=post)
    if boost is not None:
        _notify(recipient_id=post.author_id, actor=user, kind=Activity.Kind.BOOST, post=post, boost=boost)
    return boost is not None


@transaction.atomic
def unboost_post(*, user: User, post: Post) -> bool:
    """Take `user`'s boost of `post` back, and its notification; return False if there was none."""
    return _remove(Boost, user=user, post=post)


@transaction.atomic
def bookmark_post(*, user: User, post: Post) -> bool:
    """Keep `post` in `user`'s private bookmarks; return False if it was there. Nobody is told."""
    return _add(Bookmark, user=user, post=post) is not None


@transaction.atomic
def unbookmark_post(*, user: User, post: Post) -> bool:
    """Take `post` out of `user`'s bookmarks; return False if it was not there."""
    return _remove(Bookmark, user=user, post=post)


def notify_follow(*, follow: Follow) -> None:
    """Tell the followed person who followed them (accounts.signals.user_followed calls this)."""
    _notify(recipient_id=follow.followed_id, actor=follow.follower, kind=Activity.Kind.FOLLOW, follow=follow)


@transaction.atomic
def mark_activity_read(*, user: User) -> None:
    """Record that `user` has seen every notification so far; their badge drops to 0."""
    user.last_activity_read_time = timezone.now()
    user.save(update_fields=["last_activity_read_time"])
    # A trigger recounted the row: this page's badge reads it.
    user.refresh_from_db(fields=["unread_activity_count"])


@transaction.atomic
def send_message(*, sender: User, recipient: User, body: str, form_token: UUID | None = None) -> Message:
    """Send a private message; a trigger counts it in the recipient's unread badge.

    A form sends its `form_token` along: the same form sent again (a double click, a
    resent POST) returns the message the first one made instead of a second copy.
    """
    if sender.pk == recipient.pk:
        raise ValidationError(_("You cannot send a message to yourself."))
    refuse_if_blocked(sender, recipient)
    message = Message(sender=sender, recipient=recipient, body=normalize_body(body), form_token=form_token)
    message.full_clean(validate_constraints=False)
    if form_token is None:
        message.save()
        return message
    try:
        with transaction.atomic():  # a savepoint: the duplicate's failed insert leaves the rest standing
            message.save()
    except IntegrityError:
        first = Message.objects.get(sender=sender, form_token=form_token)
        if first.recipient_id == recipient.pk and first.body == message.body:
            return first
        # The same token with another text: a form the browser kept (the back button) and
        # written again. A new message, not a lost one.
        message.form_token = None
        message.save()
    return message


@transaction.atomic
def mark_conversation_read(*, user: User, person: User) -> int:
    """Mark what `person` wrote to `user` read; return how many messages that was.

    The counter trigger takes each row marked off `user`'s unread badge, in this statement.
    """
    unread = Message.objects.filter(recipient=user, sender=person, read_at__isnull=True)
    if user.last_message_read_time:
        unread = unread.filter(created_at__gt=user.last_message_read_time)
    marked = unread.update(read_at=timezone.now())
    if marked:
        user.refresh_from_db(fields=["unread_message_count"])  # this page's badge reads it
    return marked


@transaction.atomic
def mark_messages_read(*, user: User) -> None:
    """Record that `user` has read every message so far; their badge drops to 0."""
    user.last_message_read_time = timezone.now()
    user.save(update_fields=["last_message_read_time"])
    # A trigger recounted the row (0 unless a message is dated after now): this page's badge reads it.
    user.refresh_from_db(fields=["unread_message_count"])


class ExportAlreadyRunning(Exception):
    """The user already has an export queued or running."""


@transaction.atomic
def start_export(*, user: User, language: str = "", site_url: str = "") -> ExportJob:
    """Create an export job for `user` and queue its task once the row is committed."""
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(user=user, language=language, site_url=site_url)
    except IntegrityError:
        raise ExportAlreadyRunning from None
    _publish_progress(job)
    # The worker logs under the id of the request that asked, so a failure can be traced to it.
    request_id = current_request_id.get()
    transaction.on_commit(lambda: _enqueue_export(job, request_id))
    return job


def _enqueue_export(job: ExportJob, request_id: str) -> None:
    """Queue the job's task; if the queue (Redis) is down, end the job failed so the user can retry."""
    # Imported here: tasks import this module to run the job.
    from posts.tasks import export_posts_task

    try:
        export_posts_task.enqueue(job.pk, request_id)
    except Exception:
        # The reason (a queue address, say) is for the log, not for the user.
        logger.exception("Export job %s could not be queued", job.pk)
        _finish(job, ExportJob.State.FAILED, error=_("The export could not be started. Please try again later."))


@transaction.atomic
def retry_export(*, job: ExportJob) -> ExportJob:
    """Start a new export for the owner of a failed job."""
    return start_export(user=job.user, language=job.language, site_url=job.site_url)


def run_export(*, job_id: int) -> None:
    """Do the work of one export job: write the file, keep it, email it, report progress.

    Any failure ends the job "failed" with a sentence for the user (the details go to the
    log); it never stays below 100% forever.
    """
    fail_stale_exports()  # a worker killed mid-job left these behind
    updated = ExportJob.objects.filter(pk=job_id, state=ExportJob.State.QUEUED).update(
        state=ExportJob.State.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    if not updated:
        logger.warning("Export job %s is not queued any more; skipping it", job_id)
        return
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            _write_export(job)
        except Exception:
            logger.exception("Export job %s failed", job.pk)
            _finish(job, ExportJob.State.FAILED, error=_("The export failed. Please try again later."))
            return
        try:
            _send_with_retries(job)
        except Exception:
            logger.exception("Export job %s: the email could not be sent", job.pk)
            error = _("Your posts were exported but the email could not be sent. Download the file instead.")
            _finish(job, ExportJob.State.FAILED, error=error)
            return
        _finish(job, ExportJob.State.DONE)


def fail_stale_exports() -> int:
    """Mark jobs whose worker died mid-run as failed; return how many."""
    stale = list(ExportJob.objects.stale())
    for job in stale:
        reason = _("The export was interrupted (its worker stopped). Please try again.")
        _finish(job, ExportJob.State.FAILED, error=reason)
    return len(stale)


@transaction.atomic
def delete_finished_exports(*, before) -> int:
    """Delete done and failed export jobs that ended before `before`; return how many."""
    deleted, _rows = ExportJob.objects.finished_before(before).delete()
    return deleted


def _write_export(job: ExportJob) -> None:
    def on_progress(done: int, total: int) -> None:
        job.progress = min(99, done * 100 // max(total, 1))
        job.heartbeat_at = timezone.now()
        ExportJob.objects.filter(pk=job.pk).update(progress=job.progress, heartbeat_at=job.heartbeat_at)
        _publish_progress(job)

    # Compressed as it is written: memory holds a batch of rows and the gzip, not the JSON.
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as buffer:
        with gzip.GzipFile(fileobj=buffer, mode="wb") as compressed:
            text = io.TextIOWrapper(compressed, encoding="utf-8")
            job.post_count = write_posts_json(job.user, text, on_progress=on_progress, site_url=job.site_url)
            text.flush()
            text.detach()
        buffer.seek(0)
        job.result = buffer.read()
    job.result_expires_at = timezone.now() + timedelta(days=settings.EXPORT_DOWNLOAD_DAYS)
    job.save(update_fields=["post_count", "result", "result_expires_at"])


def _send_with_retries(job: ExportJob) -> None:
    for attempt in range(1, EMAIL_ATTEMPTS + 1):
        try:
            send_export_email(user=job.user, json_bytes=gzip.decompress(job.result), download_url=job.download_url)
            return
        except Exception:
            if attempt == EMAIL_ATTEMPTS:
                raise
            logger.warning("Export job %s: email attempt %s failed, retrying", job.pk, attempt, exc_info=True)
            time.sleep(EMAIL_RETRY_DELAY * attempt)


def _finish(job: ExportJob, state: str, error: str = "") -> None:
    job.state, job.error, job.finished_at = state, error, timezone.now()
    if state == ExportJob.State.DONE:
        job.progress = 100
    job.save(update_fields=["state", "error", "finished_at", "progress"])
    _publish_progress(job)


def _publish_progress(job: ExportJob) -> None:
    """Tell the user's open tabs where the export is (the navbar progress bar)."""
    data = {"job_id": job.pk, "state": job.state, "progress": job.progress, "error": job.error}
    if job.state == ExportJob.State.DONE:
        data["download_url"] = reverse("posts:export_download", args=[job.pk])
    add_notification(user=job.user, name="task_progress", payload=data)


# ---------------------------------------------------------------------------
# Reports and their moderation (docs/admin.md, "The moderation queue")
# ---------------------------------------------------------------------------

# The posts a person's report may include: the newest few of theirs.
REPORTABLE_RECENT_POSTS = 10
# The most posts one report may name (the reported post and the recent ones, with room).
REPORT_MAX_POSTS = 20


class ReportLimitReached(ValidationError):
    """The reporter has REPORTS_PER_HOUR unresolved reports from the last hour already."""


def reportable_posts(target: User):
    """Return the posts of `target` that a report may name: the visible ones, newest first."""
    return Post.objects.by_author(target)


def moderators():
    """Return the active staff who may work the moderation queue (change_report, or superusers)."""
    can_moderate = Q(
        groups__permissions__codename="change_report", groups__permissions__content_type__app_label="posts"
    )
    can_moderate |= Q(user_permissions__codename="change_report", user_permissions__content_type__app_label="posts")
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | can_moderate)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


@transaction.atomic
def file_report(
    *,
    reporter: User,
    target: User,
    category: str,
    posts: Sequence[Post] = (),
    comment: str = "",
    site_url: str = "",
) -> tuple[Report, bool]:
    """Report `target` (and some of their `posts`) to the moderators; return (report, created).

    While the reporter's earlier report of the same person is unresolved, this one is
    added to it (its posts, and the comment if it had none) and created is False: two
    identical reports sent at once are one, decided by the report_open_once constraint.
    More than REPORTS_PER_HOUR new reports in an hour is a ReportLimitReached. The
    moderators are e-mailed once the report is committed.
    """
    if reporter.pk == target.pk:
        raise ValidationError(_("You cannot report yourself."))
    if not target.is_active:
        raise ValidationError(_("This account is no longer available."))
    if any(post.author_id != target.pk for post in posts):
        raise ValidationError(_("A report can only include posts of the person reported."))
    if len(posts) > REPORT_MAX_POSTS:
        raise ValidationError(
            ngettext(
                "A report can include at most %(count)d post.",
                "A report can include at most %(count)d posts.",
                REPORT_MAX_POSTS,
            )
            % {"count": REPORT_MAX_POSTS}
        )
    comment = normalize_body(comment)
    # The reporter's row, locked: their reports are counted and filed one at a time.
    User.objects.select_for_update().filter(pk=reporter.pk).values_list("pk", flat=True).first()
    existing = Report.objects.unresolved().filter(reporter=reporter, target=target).first()
    if existing is not None:
        _add_to_report(existing, posts=posts, comment=comment)
        return existing, False
    since = timezone.now() - timedelta(hours=1)
    if Report.objects.recent_by(reporter, since=since).count() >= settings.REPORTS_PER_HOUR:
        raise ReportLimitReached(
            ngettext(
                "You have sent %(count)d report in the last hour. Please wait before sending another.",
                "You have sent %(count)d reports in the last hour. Please wait before sending another.",
                settings.REPORTS_PER_HOUR,
            )
            % {"count": settings.REPORTS_PER_HOUR}
        )
    report = Report(
        reporter=reporter,
        target=target,
        category=category,
        comment=comment,
        language=translation.get_language() or "",
    )
    report.full_clean(exclude=["reporter", "target"], validate_constraints=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Filed meanwhile by the same reporter (a double click on another connection).
        existing = Report.objects.unresolved().get(reporter=reporter, target=target)
        _add_to_report(existing, posts=posts, comment=comment)
        return existing, False
    report.posts.add(*posts)
    admin_url = site_url + reverse("admin:posts_report_change", args=[report.pk])
    transaction.on_commit(lambda: _email_moderators(report.pk, admin_url), robust=True)
    return report, True


def _add_to_report(report: Report, *, posts: Sequence[Post], comment: str) -> None:
    report.posts.add(*posts)
    if comment and not report.comment:
        Report.objects.filter(pk=report.pk, comment="").update(comment=comment)
        report.comment = comment


def _email_moderators(report_id: int, admin_url: str) -> None:
    report = Report.objects.select_related("reporter", "target").filter(pk=report_id).first()
    if report is None:
        return
    recipients = list(moderators().values_list("email", flat=True))
    send_new_report_email(report=report, recipients=recipients, admin_url=admin_url)


@transaction.atomic
def assign_reports(*, reports, assignee: User) -> int:
    """Give the unresolved `reports` (a QuerySet) to `assignee`; return how many changed."""
    return reports.unresolved().update(assignee=assignee, status=Report.Status.ASSIGNED)


@transaction.atomic
def resolve_reports(*, reports, resolution: str, moderator: User) -> list[Report]:
    """Close the unresolved `reports` (a QuerySet) with `resolution`, now; return them.

    A report nobody was assigned is the resolving moderator's. Each reporter still with
    an account and an address is e-mailed the outcome once this commits.
    """
    now = timezone.now()
    ids = list(reports.unresolved().values_list("pk", flat=True))
    Report.objects.filter(pk__in=ids, assignee__isnull=True).update(assignee=moderator)
    Report.objects.filter(pk__in=ids).update(status=Report.Status.RESOLVED, resolution=resolution, resolved_at=now)
    resolved = list(Report.objects.filter(pk__in=ids).select_related("reporter", "target"))
    for report in resolved:
        if report.reporter is not None and report.reporter.is_active and report.reporter.email:
            transaction.on_commit(functools.partial(send_report_resolved_email, report=report), robust=True)
    return resolved


def reported_posts(reports):
    """Return the posts that `reports` (a QuerySet) name."""
    return Post.objects.filter(pk__in=Report.posts.through.objects.filter(report__in=reports).values("post_id"))


@transaction.atomic
def mark_posts_sensitive(*, posts) -> int:
    """Blur the pictures of `posts` (a QuerySet) until a reader asks; return how many changed.

    One UPDATE; each post's cached HTML changes key with is_sensitive (posts/rendering.py).
    """
    return posts.filter(is_sensitive=False).update(is_sensitive=True)


@transaction.atomic
def delete_posts(*, posts) -> int:
    """Delete `posts` (a QuerySet) as a moderator; their pictures' files go once this commits. Return how many."""
    ids = list(posts.values_list("pk", flat=True))
    delete_files_on_commit(attachment_paths(Post.objects.filter(pk__in=ids)))
    _total, by_model = Post.objects.filter(pk__in=ids).delete()
    return by_model.get("posts.Post", 0)


@transaction.atomic
def warn_reported(*, reports) -> int:
    """E-mail the reported person of each of `reports` a warning, once this commits; return how many were sent."""
    sent = 0
    for report in reports.select_related("target"):
        if report.target.email:
            transaction.on_commit(functools.partial(send_warning_email, report=report), robust=True)
            sent += 1
    return sent
