"""Time the first page of search results on the current database; print JSON lines.

Usage, from the project folder (DATABASE_URL picks the database, as for manage.py):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_search_bench \\
        .venv/bin/python bench/search_bench.py --runs 50 cafe library quokka

Each word is searched the way the search page does it: search_posts(), the first page
of the lookahead paginator, then highlights. One JSON line per word gives p50 and p95
in milliseconds, plus the number of posts and of matches for context.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

DEFAULT_WORDS = ["cafe", "library", "quokka", "zeppelin"]


def percentile(samples: list[float], fraction: float) -> float:
    """Return the `fraction` percentile of `samples` (nearest rank)."""
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))]


def time_first_page(word: str, runs: int) -> dict:
    """Search `word` `runs` times (after one warm-up); return timings in ms."""
    from django.conf import settings
    from django.db import connection

    from microblog.pagination import LookaheadPaginator
    from posts.models import Post
    from posts.search import search_posts, with_highlights

    def first_page():
        page = LookaheadPaginator(search_posts(word), settings.POSTS_PER_PAGE).page(1)
        return with_highlights(page.object_list, word)

    first_page()  # warm caches, as a running server would have them
    samples = []
    for _run in range(runs):
        started = time.perf_counter()
        first_page()
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "vendor": connection.vendor,
        "word": word,
        "posts": Post.objects.count(),
        "matches": search_posts(word).count(),
        "runs": runs,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
    }


def main(argv=None) -> None:
    """Parse arguments, set Django up and print one JSON line per word."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("words", nargs="*", default=DEFAULT_WORDS, help=f"words to search (default {DEFAULT_WORDS})")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per word (default 50)")
    args = parser.parse_args(argv)

    import django

    django.setup()
    for word in args.words:
        print(json.dumps(time_first_page(word, max(args.runs, 1))), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microblog.settings.dev")
    main()
