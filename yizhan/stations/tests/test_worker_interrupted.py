"""A task worker killed mid-import (kill -9) is detected by its missing heartbeat; the
import becomes "已中断" and retryable, and the retry completes. Real `db_worker`
processes on a copy of the test database (a file, so that they can share it)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from yizhan.stations.models import StationImport
from yizhan.stations.tests.factories import OfficerFactory, RegionFactory
from yizhan.stations.tests.test_import_export import HEADER, check, good_row, xlsx

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="copies the SQLite test database to a file for the worker processes",
)

# The first worker: the real db_worker, with the import's progress report slowed down so
# that it is killed inside the import's transaction (holding SQLite's write lock).
SLOW_WORKER = """
import sys, time, pathlib, django
django.setup()
from django.core.management import call_command
from yizhan.accounts.models import User
from yizhan.stations import tasks
from yizhan.stations.io import imports
from yizhan.stations.models import StationImport

marker = pathlib.Path(sys.argv[1])
def slow_progress(key, **kwargs):
    marker.write_text("writing")
    time.sleep(600)
tasks.progress_set = slow_progress
station_import = StationImport.objects.get(pk=int(sys.argv[2]))
officer = User.objects.get(pk=int(sys.argv[3]))
imports.station_import_enqueue(station_import=station_import, user=officer)
call_command("db_worker", "--no-startup-delay", "--interval", "0.2")
"""

# After the kill: the sweep (not yet, then past the heartbeat's staleness), the retry
# as the page's button does it, and a fresh worker that completes it.
SWEEP_AND_RETRY = """
import sys, json, datetime as dt, django
django.setup()
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from yizhan.accounts.models import User
from yizhan.core import heartbeat
from yizhan.stations.io import imports
from yizhan.stations.models import Station, StationImport

pk, user_id = int(sys.argv[1]), int(sys.argv[2])
out = {"heartbeat": heartbeat.last_beat(DBTaskResult.objects.get().worker_ids[-1])}
out["swept_at_once"] = heartbeat.sweep_interrupted()
later = timezone.now() + dt.timedelta(seconds=heartbeat.STALE_SECONDS + 5)
out["swept_later"] = heartbeat.sweep_interrupted(later)
row = DBTaskResult.objects.get()
out["task"] = [row.status, row.exception_class_path]
si = StationImport.objects.get(pk=pk)
out["interrupted"] = [si.status, si.commit_error]
imports.station_import_enqueue(station_import=si, user=User.objects.get(pk=user_id))
call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
si.refresh_from_db()
out["retried"] = [si.status, Station.objects.filter(code="A1").exists()]
print(json.dumps(out))
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_import_is_swept_and_the_import_retried(tmp_path: Path):
    for code in ("230102001", "230102010"):
        RegionFactory(code=code)
    officer = OfficerFactory(region=RegionFactory(code="230102"))
    station_import = check(xlsx([HEADER, good_row("A1")]), user=officer)
    assert station_import.status == StationImport.Status.VALID

    connection.ensure_connection()
    target = sqlite3.connect(tmp_path / "db.sqlite3")
    connection.connection.backup(target)
    target.close()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "YIZHAN_VAR_DIR": str(tmp_path),
    }
    marker = tmp_path / "marker"
    worker = subprocess.Popen(
        [sys.executable, "-c", SLOW_WORKER, str(marker), str(station_import.pk), str(officer.pk)],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert worker.poll() is None, worker.stderr.read().decode() if worker.stderr else ""
            assert time.monotonic() < deadline, "the worker never started the import"
            time.sleep(0.2)
        with sqlite3.connect(tmp_path / "db.sqlite3") as db:
            assert db.execute(
                "select status from django_tasks_database_dbtaskresult"
            ).fetchall() == [("RUNNING",)]
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)

    done = subprocess.run(
        [sys.executable, "-c", SWEEP_AND_RETRY, str(station_import.pk), str(officer.pk)],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["heartbeat"] is not None  # the killed worker had been beating
    assert out["swept_at_once"] == 0  # its last beat is still fresh
    assert out["swept_later"] == 1
    assert out["task"] == ["FAILED", "yizhan.core.heartbeat.WorkerLost"]
    status, error = out["interrupted"]
    assert status == "valid" and error.startswith("已中断")
    assert out["retried"] == ["committed", True]
