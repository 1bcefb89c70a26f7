"""A board's QR links: signed per station and purpose, scanned into the station page."""

from __future__ import annotations

import pytest
from django.test import override_settings

from yizhan.signage.qr import PURPOSES, qr_path, qr_svg, qr_verify


def parts(path: str) -> tuple[str, str, str]:
    q, purpose, code, sig = path.strip("/").split("/")
    assert q == "q"
    return purpose, code, sig


def test_round_trip_for_every_purpose():
    assert set(PURPOSES) == {"checkin", "rate", "report", "join"}
    for purpose in PURPOSES:
        path = qr_path("HRB-DL-001", purpose)
        assert path.startswith(f"/q/{purpose}/HRB-DL-001/") and path.endswith("/")
        assert qr_verify(*parts(path))


def test_signature_keeps_at_least_96_bits():
    _, _, sig = parts(qr_path("HRB-DL-001", "checkin"))
    assert len(sig) * 6 >= 96


def test_link_for_station_a_fails_for_station_b_and_other_purposes():
    purpose, code, sig = parts(qr_path("HRB-DL-001", "checkin"))
    assert not qr_verify(purpose, "HRB-DL-002", sig)
    for other in ("rate", "report", "join"):
        assert not qr_verify(other, code, sig)
    assert not qr_verify(purpose, code, sig[:-1] + ("A" if sig[-1] != "A" else "B"))
    assert not qr_verify(purpose, code, "")
    assert not qr_verify("admin", code, sig)


def test_signature_depends_on_the_secret_key():
    path = qr_path("HRB-DL-001", "rate")
    with override_settings(SECRET_KEY="another-deployment-key"):
        assert not qr_verify(*parts(path))


def test_unknown_purpose_cannot_be_signed():
    with pytest.raises(ValueError):
        qr_path("HRB-DL-001", "pay")


def test_svg_is_inline_with_a_title():
    svg = qr_svg("http://127.0.0.1:8000/q/rate/HRB-DL-001/x/", title="扫码评价 <&>")
    assert svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert "<?xml" not in svg
    assert "<title>扫码评价 &lt;&amp;&gt;</title>" in svg
    assert "viewBox" in svg and "<path" in svg


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
