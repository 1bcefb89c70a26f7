"""`manage.py remind` walks core's reminder registry, which the apps fill on start-up: the
same reminders, in the same order, with the same output as when operations' command
imported every app."""

from __future__ import annotations

import ast
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command

import yizhan.core.management.commands.remind as remind_command
from yizhan.core import reminders

EXPECTED = [
    ("interrupted tasks", "yizhan.core"),
    ("rectifications escalated", "yizhan.operations"),
    ("reports overdue", "yizhan.feedback"),
    ("inspection reminders", "yizhan.operations"),
    ("stock reminders", "yizhan.supplies"),
    ("shift reminders", "yizhan.volunteers"),
    ("locker reservations expired", "yizhan.lockers"),
    ("donation claims expired", "yizhan.lockers"),
]


def test_the_apps_register_their_reminders_in_a_fixed_order() -> None:
    assert [(r.name, r.fn.__module__) for r in reminders.registered()] == [
        (name, f"{app}.apps")
        for name, app in EXPECTED  # each registered by its own app
    ]
    orders = [r.order for r in reminders.registered()]
    assert orders == sorted(set(orders))


def test_the_remind_command_imports_no_app_but_core() -> None:
    tree = ast.parse(Path(remind_command.__file__).read_text(encoding="utf-8"))
    modules = {
        *(a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names),
        *(n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)),
    }
    ours = {m for m in modules if m == "yizhan" or m.startswith("yizhan.")}
    assert ours and all(m == "yizhan.core" or m.startswith("yizhan.core.") for m in ours), ours


@pytest.mark.django_db
def test_remind_prints_one_line_per_reminder_in_order() -> None:
    out = io.StringIO()
    call_command("remind", stdout=out)
    assert out.getvalue().splitlines() == [f"{name}: 0" for name, _ in EXPECTED]


def test_run_all_runs_in_order_and_an_order_is_not_shared(monkeypatch) -> None:
    monkeypatch.setattr(reminders, "_registry", {})
    ran: list[str] = []
    reminders.register("b", lambda now: ran.append("b") or 2, order=2)
    reminders.register("a", lambda now: ran.append("a") or "one", order=1)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    assert reminders.run_all(now) == {"a": "one", "b": 2} and ran == ["a", "b"]
    reminders.register("a", lambda now: 3, order=1)  # again (ready() twice): replaced
    assert list(reminders.run_all(now).values()) == [3, 2]
    with pytest.raises(ValueError, match="taken by 'b'"):
        reminders.register("c", lambda now: 0, order=2)
