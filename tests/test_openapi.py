"""The published OpenAPI document says what the API answers, so generated clients work.

1. No two Schema classes share a name: ninja names each component after its class and
   silently lets the later of two same-named classes win, so one endpoint would be
   documented with another's shape (it happened: stations' and operations' AmenityOut).
2. Every operation is called with realistic data (the operations tests' district, a smart
   station's locker) as the client it serves: anonymous, a worker's ``X-Visitor``, the
   signed-in staff, a signed device. Each answer's status must be documented for that
   path and method, and its body must match the schema the document gives, read from the
   document itself (``$ref``s and all): a required field missing, a wrong type, or a field
   the document does not mention is a failure. Error answers are checked the same way.

The checker below covers the JSON Schema that pydantic writes (the project has no
``jsonschema``): ``$ref``, ``anyOf``/``allOf``, ``enum``/``const``, ``type``, ``format``
date and date-time, ``items``, ``properties``/``required``/``additionalProperties``.
An object schema with ``properties`` and no ``additionalProperties`` is closed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import types
import typing
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from pydantic import BaseModel

from config.api import api
from yizhan.devices import signing
from yizhan.devices.models import DeviceKind
from yizhan.devices.services import device_register
from yizhan.feedback.tests.conftest import jpeg
from yizhan.lockers import services as lockers
from yizhan.lockers.tests.conftest import (  # noqa: F401
    WORKER,
    _clear_rate_limits,
    device_post,
    item,
    smart,
)
from yizhan.operations.tests.conftest import _fresh_finder, clock, daoli  # noqa: F401
from yizhan.signage.qr import qr_sig
from yizhan.stations.models import StaffRole
from yizhan.volunteers.models import Shift

PREFIX = "/api/v1"
METHODS = ("get", "post", "put", "patch", "delete")


# ------------------------------------------------------------------ 1. one class a name


def _schema_classes(annotation: Any, found: set[type[BaseModel]]) -> None:
    """Every pydantic model an annotation reaches (through lists, unions, nested fields)."""
    if typing.get_origin(annotation) is not None or isinstance(annotation, types.UnionType):
        for arg in typing.get_args(annotation):
            _schema_classes(arg, found)
        return
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return
    if annotation in found:
        return
    if not annotation.__module__.startswith("ninja."):  # not ninja's own wrappers
        found.add(annotation)
    for field in annotation.model_fields.values():
        _schema_classes(field.annotation, found)


def _route_schema_classes() -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.response_models.values():
                    if isinstance(model, type):
                        _schema_classes(model, found)
                for model in operation.models:
                    _schema_classes(model, found)
    return found


def same_named(classes: set[type[BaseModel]]) -> dict[str, list[str]]:
    by_name: dict[str, set[str]] = defaultdict(set)
    for cls in classes:
        by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    return {name: sorted(where) for name, where in by_name.items() if len(where) > 1}


def test_no_two_schema_classes_share_a_component_name() -> None:
    classes = _route_schema_classes()
    assert len(classes) > 40  # the walk reaches the nested shapes, not just the top ones
    assert same_named(classes) == {}


def test_the_name_check_catches_a_second_class_of_one_name() -> None:
    class AmenityOut(BaseModel):  # as operations/api.py had beside stations/schemas.py
        code: str

    class StationOut(BaseModel):
        amenities: list[AmenityOut]

    class Other(BaseModel):
        code: str

    Other.__name__ = "AmenityOut"
    found: set[type[BaseModel]] = set()
    _schema_classes(dict[str, StationOut] | list[Other], found)
    assert list(same_named(found)) == ["AmenityOut"]


# ------------------------------------------------------------------ 2. answers match


def _resolve(spec: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


_TYPES: dict[str, Any] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def _format_ok(fmt: str | None, value: str) -> bool:
    try:
        if fmt == "date-time":
            dt.datetime.fromisoformat(value)
        elif fmt == "date":
            dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def mismatches(spec: dict[str, Any], schema: Any, value: Any, where: str = "$") -> list[str]:
    """Where `value` departs from `schema` (empty: it matches)."""
    if schema is True or schema == {}:
        return []
    if "$ref" in schema:
        return mismatches(spec, _resolve(spec, schema["$ref"]), value, where)
    if "anyOf" in schema:
        tries = [mismatches(spec, s, value, where) for s in schema["anyOf"]]
        if any(not t for t in tries):
            return []
        return [f"{where}: {value!r} matches none of {[t[0] for t in tries]}"]
    out = [e for s in schema.get("allOf", []) for e in mismatches(spec, s, value, where)]
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{where}: {value!r} not one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        out.append(f"{where}: {value!r} is not {schema['const']!r}")
    kind = schema.get("type")
    if kind is None:
        return out
    kinds = kind if isinstance(kind, list) else [kind]
    if not any(_TYPES[k](value) for k in kinds):
        return [*out, f"{where}: {value!r} is not {kind}"]
    if isinstance(value, str) and not _format_ok(schema.get("format"), value):
        out.append(f"{where}: {value!r} is not a {schema['format']}")
    if isinstance(value, list):
        for n, v in enumerate(value):
            out += mismatches(spec, schema.get("items", True), v, f"{where}[{n}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                out.append(f"{where}: required {key!r} missing")
        extra = schema.get("additionalProperties", "properties" not in schema)
        for key, v in value.items():
            if key in props:
                out += mismatches(spec, props[key], v, f"{where}.{key}")
            elif extra is False:
                out.append(f"{where}: {key!r} is not in the documented schema")
            elif isinstance(extra, dict):
                out += mismatches(spec, extra, v, f"{where}.{key}")
    return out


def test_the_checker_finds_missing_wrong_and_undocumented_fields() -> None:
    spec = {
        "components": {
            "schemas": {
                "A": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "at": {
                            "anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]
                        },
                        "n": {"type": "integer"},
                    },
                    "required": ["code", "n"],
                }
            }
        }
    }
    ref = {"type": "array", "items": {"$ref": "#/components/schemas/A"}}
    assert mismatches(spec, ref, [{"code": "x", "n": 1, "at": None}]) == []
    assert mismatches(spec, ref, [{"code": "x", "n": 1, "at": "2026-12-01T08:30:00+08:00"}]) == []
    found = mismatches(spec, ref, [{"n": True, "at": "soon", "state": "working"}])
    assert len(found) == 4, found


class Caller:
    """Calls the API and checks each answer against the document; remembers what it
    called so the test can tell which operations it never tried."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.called: dict[tuple[str, str], set[int]] = defaultdict(set)
        self.problems: list[str] = []

    def __call__(
        self,
        client: Client,
        method: str,
        template: str,
        *,
        expect: int,
        data: Any = None,
        multipart: bool = False,
        headers: dict[str, str] | None = None,
        **path: Any,
    ) -> Any:
        url = PREFIX + template.format(**path)
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
        if method == "get":
            response = client.get(url, data or {}, **extra)
        elif multipart:
            response = client.post(url, data, **extra)
        else:
            body = json.dumps(data if data is not None else {})
            response = getattr(client, method)(url, body, "application/json", **extra)
        self.check(method, template, response)
        assert response.status_code == expect, (method, url, response.content[:300])
        return response.json()

    def check(self, method: str, template: str, response: Any) -> None:
        operation = self.spec["paths"][PREFIX + template][method]
        status = response.status_code
        self.called[(method, template)].add(status)
        documented = operation["responses"].get(str(status))
        where = f"{method.upper()} {template} → {status}"
        if documented is None:
            self.problems.append(
                f"{where}: status not documented ({sorted(operation['responses'])})"
            )
            return
        schema = documented.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            self.problems.append(f"{where}: no response schema documented")
            return
        self.problems += [f"{where}: {m}" for m in mismatches(self.spec, schema, response.json())]


