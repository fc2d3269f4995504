"""EXPLAIN (ANALYZE, BUFFERS) of the timelines' entries queries, page 1 and page 50, as the ORM sends them.

Usage, from the project folder, on a seeded PostgreSQL database (bench/http_bench.py seeds one):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_e \\
        .venv/bin/python bench/explain_timelines.py [--boosts 20000] [--runs 30] > out.txt

Readers: a *dense* user (the one whose follows wrote the most posts) and a *sparse* one
(the last user seed_demo made: its `--sparse-users` follow ~100 people picked uniformly
at random). For each of the home feed (both readers), the busiest author's profile
and explore it captures the entries queries (one per source) of page 1, of page 50
reached by walking 49 cursors (`?before=`, what the "Older posts" link does), and of
`?page=50` (OFFSET), with the exact SQL and parameters the ORM sent, then prints each
one's plan and the median and p95 of `--runs` executions. `--boosts N` first adds N
boosts (random readers of random posts, after the post's time) when the data set has
none, so the feed's second source is not empty.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PER_PAGE = 25


def capture(function):
    """Run `function`; return its result and the (sql, params) of every query it sent."""
    from django.db import connection

    sent = []

    def wrapper(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        result = function()
    return result, sent


def explain(sql, params) -> list[str]:
    """Return the EXPLAIN (ANALYZE, BUFFERS) lines of one query with its real parameters."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return [row[0] for row in cursor.fetchall()]


def timings(sql, params, runs: int) -> tuple[float, float]:
    """Return the median and p95 in ms of `runs` executions (after one warm-up)."""
    from django.db import connection

    samples = []
    with connection.cursor() as cursor:
        for index in range(runs + 1):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            if index:
                samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, round(0.95 * len(samples)) - 1)]


def add_boosts(count: int) -> None:
    """Insert `count` boosts of random posts by random users, each after its post, if there are none."""
    from django.db import connection

    from posts.models import Boost

    if not count or Boost.objects.exists():
        return
    print(f"-- adding {count} boosts", flush=True)
    with connection.cursor() as cursor:
        # One statement: random readers boost random posts some minutes to days later.
        cursor.execute(
            """
            WITH readers AS (SELECT array_agg(id) AS ids FROM accounts_user)
            INSERT INTO posts_boost (user_id, post_id, created_at)
            SELECT readers.ids[1 + floor(random() * array_length(readers.ids, 1))::int],
                   p.id, p.created_at + random() * interval '3 days'
            FROM (SELECT id, created_at FROM posts_post ORDER BY random() LIMIT %s) p, readers
            ON CONFLICT DO NOTHING
            """,
            [count],
        )
        cursor.execute("ANALYZE posts_boost")


def sparse_reader():
    """Return a sparse reader: seed_demo makes them last, each following ~100 users picked uniformly at random."""
    from accounts.models import User

    return User.objects.filter(is_active=True).order_by("-pk").first()


def dense_reader():
    """Return the user whose follows wrote the most posts."""
    from django.db import connection

    from accounts.models import User

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT f.follower_id FROM accounts_follow f
            JOIN (SELECT author_id, count(*) n FROM posts_post GROUP BY author_id) a ON a.author_id = f.followed_id
            GROUP BY f.follower_id ORDER BY sum(a.n) DESC LIMIT 1
            """
        )
        return User.objects.get(pk=cursor.fetchone()[0])


def followed_posts(user) -> int:
    """Return how many posts the feed of `user` holds (their follows' and their own)."""
    from django.db.models import Q

    from accounts.models import Follow
    from posts.models import Post

    followed = Follow.objects.filter(follower=user).values("followed_id")
    return Post.objects.filter(Q(author__in=followed) | Q(author=user)).count()


def report(name: str, timeline, runs: int) -> None:
    """Print the plans and timings of page 1, page 50 by cursor and page 50 by OFFSET of `timeline`."""
    from posts.timelines import Cursor

    before = None
    for _ in range(49):
        entries = timeline.entries(limit=PER_PAGE + 1, before=before)
        before = Cursor.of(entries[PER_PAGE - 1])
    pages = [
        ("page 1", lambda: timeline.entries(limit=PER_PAGE + 1)),
        ("page 50, cursor", lambda: timeline.entries(limit=PER_PAGE + 1, before=before)),
        ("page 50, ?page=50 (OFFSET)", lambda: timeline.entries(limit=PER_PAGE + 1, offset=49 * PER_PAGE)),
    ]
    for label, run in pages:
        rows, sent = capture(run)
        # One query per source (posts/timelines.py): each is timed and explained.
        for number, (sql, params) in enumerate(sent, start=1):
            median, p95 = timings(sql, params, runs)
            source = f"source {number} of {len(sent)}"
            print(
                f"\n=== {name}: {label}, {source} ({len(rows)} entries; median {median:.2f} ms, "
                f"p95 {p95:.2f} ms over {runs} runs)"
            )
            print(f"-- SQL: {sql}\n-- params: {params!r}")
            print("\n".join(explain(sql, params)), flush=True)


def main(argv=None) -> int:
    """Print every plan; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="executions per query for the timings (default 30)")
    parser.add_argument("--boosts", type=int, default=20_000, help="boosts to add when there are none")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microblog.settings.dev")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    from posts import timelines
    from posts.models import Post

    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only: these are its plans.")
    add_boosts(args.boosts)
    sparse, dense = sparse_reader(), dense_reader()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_follow")
    top = Post.objects.order_by().values("author").annotate(n=Count("pk")).order_by("-n").first()
    busiest = type(sparse).objects.get(pk=top["author"])
    print(f"-- posts: {Post.objects.count():,}; dense reader {dense.username}: {followed_posts(dense):,} feed posts;")
    print(f"-- sparse reader {sparse.username}: {followed_posts(sparse):,} feed posts; busiest author")
    print(f"-- {busiest.username}: {top['n']:,} posts")
    report(f"home, dense ({dense.username})", timelines.home(dense), args.runs)
    report(f"home, sparse ({sparse.username})", timelines.home(sparse), args.runs)
    report(f"profile ({busiest.username})", timelines.profile(busiest, with_replies=False), args.runs)
    report("explore", timelines.explore(), args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
