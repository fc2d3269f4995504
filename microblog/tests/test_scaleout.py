"""Two gunicorn instances and one RQ worker share only PostgreSQL and Redis.

The multi-machine shape of docs/deployment.md, on loopback: a user signs in through
instance A and carries on through instance B with the same session, a post made on A
shows on B, an export requested on B is run by the worker and its progress is seen from
A, and stopping A loses nothing. It runs the release commands of the deployment guide
(migrate, collectstatic) against its own database.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
import requests
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/14"

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.scaleout]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    netloc = f"{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return urlunsplit(("postgres", netloc, f"/{name}", "", ""))


def admin_sql(sql: str) -> None:
    import psycopg

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(sql)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Migrate a fresh database, collect static files, start web A, web B and a worker."""
    name = f"microblog_scaleout_{os.getpid()}"
    admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
    admin_sql(f'CREATE DATABASE "{name}"')
    tmp = tmp_path_factory.mktemp("scaleout")
    env = {
        **{k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}},
        "DJANGO_SETTINGS_MODULE": "microblog.settings.prod",
        "SECRET_KEY": "scale-out-test-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(name),
        "REDIS_URL": REDIS_URL,
        # django-environ reads the path after "filemail://" without its first "/".
        "EMAIL_URL": f"filemail:///{tmp / 'mail'}",
        "STATIC_ROOT": str(tmp / "static"),
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
    }
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--no-input"], ["collectstatic", "--no-input", "-v0"]):
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True, timeout=300, capture_output=True)
    redis.Redis.from_url(REDIS_URL).flushdb()

    processes = {}
    ports = {"a": free_port(), "b": free_port()}
    for label, port in ports.items():
        processes[label] = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "microblog.wsgi"],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    processes["worker"] = subprocess.Popen(
        manage + ["rqworker", "default", "--job-class", "django_tasks_rq.Job"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    urls = {label: f"http://127.0.0.1:{port}" for label, port in ports.items()}
    for url in urls.values():
        wait_for(lambda url=url: requests.get(f"{url}/healthz", timeout=2).status_code == 200, what=f"{url} up")
    try:
        yield {"urls": urls, "processes": processes, "mail_dir": tmp / "mail"}
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_for(condition, *, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for: {what}")


def csrf_from(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def post_form(session, url, data):
    token = csrf_from(session.get(url, timeout=10).text)
    return session.post(url, data={**data, "csrfmiddlewaretoken": token}, timeout=10, headers={"Referer": url})


def test_a_user_moves_between_instances_and_loses_nothing(cluster):
    a, b = cluster["urls"]["a"], cluster["urls"]["b"]
    browser = requests.Session()

    registered = post_form(
        browser,
        f"{a}/auth/register/",
        {
            "username": "roamer",
            "email": "roamer@example.com",
            "password1": "sc4le-out-pass!",
            "password2": "sc4le-out-pass!",
        },
    )
    assert registered.url == f"{a}/", registered.text[:500]

    # Cookies are per host, not per port: B sees the session that A created.
    home_on_b = browser.get(f"{b}/", timeout=10)
    assert home_on_b.status_code == 200
    assert "roamer" in home_on_b.text

    posted = post_form(browser, f"{a}/", {"body": "Written on instance A"})
    assert posted.status_code == 200
    assert "Written on instance A" in browser.get(f"{b}/explore/", timeout=10).text

    token = csrf_from(browser.get(f"{b}/user/roamer/", timeout=10).text)
    browser.post(f"{b}/export_posts/", data={"csrfmiddlewaretoken": token}, headers={"Referer": b}, timeout=10)

    def export_done():
        notes = browser.get(f"{a}/notifications/?since=0", timeout=10).json()
        progress = [n["data"] for n in notes if n["name"] == "task_progress"]
        return progress and progress[-1]["state"] == "done" and progress[-1]["progress"] == 100

    wait_for(export_done, what="the worker to finish the export, seen from A")
    assert list(cluster["mail_dir"].glob("*.log")), "the export email was not written"

    os.killpg(cluster["processes"]["a"].pid, signal.SIGTERM)
    cluster["processes"]["a"].wait(timeout=30)
    still_here = browser.get(f"{b}/user/roamer/", timeout=10)
    assert "Written on instance A" in still_here.text
    assert urlsplit(still_here.url).port == urlsplit(b).port


def test_hashed_static_files_are_cached_for_a_long_time(cluster):
    b = cluster["urls"]["b"]
    page = requests.get(f"{b}/auth/login/", timeout=10).text
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page).group(1)

    response = requests.get(f"{b}{css}", timeout=10)

    assert response.status_code == 200
    assert "max-age=315360000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
