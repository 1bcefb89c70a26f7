"""Volunteer shifts over JSON (/api/v1/shifts): a station's upcoming shifts for anyone
(workers see when volunteers keep it open), sign-up and withdrawal for the signed-in."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from ninja.security import django_auth

from yizhan.core.errors import NotFound
from yizhan.core.schemas import ErrorOut
from yizhan.stations.models import Station, StationStatus
from yizhan.volunteers import selectors, services
from yizhan.volunteers.models import Shift, ShiftSignup
from yizhan.volunteers.schemas import ShiftOut, SignupOut

router = Router()


def _signup_out(s: ShiftSignup) -> SignupOut:
    return SignupOut(
        id=s.pk,
        shift=s.shift_id,
        status=s.status,
        signed_up_at=s.signed_up_at,
        checked_in_at=s.checked_in_at,
        checked_out_at=s.checked_out_at,
    )


@router.get(
    "/stations/{code}",
    response={200: list[ShiftOut], 404: ErrorOut},
    summary="A station's upcoming volunteer shifts / 驿站志愿值班",
    description="Published, not cancelled shifts that have not ended, soonest first, with "
    "free slots. `extends_hours` and `staffed` (someone signed up) together mean the "
    "station is open during the shift even outside its hours. No names are given.",
)
def station_shifts_api(request: HttpRequest, code: str):  # type: ignore[no-untyped-def]
    if not Station.objects.filter(code=code, status=StationStatus.ACTIVE).exists():
        raise NotFound(f"没有编号为 {code} 的开放驿站 / no active station {code}")
    return [
        ShiftOut.model_validate(s)
        for s in selectors.station_shifts_public(code=code, now=timezone.now())
    ]


@router.post(
    "/{shift_id}/signup",
    auth=django_auth,
    response={201: SignupOut, (401, 403, 404, 422): ErrorOut},
    summary="Sign up for a shift / 报名值班",
    description="Registered workers and station staff. 422 names the field: `slots` "
    "(名额已满), `shift` (cancelled or ended), `user` (already signed up).",
)
def signup_api(request: HttpRequest, shift_id: int):  # type: ignore[no-untyped-def]
    shift = Shift.objects.filter(pk=shift_id, published=True).first()
    if shift is None:
        raise NotFound(f"no shift {shift_id}")
    return Status(201, _signup_out(services.shift_signup(user=request.user, shift=shift)))  # type: ignore[arg-type]


@router.post(
    "/signups/{signup_id}/cancel",
    auth=django_auth,
    response={200: SignupOut, (401, 403, 404, 422): ErrorOut},
    summary="Withdraw a sign-up / 取消报名",
    description="Only one's own sign-up (anyone else's is a 404), not once checked in.",
)
def signup_cancel_api(request: HttpRequest, signup_id: int):  # type: ignore[no-untyped-def]
    signup = ShiftSignup.objects.filter(pk=signup_id, user__pk=request.user.pk or 0).first()
    if signup is None:
        raise NotFound(f"no sign-up {signup_id}")
    return _signup_out(services.shift_signup_cancel(user=request.user, signup=signup))  # type: ignore[arg-type]


@router.get(
    "/mine",
    auth=django_auth,
    response={200: list[SignupOut], 401: ErrorOut},
    summary="My sign-ups / 我的值班",
)
def mine_api(request: HttpRequest):  # type: ignore[no-untyped-def]
    return [
        _signup_out(s)
        for s in selectors.signups_mine(user=request.user, now=timezone.now())  # type: ignore[arg-type]
    ]
