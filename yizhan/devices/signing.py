"""Request signing for devices: pure functions, no Django, reusable by any device client
(door controllers, counters, lockers) and by the server.

A device signs each request with its secret (the key is the secret string's ASCII bytes)::

    string_to_sign = f"{METHOD}\\n{path}\\n{timestamp}\\n{nonce}\\n{sha256(body).hexdigest()}"
    signature      = hmac_sha256(secret, string_to_sign).hexdigest()

and sends the headers ``X-Device-Serial``, ``X-Timestamp`` (unix seconds),
``X-Nonce`` (16–64 characters from ``[A-Za-z0-9_-]``) and ``X-Signature`` (hex).

The server accepts a request whose signature matches any live secret of the device
(two are live during a rotation), whose timestamp is within ``WINDOW_S`` of its clock,
and whose nonce it has not seen from that device (the nonce store is the caller's:
`yizhan.devices.services` keeps it in the database)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

WINDOW_S = 300
NONCE_RE = re.compile(r"^[A-Za-z0-9_\-]{16,64}$")
SERIAL_MAX = 64

HEADER_SERIAL = "X-Device-Serial"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"


def new_secret() -> str:
    """A new device secret: 32 random bytes as 64 hex characters."""
    return secrets.token_hex(32)


def new_nonce() -> str:
    return secrets.token_urlsafe(18)  # 24 characters


def string_to_sign(
    *, method: str, path: str, timestamp: int | str, nonce: str, body: bytes
) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{path}\n{timestamp}\n{nonce}\n{digest}".encode()


def signature(
    *, secret: str, method: str, path: str, timestamp: int | str, nonce: str, body: bytes
) -> str:
    message = string_to_sign(method=method, path=path, timestamp=timestamp, nonce=nonce, body=body)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_request(
    *,
    serial: str,
    secret: str,
    method: str,
    path: str,
    body: bytes,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four headers a device sends with ``body`` to ``path`` (client helper)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    nonce = nonce or new_nonce()
    return {
        HEADER_SERIAL: serial,
        HEADER_TIMESTAMP: str(ts),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature(
            secret=secret, method=method, path=path, timestamp=ts, nonce=nonce, body=body
        ),
    }


def as_wsgi_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """``{"X-Nonce": ...}`` → ``{"HTTP_X_NONCE": ...}`` for Django's test client."""
    return {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}


@dataclass(frozen=True)
class SignedHeaders:
    serial: str
    timestamp: int
    nonce: str
    signature: str


def headers_parse(headers: Mapping[str, str]) -> SignedHeaders | None:
    """The signing headers if all are present and well formed, else None."""
    serial = headers.get(HEADER_SERIAL, "")
    ts = headers.get(HEADER_TIMESTAMP, "")
    nonce = headers.get(HEADER_NONCE, "")
    sig = headers.get(HEADER_SIGNATURE, "")
    if not serial or len(serial) > SERIAL_MAX or not NONCE_RE.match(nonce):
        return None
    if not ts.isascii() or not ts.isdigit() or len(ts) > 12:
        return None
    if not re.fullmatch(r"[0-9a-fA-F]{64}", sig):
        return None
    return SignedHeaders(serial=serial, timestamp=int(ts), nonce=nonce, signature=sig.lower())


def timestamp_fresh(timestamp: int, *, now: float, window_s: int = WINDOW_S) -> bool:
    return abs(now - timestamp) <= window_s


def signature_valid(
    *,
    secrets_live: Iterable[str],
    signed: SignedHeaders,
    method: str,
    path: str,
    body: bytes,
) -> bool:
    """Whether ``signed.signature`` matches any of the live secrets (constant-time per
    secret; every secret is tried so the time does not tell which one matched)."""
    ok = False
    for secret in secrets_live:
        expected = signature(
            secret=secret,
            method=method,
            path=path,
            timestamp=signed.timestamp,
            nonce=signed.nonce,
            body=body,
        )
        ok |= hmac.compare_digest(expected, signed.signature)
    return ok
