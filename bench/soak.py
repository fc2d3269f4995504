"""Load and faults on loopback: simulated users against gunicorn + PostgreSQL, then a ledger check.

Usage, from the project folder (as root for --restart-postgres):

    .venv/bin/python bench/soak.py --users 8 --duration 180 --restart-postgres

It creates a scratch database on the local PostgreSQL (never an existing one: it refuses
a name that exists), migrates it, and serves it with gunicorn and the production settings
over plain HTTP on 127.0.0.1 with RATELIMIT_ENABLED=false. Each simulated user (a thread)
registers, then until the time is up posts, follows, sends messages and reads feeds.
Midway, one gunicorn worker is killed with SIGKILL (the master starts another) and, only
with --restart-postgres, the local cluster is restarted with pg_ctlcluster.

At the end it prints JSON: requests by status, transport errors, latency percentiles,
and the ledger check: every post and message whose creation was acknowledged (a 302
after the POST) must be in the database exactly once. The exit status is 1 if not.
"""

import argparse
import collections
import contextlib
import json
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"


# ---------------------------------------------------------------------------
# Bookkeeping (unit-tested in bench/test_soak.py: no servers needed)
# ---------------------------------------------------------------------------


def percentile(samples: list[float], fraction: float) -> float:
    """Return the `fraction` percentile of `samples` (nearest rank); 0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))]


class Ledger:
    """Thread-safe counts of what was asked, what was answered and what was acknowledged."""

    def __init__(self):
        self._lock = threading.Lock()
        self.statuses = collections.Counter()  # (action, status or error name) -> count
        self.latencies: list[float] = []
        self.acknowledged: dict[str, list[str]] = {"post": [], "message": []}

    def record(self, action: str, outcome, seconds: float) -> None:
        """Count one request's outcome: an HTTP status or an exception's class name."""
        with self._lock:
            self.statuses[(action, outcome)] += 1
            self.latencies.append(seconds)

    def acknowledge(self, kind: str, key: str) -> None:
        """Remember that the server confirmed creating the `kind` ("post", "message") with body `key`."""
        with self._lock:
            self.acknowledged[kind].append(key)

    def check(self, stored: dict[str, collections.Counter]) -> dict:
        """Compare acknowledged writes with `stored` counts per body; list the missing and duplicated."""
        result = {}
        for kind, keys in self.acknowledged.items():
            found = stored.get(kind, collections.Counter())
            result[kind] = {
                "acknowledged": len(keys),
                "missing": sorted(key for key in keys if found[key] == 0),
                "duplicated": sorted(key for key in set(keys) if found[key] > 1),
            }
        return result

    def summary(self) -> dict:
        """Return totals by status and by action, and latency percentiles in milliseconds."""
        by_status = collections.Counter()
        by_action = collections.defaultdict(collections.Counter)
        for (action, outcome), count in self.statuses.items():
            by_status[str(outcome)] += count
            by_action[action][str(outcome)] += count
        ms = [seconds * 1000 for seconds in self.latencies]
        return {
            "requests": sum(by_status.values()),
            "by_status": dict(sorted(by_status.items())),
            "by_action": {action: dict(sorted(counts.items())) for action, counts in sorted(by_action.items())},
            "latency_ms": {
                "p50": round(percentile(ms, 0.5), 1),
                "p95": round(percentile(ms, 0.95), 1),
                "p99": round(percentile(ms, 0.99), 1),
                "max": round(max(ms, default=0), 1),
            },
        }


def acknowledged(response) -> bool:
    """Return whether a form POST's answer confirms the write: a redirect, not to the sign-in page."""
    return (
        response is not None
        and response.status_code == 302
        and not response.headers.get("Location", "").startswith("/auth/login/")
    )


def is_loopback_database_url(url: str) -> bool:
    """Return whether `url` names a PostgreSQL server on this machine's loopback."""
    match = re.match(r"^postgres(?:ql)?://[^@/]*@(127\.0\.0\.1|localhost|\[::1\])(?::\d+)?/", url)
    return match is not None


# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------


def admin_sql(sql: str, params=None):
    import psycopg

    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float) -> bool:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except requests.RequestException:
            pass
        time.sleep(0.3)
    return False


def worker_pids(master_pid: int) -> list[int]:
    """Return the pids of gunicorn's workers (the master's children)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def restart_postgres() -> None:
    """Restart the local cluster serving port 5432 (and nothing else)."""
    for line in subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    ).stdout.splitlines():
        version, cluster, port = line.split()[:3]
        if int(port) == PG_PORT:
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart"], check=True, timeout=120
            )
            return
    raise RuntimeError(f"no local cluster listens on port {PG_PORT}")


# ---------------------------------------------------------------------------
# Simulated users
# ---------------------------------------------------------------------------


class User:
    """One visitor with their own cookies, acting at random until the deadline."""

    def __init__(self, base: str, name: str, ledger: Ledger, directory: list[str], rng: random.Random):
        import requests

        self.base, self.name, self.ledger, self.directory, self.rng = base, name, ledger, directory, rng
        self.http = requests.Session()
        self.sent = 0

    def request(self, action: str, method: str, path: str, **kwargs):
        started = time.monotonic()
        try:
            response = self.http.request(method, self.base + path, timeout=30, allow_redirects=False, **kwargs)
        except Exception as error:  # a killed worker or a restart: count it and carry on
            self.ledger.record(action, type(error).__name__, time.monotonic() - started)
            return None
        self.ledger.record(action, response.status_code, time.monotonic() - started)
        return response

    def form(self, action: str, path: str, data: dict):
        """POST a form with the CSRF cookie's token (GETting the page first if there is no cookie)."""
        if "csrftoken" not in self.http.cookies:
            self.request("read", "GET", path)
        token = self.http.cookies.get("csrftoken", "")
        return self.request(action, "POST", path, data={**data, "csrfmiddlewaretoken": token})

    def register(self) -> bool:
        password = "soak-" + uuid.uuid4().hex
        data = {
            "username": self.name,
            "email": f"{self.name}@example.com",
            "password1": password,
            "password2": password,
        }
        response = self.form("register", "/auth/register/", data)
        return response is not None and response.status_code == 302

    def act(self) -> None:
        others = [name for name in self.directory if name != self.name]
        choice = self.rng.choices(["post", "follow", "message", "read"], weights=[3, 1, 2, 4])[0]
        if choice == "post":
            body = f"soak {self.name} {self.sent} {uuid.uuid4().hex[:12]}"
            self.sent += 1
            response = self.form("post", "/", {"body": body})
            if acknowledged(response):
                self.ledger.acknowledge("post", body)
        elif choice == "follow" and others:
            self.form("follow", f"/follow/{self.rng.choice(others)}/", {})
        elif choice == "message" and others:
            body = f"dm {self.name} {self.sent} {uuid.uuid4().hex[:12]}"
            self.sent += 1
            response = self.form("message", f"/send_message/{self.rng.choice(others)}/", {"body": body})
            if acknowledged(response):
                self.ledger.acknowledge("message", body)
        else:
            self.request("read", "GET", self.rng.choice(["/", "/explore/", "/messages/", f"/user/{self.name}/"]))

    def run(self, deadline: float, registered: threading.Barrier) -> None:
        ok = False
        for _attempt in range(5):
            ok = self.register()
            if ok:
                break
            time.sleep(1)
        if ok:
            self.directory.append(self.name)
        with contextlib.suppress(threading.BrokenBarrierError):
            registered.wait(timeout=120)
        while ok and time.monotonic() < deadline:
            self.act()


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


