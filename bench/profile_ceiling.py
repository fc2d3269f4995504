"""Where the CPU of the trivial signed-in request goes, part by part, in-process.

Usage, from the project folder (DATABASE_URL picks the database, as for manage.py; REDIS_URL,
when set, gives the Redis cache and the cached_db session store as in production):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mb_perf \\
        .venv/bin/python bench/profile_ceiling.py --requests 2000 --repeats 5 [--json out.json]

It runs the production settings (microblog.settings.prod, with the overrides
bench/http_bench.py gives gunicorn) and Django's own WSGIHandler, the one gunicorn calls,
with a probe between every two middleware of the real MIDDLEWARE list: a probe times
everything inside it, so a middleware's own cost is its probe's time minus the next
probe's. The session and user loads are lazy (whichever middleware first reads
`request.user` pays them), so they are timed apart, by wrapping the session store's
`load` and `django.contrib.auth.get_user`, and the SQL by a database execute wrapper.

Three requests are measured, each `--requests` times per repeat, medians of the repeats:

- ceiling: GET /bench/ceiling/ signed in (the benchmark's ceiling case; 2 SQL queries
  without Redis, 1 with it);
- bare, stack: GET /bench/bare/ without a session cookie through the same middleware;
- bare, no middleware: the same view with MIDDLEWARE = [] (Django's floor).

Wall-clock per part on a shared machine is noisy: read the medians and the ratios. This
measures CPU spent in this process (and the database's answer time inside "SQL"); a
quiet-machine wrk run gives throughput.
"""

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What the benchmark's gunicorn gets (bench/http_bench.py, server_environ), minus the server.
SERVER_ENVIRON = {
    "DJANGO_SETTINGS_MODULE": "microblog.settings.prod",
    "SECRET_KEY": "profile-ceiling-" + "x" * 50,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_HSTS_SECONDS": "0",
    "RATELIMIT_ENABLED": "false",
    "BENCH_MODE": "true",
    "LOG_LEVEL": "WARNING",
}

# Probe i times everything from just before middleware i inward; filled by install_probes().
_probe_totals: list[float] = []


def make_probe(index: int):
    """Return a middleware class that adds the time spent inside it to _probe_totals[index]."""

    class Probe:
        def __init__(self, get_response):
            self.get_response = get_response

        def __call__(self, request):
            started = time.perf_counter()
            try:
                return self.get_response(request)
            finally:
                _probe_totals[index] += time.perf_counter() - started

    Probe.__name__ = Probe.__qualname__ = f"Probe{index}"
    return Probe


def install_probes(middleware: list[str]) -> list[str]:
    """Return `middleware` with a probe before each entry and one before the view."""
    module = sys.modules[__name__]
    probed = []
    _probe_totals[:] = [0.0] * (len(middleware) + 1)
    for index in range(len(middleware) + 1):
        name = f"Probe{index}"
        setattr(module, name, make_probe(index))
        probed.append(f"{module.__name__}.{name}")
        if index < len(middleware):
            probed.append(middleware[index])
    return probed


class Timers:
    """Accumulated seconds of the lazy loads and of SQL, plus the query count."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.session = self.user = self.sql = 0.0
        self.queries = 0

    def sql_wrapper(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.sql += time.perf_counter() - started
            self.queries += 1


def wrap_loads(timers: Timers) -> None:
    """Time SessionStore.load and auth.get_user (which includes the session load it causes)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib import auth

    store = import_module(settings.SESSION_ENGINE).SessionStore
    original_load, original_get_user = store.load, auth.get_user

    def load(self):
        started = time.perf_counter()
        try:
            return original_load(self)
        finally:
            timers.session += time.perf_counter() - started

    def get_user(request):
        started = time.perf_counter()
        try:
            return original_get_user(request)
        finally:
            timers.user += time.perf_counter() - started

    store.load = load
    auth.get_user = get_user


def environ_for(path: str, cookie: str = "") -> dict:
    """Return a WSGI environ like gunicorn's for GET `path` on loopback."""
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "profile_ceiling",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


def serve(handler, path: str, cookie: str) -> bytes:
    """Run one request through `handler` as a WSGI server does: call, read, close."""
    statuses = []
    result = handler(environ_for(path, cookie), lambda status, headers, exc_info=None: statuses.append(status))
    try:
        body = b"".join(result)
    finally:
        result.close()  # request_finished: what gunicorn triggers after the body
    if not statuses[0].startswith("200"):
        raise SystemExit(f"{path} answered {statuses[0]}: is BENCH_MODE on and the user signed in?")
    return body


