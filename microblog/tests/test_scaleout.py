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
from urllib.parse import urlsplit

import pytest
import redis
import requests

from microblog.tests import live_servers

REDIS_URL = "redis://127.0.0.1:6379/14"

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.scaleout]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Migrate a fresh database, collect static files, start web A, web B and a worker."""
    name = f"microblog_scaleout_{os.getpid()}"
    tmp = tmp_path_factory.mktemp("scaleout")
    env = live_servers.production_env(
        database_url=live_servers.create_scratch_database(name),
        static_root=tmp / "static",
        REDIS_URL=REDIS_URL,
        # django-environ reads the path after "filemail://" without its first "/".
        EMAIL_URL=f"filemail:///{tmp / 'mail'}",
    )
    live_servers.release(env)
    redis.Redis.from_url(REDIS_URL).flushdb()

    processes, urls = {}, {}
    try:
        for label in ("a", "b"):
            processes[label], urls[label] = live_servers.start_gunicorn(env, live_servers.free_port())
        processes["worker"] = live_servers.start(
            [*live_servers.MANAGE, "rqworker", "default", "--job-class", "django_tasks_rq.Job"], env
        )
        yield {"urls": urls, "processes": processes, "mail_dir": tmp / "mail"}
    finally:
        live_servers.stop(*processes.values())
        live_servers.drop_scratch_database(name)


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

    live_servers.wait_for(export_done, what="the worker to finish the export, seen from A")
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
