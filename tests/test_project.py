"""Project-wide checks: migrations match the models; the system checks pass."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree():
    # Raises SystemExit(1) if a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_system_checks_pass():
    call_command("check", fail_level="WARNING")


def test_links_in_notices_follow_the_port_make_run_serves_on():
    """`PORT=8080 make run`: the SMS and QR links point at 8080, not 8000 (unless
    YIZHAN_SITE_URL says where the site is)."""
    import os
    import subprocess
    import sys

    def site_url(**env: str) -> str:
        clean = {k: v for k, v in os.environ.items() if k not in ("PORT", "YIZHAN_SITE_URL")}
        return subprocess.run(
            [sys.executable, "-c", "from config import env; print(env.SITE_URL)"],
            env={**clean, **env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    assert site_url(PORT="8123") == "http://127.0.0.1:8123"
    assert site_url() == "http://127.0.0.1:8000"
    assert (
        site_url(PORT="8123", YIZHAN_SITE_URL="https://yz.example.cn/") == "https://yz.example.cn"
    )
