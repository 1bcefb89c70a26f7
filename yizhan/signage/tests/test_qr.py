"""A board's QR links: signed per station and purpose (the scan itself is feedback's:
`yizhan/feedback/tests/test_scan.py`)."""

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
