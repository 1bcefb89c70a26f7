"""Checking one uploaded batch of device events: plain data in, plain rows out.

Each event is checked on its own: good events go on, bad ones are listed with the
index and field that is wrong (``events[3].at``). Keys that look like biometric or
identity data are refused at the top level of an event and dropped inside ``payload``."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from yizhan.core.occupation import Occupation
from yizhan.devices.models import DoorMethod, EventKind

MAX_EVENTS = 1000
MAX_AGE = dt.timedelta(days=30)
MAX_AHEAD = dt.timedelta(minutes=5)
MAX_PAYLOAD_BYTES = 2048
MAX_COUNT = 100_000
EVENT_ID_RE = re.compile(r"^[\x21-\x7e]{1,64}$")  # printable ASCII, no spaces
PERSON_MAX = 128
KNOWN_KEYS = frozenset(
    {"event_id", "kind", "at", "method", "occupation", "person", "count", "payload"}
)
# Keys that suggest a face image, a template, a fingerprint, a name or a card number.
SENSITIVE_KEY_RE = re.compile(
    r"face|image|img|photo|picture|feature|template|finger|iris|palm|biometric|"
    r"name|id_?card|id_?no|id_?num|identity|card_?no|card_?num|passport|phone|mobile|cert",
    re.IGNORECASE,
)
# A token that is really a Chinese ID card number or a mobile phone number.
IDENTITY_VALUE_RE = re.compile(r"^(\d{17}[\dXx]|\d{15}|\+?(86)?1\d{10})$")
KINDS = frozenset(EventKind.values)
METHODS = frozenset(m for m in DoorMethod.values if m)
OCCUPATIONS = frozenset(Occupation.values)


@dataclass(frozen=True)
class EventRow:
    event_id: str
    kind: str
    at: dt.datetime
    method: str
    occupation: str
    person_token: str
    count: int
    payload: dict[str, Any]


@dataclass(frozen=True)
class Rejection:
    index: int
    field: str
    message: str
    event_id: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "event_id": self.event_id,
            "field": self.field,
            "message": self.message,
        }


@dataclass
class CheckedBatch:
    rows: list[EventRow] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


class _Bad(Exception):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message


def parse_at(value: Any) -> dt.datetime:
    """An aware datetime from ISO 8601 with an offset, or unix seconds."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    if isinstance(value, str) and 10 <= len(value) <= 40:
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise TypeError  # naive: the device must say which clock
        return parsed
    raise ValueError


def _strip_sensitive(value: Any, where: str, dropped: list[str]) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = str(k)
            if SENSITIVE_KEY_RE.search(key):
                dropped.append(f"{where}.{key}")
                continue
            out[key] = _strip_sensitive(v, f"{where}.{key}", dropped)
        return out
    if isinstance(value, list):
        return [_strip_sensitive(v, f"{where}[{i}]", dropped) for i, v in enumerate(value)]
    return value


def _check_one(raw: Any, prefix: str, now: dt.datetime, dropped: list[str]) -> EventRow:
    if not isinstance(raw, dict):
        raise _Bad(prefix, _("每个事件应为一个对象"))
    for key in raw:
        if key not in KNOWN_KEYS and SENSITIVE_KEY_RE.search(str(key)):
            raise _Bad(f"{prefix}.{key}", _("不得上传生物特征、姓名或证件号等个人信息"))
    event_id = raw.get("event_id")
    if not isinstance(event_id, str) or not EVENT_ID_RE.match(event_id):
        raise _Bad(f"{prefix}.event_id", _("事件号应为1至64个可见ASCII字符"))
    kind = raw.get("kind")
    if kind not in KINDS:
        raise _Bad(f"{prefix}.kind", _("事件类型无效"))
    if "at" not in raw:
        raise _Bad(f"{prefix}.at", _("缺少发生时间"))
    try:
        at = parse_at(raw["at"])
    except TypeError:
        raise _Bad(f"{prefix}.at", _("时间须带时区，例如 2026-05-01T08:00:00+08:00")) from None
    except (ValueError, OverflowError, OSError):
        raise _Bad(f"{prefix}.at", _("时间格式无效")) from None
    if at > now + MAX_AHEAD:
        raise _Bad(f"{prefix}.at", _("时间晚于服务器时间5分钟以上，请校准设备时钟"))
    if at < now - MAX_AGE:
        raise _Bad(f"{prefix}.at", _("事件早于30天前，不再接收"))
    method = raw.get("method") or ""
    if kind == EventKind.DOOR_OPEN:
        method = method or DoorMethod.OTHER
        if method not in METHODS:
            raise _Bad(f"{prefix}.method", _("开门方式应为 face、qr、id_card 或 other"))
    elif method:
        raise _Bad(f"{prefix}.method", _("只有开门事件有开门方式"))
    occupation = raw.get("occupation") or ""
    if occupation not in OCCUPATIONS:
        raise _Bad(f"{prefix}.occupation", _("职业类别无效"))
    person = raw.get("person") or ""
    if not isinstance(person, str) or len(person) > PERSON_MAX:
        raise _Bad(f"{prefix}.person", _("人员标识应为不超过128个字符的匿名标识"))
    if person and (not person.isascii() or IDENTITY_VALUE_RE.match(person)):
        raise _Bad(
            f"{prefix}.person", _("人员标识应为设备生成的匿名标识，不得为姓名、身份证号或手机号")
        )
    count = raw.get("count")
    if kind == EventKind.COUNT:
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_COUNT:
            raise _Bad(f"{prefix}.count", _("客流计数应为0至100000的整数"))
    elif count not in (None, 0):
        raise _Bad(f"{prefix}.count", _("只有客流计数事件有人数"))
    payload = raw.get("payload")
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise _Bad(f"{prefix}.payload", _("附加数据应为一个对象"))
    if payload:
        payload = _strip_sensitive(payload, f"{prefix}.payload", dropped)
        if "\\u0000" in json.dumps(payload):
            # PostgreSQL's jsonb cannot hold NUL: refuse the event, not the whole batch.
            raise _Bad(f"{prefix}.payload", _("附加数据不能包含空字符"))
        if len(json.dumps(payload, ensure_ascii=False).encode()) > MAX_PAYLOAD_BYTES:
            raise _Bad(f"{prefix}.payload", _("附加数据不得超过2KB"))
    return EventRow(
        event_id=event_id,
        kind=kind,
        at=at,
        method=method,
        occupation=occupation,
        person_token=person,
        count=count or 0,
        payload=payload,
    )


def batch_check(events: list[Any], *, now: dt.datetime) -> CheckedBatch:
    """Check every event of a batch (the caller has checked it is a list of at most
    `MAX_EVENTS`). Within the batch the first event with an id wins; later ones with
    the same id are left to the idempotency check (they count as duplicates)."""
    out = CheckedBatch()
    for i, raw in enumerate(events):
        prefix = f"events[{i}]"
        try:
            out.rows.append(_check_one(raw, prefix, now, out.dropped))
        except _Bad as bad:
            event_id = raw.get("event_id", "") if isinstance(raw, dict) else ""
            out.rejected.append(
                Rejection(
                    index=i,
                    field=bad.field,
                    message=bad.message,
                    event_id=event_id if isinstance(event_id, str) else "",
                )
            )
    return out