def measure(handler, path: str, cookie: str, middleware: list[str], timers: Timers, requests: int) -> dict:
    """Serve `path` `requests` times; return microseconds per request for each part."""
    for _ in range(20):
        serve(handler, path, cookie)
    timers.reset()
    _probe_totals[:] = [0.0] * len(_probe_totals)
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(requests):
        serve(handler, path, cookie)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    per = 1_000_000 / requests
    inclusive = [seconds * per for seconds in _probe_totals[: len(middleware) + 1]]
    # Process CPU leaves out the time spent waiting for PostgreSQL or Redis: the steadier
    # figure on a shared machine, and what a gunicorn worker's core spends.
    parts = {"total": total * per, "total, this process's CPU": cpu * per}
    if middleware:
        parts["django handler (request, response, signals)"] = parts["total"] - inclusive[0]
        for index, name in enumerate(middleware):
            parts[name] = inclusive[index] - inclusive[index + 1]
        parts["url resolution + view"] = inclusive[-1]
    else:
        parts["django handler (request, response, signals)"] = parts["total"]
    parts["  of which: session load"] = timers.session * per
    parts["  of which: user load (after its session load)"] = max(0.0, (timers.user - timers.session) * per)
    parts["  of which: SQL (all queries)"] = timers.sql * per
    parts["SQL queries per request"] = timers.queries / requests
    return parts


def signed_in_cookie() -> str:
    """Return the Cookie header of a signed-in ordinary user (created if missing)."""
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User

    user, _ = User.objects.get_or_create(username="profile_ceiling", defaults={"email": "pc@example.com"})
    User.objects.filter(pk=user.pk).update(last_seen=timezone.now())  # LastSeenMiddleware then writes nothing
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def main(argv=None) -> int:
    """Print the per-part costs as a table (and JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per case and repeat (default 2000)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats; medians are kept (default 5)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument(
        "--no-health-checks", action="store_true", help="measure with CONN_HEALTH_CHECKS off (a what-if)"
    )
    parser.add_argument("--label", default="", help="a name for this run in the JSON")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    for key, value in SERVER_ENVIRON.items():
        os.environ.setdefault(key, value)
    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    if connection.vendor != "postgresql":
        print("note: not PostgreSQL; the SQL share is not what the benchmark sees", file=sys.stderr)
    if args.no_health_checks:
        connection.settings_dict["CONN_HEALTH_CHECKS"] = False
    timers = Timers()
    wrap_loads(timers)
    cookie = signed_in_cookie()
    middleware = list(settings.MIDDLEWARE)
    settings.MIDDLEWARE = install_probes(middleware)
    full = WSGIHandler()
    settings.MIDDLEWARE = []
    bare = WSGIHandler()
    settings.MIDDLEWARE = middleware

    cases = [
        ("ceiling (signed in)", full, "/bench/ceiling/", cookie, middleware),
        ("bare view, whole stack, no cookie", full, "/bench/bare/", "", middleware),
        ("bare view, no middleware", bare, "/bench/bare/", "", []),
    ]
    results = {}
    load_before = os.getloadavg()
    with connection.execute_wrapper(timers.sql_wrapper):
        for name, handler, path, cookie_header, stack in cases:
            runs = [measure(handler, path, cookie_header, stack, timers, args.requests) for _ in range(args.repeats)]
            results[name] = {part: statistics.median(run[part] for run in runs) for part in runs[0]}

    health = connection.settings_dict["CONN_HEALTH_CHECKS"]
    print(f"session engine: {settings.SESSION_ENGINE}; cache: {settings.CACHES['default']['BACKEND']}")
    print(f"CONN_HEALTH_CHECKS: {health}; load average before: {load_before}")
    print(f"{args.requests} requests x {args.repeats} repeats, medians, microseconds per request")
    for name, parts in results.items():
        print(f"\n## {name}")
        for part, value in parts.items():
            print(f"{value:10.1f}  {part}" if "per request" not in part else f"{value:10.1f}  {part}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "label": args.label,
                    "session_engine": settings.SESSION_ENGINE,
                    "cache": settings.CACHES["default"]["BACKEND"],
                    "requests": args.requests,
                    "repeats": args.repeats,
                    "conn_health_checks": health,
                    "load_average_before": load_before,
                    "load_average_after": os.getloadavg(),
                    "results": results,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
