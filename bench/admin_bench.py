"""Time the admin's busiest pages on a big database, in-process (server time only).

    createdb -h 127.0.0.1 -U postgres microblog_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/microblog_bench
    python manage.py migrate
    python manage.py seed_demo --users 5000 --posts 500000
    python bench/admin_bench.py --requests 30

Each page is requested through Django's test Client as a signed-in superuser (and a
moderator) after one warm-up request; p50 and p95 are reported in milliseconds with the
number of SQL queries. Results are recorded in docs/admin.md.
"""

import argparse
import logging
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The test settings: DEBUG off (no SQL kept in memory) and the "testserver" host allowed.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microblog.settings.test")

import django

django.setup()
# A moderator's refused pages are expected here, not worth a logged traceback.
logging.getLogger("django.request").setLevel(logging.ERROR)

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from posts.models import Message, Post  # noqa: E402

TARGET_MS = 300


def pages():
    """Return (label, url) for every page measured; the objects are the newest ones."""
    post = Post.objects.order_by("-created_at", "-pk").first()
    busiest = User.objects.filter(pk=post.author_id).get()
    changelist = reverse("admin:posts_post_changelist")
    # The link of the "Past 7 days" filter.
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    past_week = urlencode(
        {"created_at__gte": str(today - timedelta(days=7)), "created_at__lt": str(today + timedelta(days=1))}
    )
    result = [
        ("posts changelist", changelist),
        ("posts changelist, page 50", f"{changelist}?p=50"),
        ("posts changelist, past 7 days", f"{changelist}?{past_week}"),
        ("posts changelist, language es", f"{changelist}?language=es"),
        ("posts changelist, @author search", f"{changelist}?q=%40{busiest.username}"),
        ("posts changelist, body search", f"{changelist}?q=zeppelin"),
        ("post change page", reverse("admin:posts_post_change", args=[post.pk])),
        ("users changelist", reverse("admin:accounts_user_changelist")),
        ("user change page (with recent posts)", reverse("admin:accounts_user_change", args=[busiest.pk])),
        ("follows changelist", reverse("admin:accounts_follow_changelist")),
    ]
    message = Message.objects.order_by("-pk").first()
    if message:
        result.append(("messages changelist", reverse("admin:posts_message_changelist")))
    return result


def measure(client, url, requests):
    """Return (p50 ms, p95 ms, queries) for `requests` GETs of `url` after a warm-up; None if refused."""
    response = client.get(url)
    if response.status_code == 403:
        return None
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    timings = []
    for _request in range(requests):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    return statistics.median(timings), p95, len(queries)


def staff_client(username, *, superuser):
    """Return a Client signed in as a superuser or as a member of Moderators."""
    user, _created = User.objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@example.com", "is_staff": True, "is_superuser": superuser},
    )
    if not superuser:
        user.groups.add(Group.objects.get(name="Moderators"))
    client = Client()
    client.force_login(user)
    return client


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
    args = parser.parse_args()
    print(
        f"{connection.vendor}, {User.objects.count()} users, {Post.objects.count()} posts, "
        f"{Message.objects.count()} messages; {args.requests} requests per page"
    )
    clients = {
        "superuser": staff_client("bench-admin", superuser=True),
        "moderator": staff_client("bench-moderator", superuser=False),
    }
    try:
        slow = time_pages(clients, args.requests)
    finally:
        # Leave the data set as it was: `make bench` recognises it by its counts.
        User.objects.filter(username__in=["bench-admin", "bench-moderator"]).delete()
    return 1 if slow else 0


def time_pages(clients, requests) -> list[str]:
    """Print each page's timings per role; return the labels of pages over the target."""
    slow = []
    print(f"{'page':42} {'as':10} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for label, url in pages():
        for role, client in clients.items():
            measured = measure(client, url, requests)
            if measured is None:
                print(f"{label:42} {role:10} {'(not allowed)':>17}")
                continue
            p50, p95, queries = measured
            flag = "" if p95 < TARGET_MS or "body search" in label else "  SLOW"
            print(f"{label:42} {role:10} {p50:8.1f} {p95:8.1f} {queries:8d}{flag}")
            if flag:
                slow.append(label)
    return slow


if __name__ == "__main__":
    sys.exit(main())
