"""The sweep: a RUNNING task whose worker stopped beating is failed (WorkerLost) and its
job handed to its app's handler; a beating worker's task is left alone. The real kill -9
of a db_worker is in stations/tests/test_worker_interrupted.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from yizhan.core import heartbeat
from yizhan.regions.models import LoadStatus, RegionLoad

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def running(task_path: str, worker_id: str, started: dt.datetime, **kwargs: Any) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status="RUNNING",
        started_at=started,
        run_after=started,
        args_kwargs={"args": [], "kwargs": kwargs},
        task_path=task_path,
        worker_ids=[worker_id],
        backend_name="default",
        queue_name="default",
    )


def test_a_task_whose_worker_beats_is_left_running():
    now = timezone.now()
    task = running("yizhan.regions.tasks.region_load_task", "w1", now - dt.timedelta(hours=1))
    heartbeat.beat("w1", now=now.timestamp() - 30, task_ids=[str(task.pk)])
    assert heartbeat.sweep_interrupted(now) == 0
    task.refresh_from_db()
    assert task.status == "RUNNING"


def test_a_restarted_worker_under_the_same_id_does_not_keep_the_dead_task_alive():
    """systemd restarts `db_worker --worker-id host-1` under the same id."""
    now = timezone.now()
    task = running("x.y", "host-1", now - dt.timedelta(minutes=10))
    heartbeat.beat("host-1", now=now.timestamp() - 5, task_ids=[])  # the new process
    assert heartbeat.sweep_interrupted(now) == 1
    task.refresh_from_db()
    assert task.status == "FAILED"


def test_a_task_just_claimed_is_not_taken_for_another_process():
    now = timezone.now()
    task = running("x.y", "host-2", now - dt.timedelta(seconds=1))
    heartbeat.beat("host-2", now=now.timestamp() - 3, task_ids=[])  # before it announced it
    assert heartbeat.sweep_interrupted(now) == 0
    task.refresh_from_db()
    assert task.status == "RUNNING"


def test_a_task_whose_worker_went_silent_is_failed_and_its_load_interrupted():
    now = timezone.now()
    load = RegionLoad.objects.create(
        level="street", status=LoadStatus.RUNNING, queued_at=now - dt.timedelta(minutes=5)
    )
    task = running(
        "yizhan.regions.tasks.region_load_task",
        "w2",
        now - dt.timedelta(minutes=5),
        load_id=load.pk,
    )
    heartbeat.beat("w2", now=now.timestamp() - heartbeat.STALE_SECONDS - 1)
    assert heartbeat.sweep_interrupted(now) == 1
    task.refresh_from_db()
    assert task.status == "FAILED"
    assert task.exception_class_path == "yizhan.core.heartbeat.WorkerLost"
    load.refresh_from_db()
    assert load.status == LoadStatus.FAILED and load.error.startswith("已中断")
    # Swept once: a second sweep (another process) finds nothing.
    assert heartbeat.sweep_interrupted(now) == 0


def test_a_worker_that_never_beat_is_judged_by_when_its_task_started():
    now = timezone.now()
    recent = running("x.y", "w3", now - dt.timedelta(seconds=30))
    old = running("x.y", "w4", now - dt.timedelta(minutes=10))
    assert heartbeat.sweep_interrupted(now) == 1  # no handler for x.y: only the row
    recent.refresh_from_db()
    old.refresh_from_db()
    assert (recent.status, old.status) == ("RUNNING", "FAILED")


def test_latest_beat_names_the_process():
    heartbeat.beat("w5", now=123.0)
    latest = heartbeat.latest_beat()
    assert latest is not None and latest["worker_id"] == "w5" and latest["at"] == 123.0


def test_the_worker_command_is_recognised():
    assert heartbeat.running_as_worker(["manage.py", "db_worker", "--interval", "1"])
    assert not heartbeat.running_as_worker(["manage.py", "runserver"])


def test_a_planning_run_whose_worker_died_fails_as_interrupted():
    from yizhan.planning.models import Scenario, ScenarioStatus
    from yizhan.stations.tests.factories import RegionFactory

    now = timezone.now()
    scenario = Scenario.objects.create(
        region=RegionFactory(code="230102"), name="方案", status=ScenarioStatus.RUNNING
    )
    running(
        "yizhan.planning.tasks.scenario_run_task",
        "w6",
        now - dt.timedelta(minutes=5),
        scenario_id=scenario.pk,
    )
    assert heartbeat.sweep_interrupted(now) == 1
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.FAILED and scenario.error.startswith("已中断")
