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


def settings_values(settings_module, expression, **env):
    """Return the words that printing `expression` (on `s`, the settings) gives under `settings_module`."""
    code = f"import django; django.setup(); from django.conf import settings as s; print({expression})"
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": settings_module, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.split()


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
    values = settings_values(
        "microblog.settings.prod",
        "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS",
        **env,
    )

    assert values == ["False", "False", "False", "0"]


def test_postgres_url_gets_persistent_health_checked_connections():
    values = settings_values(
        "microblog.settings.dev",
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['CONN_MAX_AGE'] > 0, "
        "s.DATABASES['default']['CONN_HEALTH_CHECKS']",
        DATABASE_URL="postgres://u@db:5432/x",
    )

    assert values == ["django.db.backends.postgresql", "True", "True"]


def test_the_debug_toolbar_starts_folded_in_development():
    values = settings_values(
        "microblog.settings.dev",
        "'debug_toolbar' in s.INSTALLED_APPS, s.DEBUG_TOOLBAR_CONFIG['SHOW_COLLAPSED'], "
        "s.DEBUG_TOOLBAR_CONFIG['USE_SHADOW_DOM']",
    )

    assert values == ["True", "True", "False"]