def stored_counts(database: str, ledger: Ledger) -> dict[str, collections.Counter]:
    """Count, per acknowledged body, how many rows hold it."""
    import psycopg

    counts = {}
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=database) as conn:
        for kind, table in (("post", "posts_post"), ("message", "posts_message")):
            rows = conn.execute(
                f"SELECT body, count(*) FROM {table} WHERE body = ANY(%s) GROUP BY body",
                (ledger.acknowledged[kind],),
            ).fetchall()
            counts[kind] = collections.Counter(dict(rows))
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=8, help="concurrent simulated users (default 8)")
    parser.add_argument("--duration", type=float, default=180, help="seconds of load (default 180)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (default 4)")
    parser.add_argument(
        "--restart-postgres",
        action="store_true",
        help="restart the local PostgreSQL cluster midway (needs root; disturbs everything using it)",
    )
    parser.add_argument("--no-kill-worker", action="store_true", help="do not SIGKILL a gunicorn worker midway")
    parser.add_argument("--keep-database", action="store_true", help="leave the scratch database for inspection")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.users < 1 or not 10 <= args.duration <= 3600:
        parser.error("--users must be at least 1 and --duration between 10 and 3600 seconds")

    import requests

    database = f"microblog_soak_{os.getpid()}"
    if admin_sql("SELECT 1 FROM pg_database WHERE datname = %s", (database,)):
        parser.error(f"database {database} exists; refusing to touch it")
    database_url = f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"
    assert is_loopback_database_url(database_url)
    admin_sql(f'CREATE DATABASE "{database}"')
    tmp = Path(tempfile.mkdtemp(prefix="soak-"))
    port = free_port()
    env = {
        **{key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}},
        "DJANGO_SETTINGS_MODULE": "microblog.settings.prod",
        "SECRET_KEY": "soak-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "EMAIL_URL": "dummymail://",
        "STATIC_ROOT": str(tmp / "static"),
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "RATELIMIT_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(args.workers),
        "GUNICORN_THREADS": str(args.threads),
    }
    server = None
    faults = []
    try:
        for command in (["migrate", "--no-input"], ["collectstatic", "--no-input", "-v0"]):
            done = subprocess.run(
                [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
            )
            if done.returncode:
                raise RuntimeError(f"manage.py {command[0]} failed:\n{done.stderr[-3000:]}")
        with open(tmp / "gunicorn.log", "wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "microblog.wsgi"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        if not wait_for(lambda: requests.get(f"{base}/healthz", timeout=2).status_code == 200, 60):
            raise RuntimeError(f"gunicorn did not start; see {tmp / 'gunicorn.log'}")

        ledger, directory, rng = Ledger(), [], random.Random(args.seed)
        registered = threading.Barrier(args.users)
        started = time.monotonic()
        deadline = started + args.duration
        users = [
            User(base, f"soak{n}_{uuid.uuid4().hex[:6]}", ledger, directory, random.Random(rng.random()))
            for n in range(args.users)
        ]
        threads = [threading.Thread(target=user.run, args=(deadline, registered), daemon=True) for user in users]
        for thread in threads:
            thread.start()

        if not args.no_kill_worker:
            time.sleep(max(0.0, started + args.duration * 0.35 - time.monotonic()))
            pids = worker_pids(server.pid)
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                faults.append({"at_s": round(time.monotonic() - started, 1), "fault": f"SIGKILL worker {pids[0]}"})
        if args.restart_postgres:
            time.sleep(max(0.0, started + args.duration * 0.6 - time.monotonic()))
            at = time.monotonic()
            restart_postgres()
            faults.append(
                {
                    "at_s": round(at - started, 1),
                    "fault": "PostgreSQL restarted",
                    "took_s": round(time.monotonic() - at, 1),
                }
            )
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()) + 60)

        report = {
            "users": args.users,
            "registered": len(directory),
            "duration_s": round(time.monotonic() - started, 1),
            "faults": faults,
            **ledger.summary(),
            "workers_after": len(worker_pids(server.pid)),
            "healthz_after": requests.get(f"{base}/healthz", timeout=10).status_code,
            "ledger": ledger.check(stored_counts(database, ledger)),
        }
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if not args.keep_database:
            admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    print(json.dumps(report, indent=2))
    lost = any(entry["missing"] or entry["duplicated"] for entry in report["ledger"].values())
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
