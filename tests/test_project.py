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


def test_a_server_installs_no_test_or_lint_tools():
    """requirements.lock (what a server installs) holds no test, lint or browser tools;
    requirements-dev.lock adds them with the very same versions of everything else."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]

    def pins(name: str) -> dict[str, str]:
        text = (root / name).read_text()
        return dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", text, re.M))

    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    tools = {"pytest", "playwright", "mypy", "ruff", "faker", "factory-boy", "moto"}
    assert "django" in runtime and "gunicorn" in runtime
    assert not tools & set(runtime), tools & set(runtime)
    assert tools <= set(dev)
    assert {k: v for k, v in dev.items() if k in runtime} == runtime
