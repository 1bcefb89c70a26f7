"""E-mail from the environment (issue 19, point 3): following `.env.example` with the
production settings starts, and `check --deploy` has nothing to say about mail.

Before: the advice was "EMAIL_HOST... in production settings", which Django 6.1 refuses
beside MAILERS ("Deprecated email settings are not allowed"), and without it the console
mailer failed `check --deploy` (mail.E001)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from config import env
from config.settings import base

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x" * 20 + "-production-test-key-" + "y" * 30,
    "DJANGO_ALLOWED_HOSTS": "yizhan.example.org",
}


def _check_deploy(**variables: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if "EMAIL" not in k}
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--tag",
            "mail",
            "--fail-level",
            "WARNING",
        ],
        cwd=env.BASE_DIR,
        env={**clean, **PRODUCTION, **variables},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_email_url_makes_check_deploy_clean():
    run = _check_deploy(EMAIL_URL="smtps://notice%40union.example.org:p%40ss@smtp.example.org")
    assert run.returncode == 0, run.stderr + run.stdout
    assert "mail.E001" not in run.stdout + run.stderr


def test_host_variables_make_check_deploy_clean():
    run = _check_deploy(
        YIZHAN_EMAIL_HOST="smtp.example.org",
        YIZHAN_EMAIL_USER="notice@union.example.org",
        YIZHAN_EMAIL_PASSWORD="secret",
    )
    assert run.returncode == 0, run.stderr + run.stdout


def test_without_mail_settings_check_deploy_says_so():
    run = _check_deploy()
    assert run.returncode != 0 and "mail.E001" in run.stdout + run.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://u%40x.org:p%3Aw@mail.example.org",
            {"host": "mail.example.org", "port": 587, "use_tls": True, "use_ssl": False},
        ),
        (
            "smtps://u:p@mail.example.org",
            {"host": "mail.example.org", "port": 465, "use_tls": False, "use_ssl": True},
        ),
        (
            "smtp+plain://127.0.0.1",
            {"host": "127.0.0.1", "port": 25, "use_tls": False, "use_ssl": False},
        ),
    ],
)
def test_email_url_parsing(monkeypatch, url, expected):
    monkeypatch.setattr(env, "EMAIL_URL", url)
    mailer = base._mailer()
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert expected.items() <= mailer["OPTIONS"].items()
    if url.startswith("smtp://"):
        assert (mailer["OPTIONS"]["username"], mailer["OPTIONS"]["password"]) == ("u@x.org", "p:w")


def test_bad_email_url_is_refused_at_start(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr(env, "EMAIL_URL", "http://mail.example.org")
    with pytest.raises(ImproperlyConfigured):
        base._mailer()


def test_no_mail_variables_keep_the_configured_backend(monkeypatch):
    monkeypatch.setattr(env, "EMAIL_URL", "")
    monkeypatch.setattr(env, "EMAIL_HOST", "")
    assert base._mailer() == {"BACKEND": env.EMAIL_BACKEND}
