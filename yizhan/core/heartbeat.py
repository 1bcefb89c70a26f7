"""Task worker heartbeats, and the sweep that finds tasks whose worker died.

The task worker is django-tasks-db's ``manage.py db_worker``. When it is killed (kill -9,
out of memory, a reboot) the task it was running stays RUNNING for ever and its job
(an import, a planning run, a regions load) says "正在导入 17%" until someone notices.

So each worker process beats: a daemon thread writes ``{worker id, pid, host, time}`` to
the cache every ``BEAT_SECONDS``. The cache, not the database: on SQLite a long import
holds the database's write lock in the worker's own process for minutes, and the cache
is kept outside it (see ``core.progress``). The thread starts when the process runs
``db_worker`` (``CoreConfig.ready``) and, at the latest, when it starts its first task
(django.tasks' ``task_started`` signal, which also tells the worker id).

`sweep_interrupted` marks every RUNNING task whose worker has not beaten for
``STALE_SECONDS`` as FAILED (``WorkerLost``) and calls the handler its app registered
with `on_interrupted`, which puts the job in a state the officer can retry ("已中断").
It runs from each live worker's heartbeat thread, from ``manage.py remind``, and on
read (the import page, ``/healthz``); it is cheap: it reads only the RUNNING rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import OperationalError, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

BEAT_SECONDS = 10
# A worker that has not beaten for this long is taken for dead.
STALE_SECONDS = 120
# The sweep runs at most this often from a worker's heartbeat thread.
SWEEP_EVERY_SECONDS = 60
# Heartbeats outlive their worker in the cache long enough to be seen as stale.
_TTL_SECONDS = 24 * 60 * 60
_LATEST_KEY = "worker:heartbeat:latest"

INTERRUPTED_MESSAGE = "已中断（后台任务进程意外退出），可以重新确认导入"

Handler = Callable[[dict[str, Any]], None]
_handlers: dict[str, Handler] = {}


class WorkerLost(Exception):  # noqa: N818 (the name is what the task row records)
    """The worker running a task stopped beating: killed, crashed, or its machine rebooted."""


def _key(worker_id: str) -> str:
    return f"worker:heartbeat:{worker_id}"


def beat(
    worker_id: str | None, *, now: float | None = None, task_ids: list[str] | None = None
) -> None:
    """Record that this process (and the worker ``worker_id``, once known) is alive, and
    which task it is running: a worker id may be reused by the next process (systemd's
    ``--worker-id %H-%i``), which must not keep its dead predecessor's task alive."""
    value = {
        "worker_id": worker_id or "",
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "at": now if now is not None else time.time(),
        "task_ids": list(task_ids if task_ids is not None else _beater.task_ids()),
    }
    if worker_id:
        cache.set(_key(worker_id), value, _TTL_SECONDS)
    cache.set(_LATEST_KEY, value, _TTL_SECONDS)


def last_beat(worker_id: str) -> float | None:
    value = cache.get(_key(worker_id))
    return float(value["at"]) if value else None


def _beat_of(worker_id: str) -> dict[str, Any] | None:
    value = cache.get(_key(worker_id))
    return dict(value) if value else None


def latest_beat() -> dict[str, Any] | None:
    """The most recent heartbeat of any worker (for /healthz), or None if none ever beat."""
    value = cache.get(_LATEST_KEY)
    return dict(value) if value else None


# --- the heartbeat thread -------------------------------------------------------------


class _Beater:
    def __init__(self) -> None:
        self.worker_id: str | None = None
        self.task_id: str | None = None
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.last_sweep = 0.0

    def task_ids(self) -> list[str]:
        return [self.task_id] if self.task_id else []

    def ensure(self, worker_id: str | None = None, task_id: str | None = None) -> None:
        with self.lock:
            if worker_id:
                self.worker_id = worker_id
            self.task_id = task_id
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self.run, name="yizhan-heartbeat", daemon=True
                )
                self.thread.start()
        if worker_id:
            _safe(beat, worker_id)

    def run(self) -> None:
        from django.db import connections

        while True:
            _safe(beat, self.worker_id)
            if time.time() - self.last_sweep >= SWEEP_EVERY_SECONDS:
                self.last_sweep = time.time()
                _safe(sweep_interrupted)
                connections.close_all()
            time.sleep(BEAT_SECONDS)


