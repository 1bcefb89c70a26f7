"""A board's QR code scanned (``/q/<purpose>/<code>/<sig>/``, signed by signage): the
worker's page for check-in, rating and report, the station page for joining the union."""

from __future__ import annotations

import pytest

from yizhan.signage.selectors import PURPOSES, qr_path


def parts(path: str) -> tuple[str, str, str]:
    q, purpose, code, sig = path.strip("/").split("/")
    assert q == "q"
    return purpose, code, sig


@pytest.mark.django_db
def test_scan_opens_the_workers_page_or_the_station_page(client):
    """Check in, rate and report open the worker's page at the scanned address; joining
    the union goes to the station page."""
    from yizhan.stations.tests.factories import StationFactory

    StationFactory(code="HRB-DL-001")
    for purpose in ("checkin", "rate", "report"):
        response = client.get(qr_path("HRB-DL-001", purpose))
        assert response.status_code == 200, purpose
    join = client.get(qr_path("HRB-DL-001", "join"))
    assert join.status_code == 302 and join["Location"] == "/s/HRB-DL-001/?from=qr&do=join"
    assert set(PURPOSES) == {"checkin", "rate", "report", "join"}


@pytest.mark.django_db
def test_scan_keeps_english(client):
    response = client.get("/en" + qr_path("HRB-DL-001", "join"))
    assert response["Location"] == "/en/s/HRB-DL-001/?from=qr&do=join"


@pytest.mark.django_db
def test_forged_scan_is_a_chinese_404(client):
    purpose, code, sig = parts(qr_path("HRB-DL-001", "report"))
    response = client.get(f"/q/{purpose}/HRB-DL-002/{sig}/")
    assert response.status_code == 404
    assert "此二维码无效" in response.content.decode()
    assert client.get(f"/q/checkin/{code}/{sig}/").status_code == 404


@pytest.mark.django_db
def test_scanning_too_often_is_slowed_down(client):
    path = qr_path("HRB-DL-001", "join")
    codes = [client.get(path).status_code for _ in range(61)]
    assert codes[:60] == [302] * 60 and codes[60] == 429
    response = client.get(path)
    assert response.status_code == 429 and response["Retry-After"] == "60"
    other = client.get(path, REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 302
