"""Real gunicorn processes on loopback against a scratch PostgreSQL database, for tests.

The scale-out and recovery tests run the production settings over plain HTTP exactly as
docs/deployment.md does, so they share how a scratch database is made, how the release
commands run and how a server is started and stopped.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlunsplit

import requests
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, "manage.py"]


def free_port() -> int:
    """Return a loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def admin_sql(sql: str) -> None:
    """Run one statement on the server's `postgres` database, outside any transaction."""
    import psycopg

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(sql)


def create_scratch_database(name: str) -> str:
    """(Re)create database `name` on the test server and return its DATABASE_URL."""
    admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_sql(f'CREATE DATABASE "{name}"')
    db = settings.DATABASES["default"]
    netloc = f"{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return urlunsplit(("postgres", netloc, f"/{name}", "", ""))


def drop_scratch_database(name: str) -> None:
    """Drop database `name`, even if a test left it refusing connections."""
    admin_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_env(*, database_url: str, static_root: Path, **extra: str) -> dict:
    """Return the environment of the production settings over plain HTTP on loopback."""
    return {
        **{key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}},
        "DJANGO_SETTINGS_MODULE": "microblog.settings.prod",
        "SECRET_KEY": "live-server-test-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(static_root),
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "CRITICAL",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        **extra,
    }


def release(env: dict) -> None:
    """Run the release commands of docs/deployment.md (migrate, collectstatic)."""
    for command in (["migrate", "--no-input"], ["collectstatic", "--no-input", "-v0"]):
        subprocess.run(MANAGE + command, cwd=ROOT, env=env, check=True, timeout=300, capture_output=True)


def start(command: list[str], env: dict) -> subprocess.Popen:
    """Start a server or worker in its own process group, quietly."""
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def start_gunicorn(env: dict, port: int) -> tuple[subprocess.Popen, str]:
    """Start gunicorn on 127.0.0.1:`port`, wait until /healthz answers; return (process, base URL)."""
    process = start(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "microblog.wsgi"],
        {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: requests.get(f"{url}/healthz", timeout=2).status_code == 200, what=f"{url} up")
    return process, url


def stop(*processes: subprocess.Popen) -> None:
    """Stop processes (and their children) started by start(), killing what lingers."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_for(condition, *, what: str, timeout: float = 60) -> None:
    """Poll `condition` until it is true; connection errors count as not yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for: {what}")