_beater = _Beater()


def _safe(fn: Callable[..., object], *args: Any) -> None:
    try:
        fn(*args)
    except Exception:  # the heartbeat must never kill the worker
        logger.exception("heartbeat: %s failed", getattr(fn, "__name__", fn))


def start_heartbeat(worker_id: str | None = None, task_id: str | None = None) -> None:
    """Start (once per process) the thread that beats; name the worker and its task."""
    _beater.ensure(worker_id, task_id)


def running_as_worker(argv: list[str] | None = None) -> bool:
    argv = sys.argv if argv is None else argv
    return len(argv) > 1 and argv[1] == "db_worker"


def on_task_started(sender: object, task_result: Any, **kwargs: object) -> None:
    """django.tasks' task_started: in a database worker, beat for the claiming worker."""
    from django_tasks_db.backend import DatabaseBackend

    # django-tasks-db sends the backend itself when a task starts, its class when it ends.
    backend = sender if isinstance(sender, type) else type(sender)
    if not issubclass(backend, DatabaseBackend):
        return
    worker_ids = list(getattr(task_result, "worker_ids", []) or [])
    start_heartbeat(worker_ids[-1] if worker_ids else None, str(task_result.id))


def on_task_finished(sender: object, task_result: Any, **kwargs: object) -> None:
    """django.tasks' task_finished: this process no longer runs that task."""
    if _beater.task_id == str(getattr(task_result, "id", "")):
        _beater.task_id = None
        if _beater.worker_id:
            _safe(beat, _beater.worker_id)


# --- the sweep --------------------------------------------------------------------------


def on_interrupted(task: Any, handler: Handler) -> None:
    """Call ``handler(kwargs)`` when a run of ``task`` is found interrupted, with the
    task's keyword arguments; the handler makes the job retryable (its app's own state)."""
    _handlers[task.module_path] = handler


def _worker_is_dead(
    worker_id: str | None, task_id: str, started_at: dt.datetime | None, now: float
) -> bool:
    started = started_at.timestamp() if started_at else 0.0
    value = _beat_of(worker_id) if worker_id else None
    if value is None:
        # Never beat (an old worker, or the cache was cleared): go by when it started.
        return now - started > STALE_SECONDS
    if now - float(value["at"]) > STALE_SECONDS:
        return True
    # Beating, but running another task (a new process under the same worker id, after
    # a restart): dead, once past the moment between claiming a task and announcing it.
    running = value.get("task_ids")
    return running is not None and task_id not in running and now - started > STALE_SECONDS


def sweep_interrupted(now: dt.datetime | None = None) -> int:
    """Mark RUNNING tasks whose worker stopped beating as failed and their jobs as
    interrupted; how many. Safe to run from several processes at once."""
    from django_tasks_db.models import DBTaskResult

    moment = (now or timezone.now()).timestamp()
    found = 0
    for row in DBTaskResult.objects.running().only(
        "id", "worker_ids", "started_at", "task_path", "args_kwargs"
    ):
        worker_id = row.worker_ids[-1] if row.worker_ids else None
        if not _worker_is_dead(worker_id, str(row.pk), row.started_at, moment):
            continue
        with transaction.atomic():
            marked = DBTaskResult.objects.filter(pk=row.pk, status="RUNNING").update(
                status="FAILED",
                finished_at=timezone.now(),
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=(
                    f"WorkerLost: worker {worker_id or '?'} stopped beating "
                    f"(no heartbeat for more than {STALE_SECONDS} s)\n"
                ),
                return_value=None,
            )
        if not marked:
            continue  # another process swept it first
        found += 1
        logger.warning("task %s (%s) interrupted: worker %s lost", row.pk, row.task_path, worker_id)
        handler = _handlers.get(row.task_path)
        if handler is not None:
            kwargs = (row.args_kwargs or {}).get("kwargs", {})
            try:
                handler(dict(kwargs))
            except Exception:
                logger.exception("interrupted handler for %s failed", row.task_path)
    return found


def sweep_quietly() -> int:
    """`sweep_interrupted` for pages: a database busy with an import is not an error."""
    try:
        return sweep_interrupted()
    except OperationalError:
        logger.info("sweep skipped: database busy")
        return 0
