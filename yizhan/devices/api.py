"""Device uploads: ``POST /api/v1/devices/events``, signed by the device (no session,
no CSRF, no per-address limit: many devices share one address behind a gateway; the
limit is per device)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from yizhan.core.schemas import ErrorOut
from yizhan.devices.schemas import IngestOut
from yizhan.devices.services import (
    batch_parse,
    device_authenticate,
    device_rate_check,
    events_ingest,
)

router = Router()


_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["event_id", "kind", "at"],
    "properties": {
        "event_id": {"type": "string", "maxLength": 64, "description": "the device's own id"},
        "kind": {"enum": ["door_open", "count", "heartbeat", "power", "alarm"]},
        "at": {"type": "string", "format": "date-time", "description": "with an offset"},
        "method": {"enum": ["face", "qr", "id_card", "other"]},
        "occupation": {"enum": ["rider", "courier", "driver", "sanitation", "other", ""]},
        "person": {"type": "string", "maxLength": 128, "description": "pseudonymous token"},
        "count": {"type": "integer", "minimum": 0},
        "payload": {"type": "object", "description": "≤ 2 KB, no personal data"},
    },
}


@router.post(
    "/events",
    response={200: IngestOut, (401, 409, 422, 429): ErrorOut},
    throttle=[],
    summary="Upload a batch of device events (HMAC-signed)",
    description=(
        "Headers X-Device-Serial, X-Timestamp (unix s, ±300 s), X-Nonce (16–64 chars, "
        "never reused), X-Signature = hex HMAC-SHA256(secret, "
        "'POST\\n/api/v1/devices/events\\n{timestamp}\\n{nonce}\\n{sha256(body) hex}'). "
        "Up to 1,000 events; resending is safe (idempotent on event_id). See docs/devices.md."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["events"],
                        "properties": {
                            "events": {"type": "array", "maxItems": 1000, "items": _EVENT_SCHEMA}
                        },
                    }
                }
            },
        }
    },
)
def events_upload(request: HttpRequest) -> IngestOut:
    device = device_authenticate(
        headers=request.headers,
        method=request.method or "POST",
        path=request.path,
        body=request.body,
    )
    device_rate_check(device=device)
    events = batch_parse(request.body)
    return IngestOut.model_validate(events_ingest(device=device, events=events))
