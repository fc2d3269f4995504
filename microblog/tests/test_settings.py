"""Each settings mode starts (or refuses to) as the README says."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_check(settings_module, *args, **env):
    """Run `manage.py check` in a clean environment with only `env` set."""
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    clean.update(DJANGO_SETTINGS_MODULE=settings_module, **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_dev_settings_work_with_an_empty_environment():
    result = run_check("microblog.settings.dev")

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_prod_settings_refuse_to_start_without_required_variables(missing):
    env = {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "example.com"}
    del env[missing]

    result = run_check("microblog.settings.prod", **env)

    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


def test_prod_settings_pass_the_deploy_checklist():
    env = {"SECRET_KEY": "k3y-" + "abcdefghij" * 6, "ALLOWED_HOSTS": "microblog.example.com"}

    result = run_check("microblog.settings.prod", "--deploy", "--fail-level", "WARNING", **env)

    assert result.returncode == 0, result.stdout + result.stderr


def test_prod_https_switches_can_be_turned_off_for_loopback_runs():
    env = {
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "microblog.settings.prod", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert result.stdout.split() == ["False", "False", "False", "0"]


def test_postgres_url_gets_persistent_health_checked_connections():
    code = (
        "import django; django.setup(); from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['ENGINE'], d['CONN_MAX_AGE'] > 0, d['CONN_HEALTH_CHECKS'])"
    )
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "microblog.settings.dev", "DATABASE_URL": "postgres://u@db:5432/x"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert result.stdout.split() == ["django.db.backends.postgresql", "True", "True"]


def test_the_debug_toolbar_starts_folded_in_development():
    code = (
        "import django; django.setup(); from django.conf import settings as s; c = s.DEBUG_TOOLBAR_CONFIG; "
        "print('debug_toolbar' in s.INSTALLED_APPS, c['SHOW_COLLAPSED'], c['USE_SHADOW_DOM'])"
    )
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "microblog.settings.dev"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert result.stdout.split() == ["True", "True", "False"]