def _signed(client: Client, serial: str, secret: str, path: str, body: dict[str, Any]) -> Any:
    raw = json.dumps(body).encode()
    headers = signing.sign_request(serial=serial, secret=secret, method="POST", path=path, body=raw)
    return client.post(
        path,
        raw,
        content_type="application/json",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    )


@pytest.fixture
def caller(client: Client) -> Iterator[Caller]:
    yield Caller(client.get(f"{PREFIX}/openapi.json").json())


def test_every_operation_answers_as_documented(smart, caller, clock) -> None:  # noqa: F811
    district = smart.district
    station, code = district.station, district.station.code
    anon, staff, officer = Client(), Client(), Client()
    staff.force_login(district.master)
    officer.force_login(district.district_officer)
    call = caller
    me = {"X-Visitor": WORKER}

    # The registry: anonymous and an officer (who also sees staff), a cursor, errors.
    call(anon, "get", "/stations", expect=200, data={"crs": "gcj02"})
    call(officer, "get", "/stations", expect=200, data={"region": "230102"})
    call(anon, "get", "/stations", expect=422, data={"page": 0})
    synced = call(officer, "get", "/stations/sync", expect=200, data={"limit": 1})
    call(anon, "get", "/stations/sync", expect=200, data={"since": synced["next_since"]})
    call(anon, "get", "/stations/sync", expect=422, data={"since": "yesterday"})
    call(anon, "get", "/stations/{code}", expect=200, code=code)
    call(officer, "get", "/stations/{code}", expect=200, code=code, data={"at": "2026-12-01T22:00"})
    call(anon, "get", "/stations/{code}", expect=404, code="NOPE")

    # The finder.
    near = {"lat": 45.7733, "lon": 126.6175, "open_now": "true", "amenity": "hot_water"}
    call(anon, "get", "/finder/nearby", expect=200, data=near)
    call(anon, "get", "/finder/nearby", expect=422, data={"lat": 45.7733})
    route = [[126.60, 45.77], [126.63, 45.775]]
    call(anon, "post", "/finder/along-route", expect=200, data={"route": route, "max_off_m": 800})
    call(anon, "post", "/finder/along-route", expect=422, data={"route": "x"})
    query = {"route": "126.60,45.77;126.63,45.775", "max_off_m": 800}
    call(anon, "get", "/finder/along-route", expect=200, data=query)
    call(anon, "get", "/finder/stations/{code}", expect=200, code=code)
    call(anon, "get", "/finder/stations/{code}", expect=404, code="NOPE")
    call(anon, "get", "/finder/places", expect=200, data={"q": "兆麟"})

    # A station's day, signed in; strangers and the anonymous are refused.
    tap = {"action": "opened", "lat": 45.7733, "lon": 126.6175, "client_id": str(uuid.uuid4())}
    call(staff, "post", "/operations/stations/{code}/opening", expect=201, data=tap, code=code)
    call(anon, "post", "/operations/stations/{code}/opening", expect=401, data=tap, code=code)
    listed = call(
        staff,
        "get",
        "/operations/stations/{code}/checklist/{tier}",
        expect=200,
        code=code,
        tier="daily",
    )
    call(
        staff,
        "get",
        "/operations/stations/{code}/checklist/{tier}",
        expect=404,
        code="NOPE",
        tier="daily",
    )
    call(
        staff,
        "get",
        "/operations/stations/{code}/checklist/{tier}",
        expect=422,
        code=code,
        tier="hourly",
    )
    answers = {i["code"]: "yes" for i in listed["items"] if i["kind"] == "yes_no"}
    answers |= {i["code"]: "90" for i in listed["items"] if i["kind"] == "number"}
    inspection = {"tier": "daily", "answers": answers, "client_id": str(uuid.uuid4())}
    call(
        staff,
        "post",
        "/operations/stations/{code}/inspections",
        expect=201,
        data=inspection,
        code=code,
    )
    call(
        staff,
        "post",
        "/operations/stations/{code}/inspections",
        expect=200,
        data=inspection,
        code=code,
    )
    broken = {"working": False, "reason": "门坏了", "expected_fix_on": "2026-12-05"}
    call(
        staff,
        "put",
        "/operations/stations/{code}/amenities/{amenity}",
        expect=200,
        data=broken,
        code=code,
        amenity="microwave",
    )
    call(
        staff,
        "put",
        "/operations/stations/{code}/amenities/{amenity}",
        expect=422,
        data={"working": False},
        code=code,
        amenity="microwave",
    )
    call(staff, "get", "/operations/my-day", expect=200)
    call(anon, "get", "/operations/my-day", expect=401)
    other = Client()
    other.force_login(district.other_admin)
    call(
        other,
        "get",
        "/operations/stations/{code}/checklist/{tier}",
        expect=403,
        code=code,
        tier="daily",
    )

    # Supplies.
    restock = {"item": "huoxiang", "quantity": 20, "batch_no": "B1", "expires_on": "2027-06-30"}
    call(staff, "post", "/supplies/stations/{code}/restock", expect=200, data=restock, code=code)
    call(
        staff,
        "post",
        "/supplies/stations/{code}/use",
        expect=200,
        data={"item": "huoxiang", "quantity": 2},
        code=code,
    )
    call(
        staff,
        "post",
        "/supplies/stations/{code}/use",
        expect=404,
        data={"item": "nope", "quantity": 2},
        code=code,
    )
    call(staff, "get", "/supplies/stations/{code}/stock", expect=200, code=code)
    call(other, "get", "/supplies/stations/{code}/stock", expect=403, code=code)

    # Volunteer shifts.
    shift = Shift.objects.create(
        station=station,
        role=StaffRole.ONE_DAY_MASTER,
        starts_at=dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 12, 5, 16, 0, tzinfo=dt.UTC),
        slots=2,
        extends_hours=True,
        created_by=district.master,
    )
    worker_user = Client()
    worker_user.force_login(district.worker)
    call(anon, "get", "/shifts/stations/{code}", expect=200, code=code)
    call(anon, "get", "/shifts/stations/{code}", expect=404, code="NOPE")
    signup = call(worker_user, "post", "/shifts/{shift_id}/signup", expect=201, shift_id=shift.pk)
    call(worker_user, "post", "/shifts/{shift_id}/signup", expect=422, shift_id=shift.pk)
    call(worker_user, "get", "/shifts/mine", expect=200)
    call(
        worker_user,
        "post",
        "/shifts/signups/{signup_id}/cancel",
        expect=200,
        signup_id=signup["id"],
    )
    call(worker_user, "post", "/shifts/signups/{signup_id}/cancel", expect=404, signup_id=0)

    # The responsibility board.
    call(staff, "get", "/boards/{code}", expect=200, code=code)
    call(staff, "get", "/boards/{code}", expect=404, code="NOPE")
    call(anon, "get", "/boards/{code}", expect=401, code=code)

    # Worker feedback from a board's QR fields.
    def qr(purpose: str) -> dict[str, str]:
        return {"purpose": purpose, "code": code, "sig": qr_sig(code, purpose)}

    call(anon, "post", "/feedback/checkin", expect=200, data=qr("checkin"), headers=me)
    call(anon, "post", "/feedback/checkin", expect=422, data=qr("checkin"))
    call(
        anon,
        "post",
        "/feedback/checkin",
        expect=404,
        data={**qr("checkin"), "sig": "x" * 12},
        headers=me,
    )
    call(anon, "post", "/feedback/rating", expect=200, data={**qr("rate"), "stars": 4}, headers=me)
    report = {**qr("report"), "category": "expired_medicine", "photo": jpeg()}
    followed = call(
        anon, "post", "/feedback/report", expect=200, data=report, multipart=True, headers=me
    )
    token = re.fullmatch(r"/f/(.+)/", followed["follow_path"])[1]  # type: ignore[index]
    call(anon, "get", "/feedback/follow/{token}", expect=200, token=token)
    call(anon, "get", "/feedback/follow/{token}", expect=404, token="nope")
    call(anon, "get", "/feedback/mine", expect=200, headers=me)
    call(anon, "get", "/feedback/mine", expect=422)
    # The master answers a report from their day: it is listed there, then acknowledged.
    dirty = {**qr("report"), "category": "dirty", "text": "厕所没人打扫", "photo": jpeg()}
    call(anon, "post", "/feedback/report", expect=200, data=dirty, multipart=True, headers=me)
    day = call(staff, "get", "/operations/my-day", expect=200)
    waiting = next(r for r in day["reports"] if r["category"] == "dirty")
    ordered = next(r for r in day["reports"] if r["order"] is not None)
    ack = {"status": "acknowledged"}
    path = "/feedback/reports/{report_id}/status"
    call(staff, "post", path, expect=200, data=ack, report_id=waiting["id"])
    call(staff, "post", path, expect=422, data={"status": "open"}, report_id=waiting["id"])
    call(staff, "post", path, expect=422, data=ack, report_id=ordered["id"])
    call(staff, "post", path, expect=404, data=ack, report_id=0)
    call(other, "post", path, expect=404, data=ack, report_id=waiting["id"])
    call(anon, "post", path, expect=401, data=ack, report_id=waiting["id"])
    progress = {"status": "in_progress"}
    call(officer, "post", path, expect=200, data=progress, report_id=waiting["id"])

    # A door controller's upload, signed.
    door, secret = device_register(
        user=None, station=station, kind=DeviceKind.DOOR, serial="DOOR-9"
    )
    events = {
        "events": [
            {"event_id": "e1", "kind": "door_open", "at": "2026-12-01T08:29:00+08:00"},
            {"event_id": "e2", "kind": "teleport", "at": "2026-12-01T08:29:00+08:00"},
        ]
    }
    caller.check(
        "post",
        "/devices/events",
        _signed(anon, door.serial, secret, f"{PREFIX}/devices/events", events),
    )
    caller.check(
        "post", "/devices/events", anon.post(f"{PREFIX}/devices/events", "{}", "application/json")
    )
    assert caller.called[("post", "/devices/events")] == {200, 401}

    # Lockers: a worker reserves and claims, the locker opens and hands out.
    lockers.compartment_load(
        user=district.administrator,
        compartment=smart.compartment(3),
        item=item("noodles"),
        quantity=10,
        expires_on=dt.date(2027, 3, 1),
    )
    call(anon, "get", "/lockers/stations/{code}/offer", expect=200, code=code, headers=me)
    call(anon, "get", "/lockers/stations/{code}/offer", expect=404, code="NOPE")
    want = {"station": code, "item": "noodles"}
    reserved = call(anon, "post", "/lockers/reservations", expect=200, data=want, headers=me)
    call(anon, "post", "/lockers/reservations", expect=400, data=want, headers=me)
    call(
        anon, "post", "/lockers/reservations", expect=422, data={**want, "item": "gold"}, headers=me
    )
    call(anon, "get", "/lockers/reservations", expect=200, headers=me)
    call(anon, "get", "/lockers/reservations", expect=422)
    check_path, pickup_path = f"{PREFIX}/lockers/device/check", f"{PREFIX}/lockers/device/pickup"
    caller.check(
        "post",
        "/lockers/device/check",
        device_post(anon, smart, check_path, {"code": reserved["code"]}),
    )
    caller.check(
        "post",
        "/lockers/device/check",
        device_post(anon, smart, check_path, {"code": reserved["code"]}),
    )
    caller.check(
        "post",
        "/lockers/device/pickup",
        device_post(anon, smart, pickup_path, {"reservation": reserved["id"]}),
    )
    caller.check(
        "post",
        "/lockers/device/pickup",
        device_post(anon, smart, pickup_path, {"reservation": "x"}),
    )
    assert caller.called[("post", "/lockers/device/check")] == {200, 404}
    assert caller.called[("post", "/lockers/device/pickup")] == {200, 422}
    second = lockers.reservation_create(
        visitor_key="worker-bbbbbbbbbbbbbbbb", station=station, item=item("noodles")
    )
    call(
        anon,
        "post",
        "/lockers/reservations/{pk}/cancel",
        expect=200,
        pk=second.pk,
        headers={"X-Visitor": "worker-bbbbbbbbbbbbbbbb"},
    )
    call(anon, "post", "/lockers/reservations/{pk}/cancel", expect=404, pk=second.pk, headers=me)
    donation = lockers.donation_register(
        user=district.administrator,
        station=station,
        category="coats",
        title="羽绒服(男款 XL)",
        condition="like_new",
    )
    call(
        anon, "get", "/lockers/exchange/nearby", expect=200, data={"lat": 45.7733, "lon": 126.6175}
    )
    call(anon, "get", "/lockers/exchange/nearby", expect=422, data={"lat": 95, "lon": 126.6175})
    call(anon, "post", "/lockers/exchange/{pk}/claim", expect=200, pk=donation.pk, headers=me)
    call(anon, "post", "/lockers/exchange/{pk}/claim", expect=404, pk=0, headers=me)
    call(anon, "get", "/lockers/exchange/claims", expect=200, headers=me)

    assert caller.problems == []
    operations = {
        (method, path.removeprefix(PREFIX))
        for path, item_ in caller.spec["paths"].items()
        for method in item_
        if method in METHODS
    }
    never = sorted(
        op for op in operations if 200 not in caller.called[op] and 201 not in caller.called[op]
    )
    assert never == [], "operations this test never saw succeed: add them"
