"""Signed station QR links, and their pictures (pure: no database).

A board's QR code leads to ``/q/<purpose>/<code>/<sig>/``. ``sig`` is an HMAC-SHA256
(Django's `~django.core.signing.Signer`, salt ``"yizhan.qr"``, keyed by SECRET_KEY) over
``"<purpose>:<code>"``, cut to 22 URL-safe base64 characters (132 bits): short enough
to keep the QR code coarse and easy to scan, far beyond guessing. A link signed for one
station or one purpose does not verify for another, so a sticker cannot be forged to
send a worker's check-in or complaint to some other station.

>>> path = qr_path("HRB-DL-001", "rate")
>>> path.startswith("/q/rate/HRB-DL-001/")
True
>>> purpose, code, sig = path.strip("/").split("/")[1:]
>>> qr_verify(purpose, code, sig), qr_verify("report", code, sig)
(True, False)
"""

from __future__ import annotations

import io
from functools import lru_cache

import segno
from django.core import signing
from django.utils.crypto import constant_time_compare
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

SALT = "yizhan.qr"
# 22 base64 characters × 6 bits = 132 bits of the 256-bit HMAC.
SIG_LENGTH = 22

# Purpose → caption printed under the code on the board.
PURPOSES: dict[str, Promise] = {
    "checkin": pgettext_lazy("qr caption", "扫码签到"),
    "rate": pgettext_lazy("qr caption", "扫码评价"),
    "report": pgettext_lazy("qr caption", "问题反映"),
    "join": pgettext_lazy("qr caption", "扫码入会"),
}


def _signature(purpose: str, code: str) -> str:
    signer = signing.Signer(salt=SALT, algorithm="sha256")
    return signer.signature(f"{purpose}:{code}")[:SIG_LENGTH]


def qr_sig(code: str, purpose: str) -> str:
    """The signature for ``code`` and ``purpose`` (one of `PURPOSES`)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown QR purpose {purpose!r}")
    return _signature(purpose, code)


def qr_path(code: str, purpose: str) -> str:
    """``/q/<purpose>/<code>/<sig>/``: the path behind one of a station's QR codes.

    Without a language prefix: a printed code serves whoever scans it."""
    return f"/q/{purpose}/{code}/{qr_sig(code, purpose)}/"


def qr_verify(purpose: str, code: str, sig: str) -> bool:
    """True when ``sig`` was made by `qr_path` for this purpose and station
    (compared in constant time)."""
    if purpose not in PURPOSES or not code or len(sig) != SIG_LENGTH:
        return False
    return constant_time_compare(sig, _signature(purpose, code))


@lru_cache(maxsize=4096)
def qr_svg(url: str, *, title: str = "") -> str:
    """An inline ``<svg>`` QR code for ``url`` (error correction M or better).

    No size attributes (only a viewBox), so CSS sets its printed size. The markup is
    segno's own; only ``title`` comes from outside and segno escapes it.

    Choosing the best mask costs ~5 ms a code, so the last 4,096 codes (a city's
    boards, ~10 MB) are kept per process: a pure function of its arguments, nothing
    to go stale."""
    code = segno.make(url, error="m", micro=False)
    buf = io.BytesIO()
    code.save(
        buf,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        omitsize=True,
        border=2,
        title=title or url,
        svgclass="qr",
        lineclass=None,
    )
    return buf.getvalue().decode("utf-8")
