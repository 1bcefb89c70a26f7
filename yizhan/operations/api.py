"""Station operations over JSON (/api/v1/operations) for a staff app or mini-program:
the opening log, the current checklist, inspections, equipment state and a person's day.
Session authentication (with CSRF); photos are taken through the staff pages."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from ninja.security import django_auth

from yizhan.accounts.models import User
from yizhan.core.errors import NotFound
from yizhan.core.schemas import ErrorOut
from yizhan.core.time import SHANGHAI
from yizhan.operations import selectors, services
from yizhan.operations.models import Tier
from yizhan.operations.schemas import (
    AmenityIn,
    AmenityStateOut,
    CellOut,
    ChecklistOut,
    DayReportOut,
    InspectionIn,
    InspectionOut,
    ItemOut,
    MyDayOut,
    MyStationOut,
    OpeningIn,
    OpeningOut,
    OrderOut,
    TaskOut,
)
from yizhan.stations.access import station_access_require
from yizhan.stations.models import Station

router = Router(auth=django_auth)


def _station(code: str) -> Station:
    found = Station.objects.select_related("region").filter(code=code).first()
    if found is None:
        raise NotFound(f"no station {code}")
    return found


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@router.post("/stations/{code}/opening", response={201: OpeningOut, (401, 403, 404, 422): ErrorOut})
def opening_api(request: HttpRequest, code: str, body: OpeningIn):  # type: ignore[no-untyped-def]
    """One tap "opened" / "closed" at the server's time, the position checked (away > 300 m)."""
    entry = services.opening_log_record(
        user=_user(request),
        station=_station(code),
        action=body.action,
        position=services.Position(body.lat, body.lon, body.accuracy_m),
        client_id=body.client_id,
    )
    return Status(201, entry)


@router.get(
    "/stations/{code}/checklist/{tier}",
    response={200: ChecklistOut, (401, 403, 404, 422): ErrorOut},
)
def checklist_api(request: HttpRequest, code: str, tier: Tier):  # type: ignore[no-untyped-def]
    """The tier's current checklist for this station today (its region's seasonal items)."""
    station = _station(code)
    station_access_require(user=_user(request), station=station)
    checklist = selectors.checklist_current(tier=tier)
    season = selectors.station_season(
        region_code=station.region.code, day=timezone.now().astimezone(SHANGHAI).date()
    )
    return ChecklistOut(
        tier=tier,
        version=checklist.version,
        season=season,
        items=[
            ItemOut.model_validate(i)
            for i in selectors.checklist_items_for(checklist=checklist, season=season)
        ],
    )


@router.post(
    "/stations/{code}/inspections",
    response={(200, 201): InspectionOut, (401, 403, 404, 422): ErrorOut},
)
def inspection_api(request: HttpRequest, code: str, body: InspectionIn):  # type: ignore[no-untyped-def]
    """Submit an inspection. Failed items that ask for a photo must be submitted through
    the staff page (with the photo); a retry with the same client_id returns the first."""
    user = _user(request)
    assignment = services.assignment_for(user=user, pk=body.assignment) if body.assignment else None
    result = services.inspection_submit(
        user=user,
        station=_station(code),
        tier=body.tier,
        answers=body.answers,
        position=services.Position(body.lat, body.lon, body.accuracy_m),
        note=body.note,
        client_id=body.client_id,
        assignment=assignment,
    )
    i = result.inspection
    out = InspectionOut(
        id=i.pk,
        tier=i.tier,
        submitted_at=i.submitted_at,
        late=i.late,
        away=i.away,
        no_position=i.no_position,
        failed_count=i.failed_count,
        rectifications=[r.pk for r in result.rectifications],
    )
    return Status(201 if result.created else 200, out)


@router.put(
    "/stations/{code}/amenities/{amenity}",
    response={200: AmenityStateOut, (401, 403, 404, 422): ErrorOut},
)
def amenity_api(request: HttpRequest, code: str, amenity: str, body: AmenityIn):  # type: ignore[no-untyped-def]
    """Mark equipment out of order (reason required) or fixed; the finder follows at once."""
    row = services.amenity_state_set(
        user=_user(request),
        station=_station(code),
        amenity_code=amenity,
        working=body.working,
        reason=body.reason,
        expected_fix_on=body.expected_fix_on,
    )
    return AmenityStateOut(
        code=amenity,
        state=row.state,
        reason=row.reason,
        expected_fix_on=row.expected_fix_on,
    )


@router.get("/my-day", response={200: MyDayOut, 401: ErrorOut})
def my_day_api(request: HttpRequest):  # type: ignore[no-untyped-def]
    """What waits for the signed-in person today: checks due, tasks, orders to fix or
    check, and workers' reports to answer (at the stations they run) or chase (overdue,
    for an inspector or a street officer)."""
    day = selectors.my_day(user=_user(request), today=timezone.now().astimezone(SHANGHAI).date())

    def order(r):  # type: ignore[no-untyped-def]
        return OrderOut(
            id=r.pk,
            station=r.station.code,
            title=r.title,
            severity=r.severity,
            status=r.status,
            deadline=r.deadline,
            assignee=r.assignee.display_name if r.assignee else None,
            assignee_basis=r.assignee_basis,
            level=r.level,
        )

    def report(r):  # type: ignore[no-untyped-def]
        return DayReportOut(
            id=r.id,
            station=r.station_code,
            station_name=r.station_name,
            category=r.category,
            category_label=r.category_label,
            text=r.text,
            photo_url=request.build_absolute_uri(r.photo_url) if r.photo_url else "",
            count=r.count,
            created_at=r.created_at.astimezone(SHANGHAI),
            age_hours=r.age_hours,
            status=r.status,
            status_label=r.status_label,
            overdue=r.overdue,
            phone=r.phone,
            order=r.order_id,
            may_set=list(r.may_set),
        )

    return MyDayOut(
        stations=[
            MyStationOut(
                code=s.code,
                name=s.name,
                roles=sorted(roles),
                inspections=[
                    CellOut(
                        tier=c.tier,
                        state=c.state,
                        period_start=c.period_start,
                        last_at=c.last_at.astimezone(SHANGHAI) if c.last_at else None,
                    )
                    for c in row.cells
                ],
            )
            for s, roles, row, _may in day.stations
        ],
        assignments=[
            TaskOut(id=a.pk, tier=a.tier, station=a.station.code, due_on=a.due_on)
            for a in day.assignments
        ],
        to_fix=[order(r) for r in day.to_fix],
        to_check=[order(r) for r in day.to_check],
        reports=[report(r) for r in day.reports],
        reports_overdue=[report(r) for r in day.reports_overdue],
    )
