"""EXPLAIN (ANALYZE, BUFFERS) of the search page's queries, as the ORM sends them (PostgreSQL).

Usage, from the project folder:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_e .venv/bin/python bench/explain_search.py cafe quokka

For each word: the queries of the first results page (search_posts(), the lookahead
paginator's page 1, highlights), each with its plan and the median/p95 of 20 runs.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(words) -> int:
    """Print the plans of the first search page for each of `words`."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microblog.settings.dev")
    import django

    django.setup()
    from django.conf import settings

    from bench.explain_timelines import capture, explain, timings
    from microblog.pagination import LookaheadPaginator
    from posts.search import search_posts, with_highlights

    for word in words:

        def first_page(word=word):
            page = LookaheadPaginator(search_posts(word), settings.POSTS_PER_PAGE).page(1)
            return with_highlights(page.object_list, word)

        _, sent = capture(first_page)
        for sql, params in sent:
            median, p95 = timings(sql, params, 20)
            print(f"\n=== search {word!r}: median {median:.2f} ms, p95 {p95:.2f} ms over 20 runs")
            print(f"-- SQL: {sql}\n-- params: {params!r}")
            print("\n".join(explain(sql, params)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:] or ["cafe", "quokka"]))
