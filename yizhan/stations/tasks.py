"""Background jobs of the registry, run by `manage.py db_worker`. Thin shells over services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.tasks import task

from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.core import heartbeat
from yizhan.core.errors import ApplicationError
from yizhan.core.progress import progress_set
from yizhan.stations.io import imports
from yizhan.stations.models import StationImport


@task()
def station_import_commit_task(*, import_id: int, user_id: int | None) -> dict[str, Any]:
    """Commit a confirmed import, reporting progress; all rows or none.

    The scope is the confirming officer's scope *now*: an officer who lost a region
    since the dry run cannot import into it."""
    station_import = StationImport.objects.get(pk=import_id)
    user = User.objects.filter(pk=user_id).first() if user_id else None
    key = imports.progress_key(station_import)

    def report(done: int, total: int) -> None:
        progress_set(key, done=done, total=total, phase="writing")

    try:
        result = imports.station_import_commit(
            station_import=station_import,
            user=user,
            scope=user_scope(user=user or AnonymousUser()),
            progress=report,
        )
    except ApplicationError as exc:
        _failed(station_import, exc.message)
        return {"error": exc.message}
    except Exception as exc:
        _failed(station_import, f"导入出错，未写入任何数据：{type(exc).__name__}")
        raise
    return result.get("committed", {})


def _failed(station_import: StationImport, message: str) -> None:
    """Nothing was written. An import the re-check found invalid stays invalid (its report
    names the rows); anything else goes back to valid so the officer can try again."""
    with transaction.atomic():
        StationImport.objects.filter(
            pk=station_import.pk, status=StationImport.Status.COMMITTING
        ).update(status=StationImport.Status.VALID)
        StationImport.objects.filter(pk=station_import.pk).update(commit_error=message[:500])
    progress_set(imports.progress_key(station_import), done=0, total=0, phase="failed")


def station_import_interrupted(kwargs: dict[str, Any]) -> None:
    """The worker committing this import died (see core.heartbeat): its transaction was
    rolled back, so nothing was written; the import goes back to valid, "已中断", and the
    officer can confirm it again."""
    station_import = StationImport.objects.filter(pk=int(kwargs["import_id"])).first()
    if station_import is not None:
        _failed(station_import, heartbeat.INTERRUPTED_MESSAGE)
