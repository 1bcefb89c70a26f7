"""Pages of the lockers and the exchange.

Workers (no login; the signed visitor cookie of the QR pages): what a station's lockers
give now and a reservation in two taps from the station page; their codes; donated
items nearby and a claim. Staff: a station's lockers compartment by compartment with
restock suggestions, and its exchange desk. Officers: the region's figures, exported."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.core.errors import ApplicationError, ValidationFailed
from yizhan.core.hooks import nearby_station_codes
from yizhan.core.occupation import Occupation
from yizhan.core.ratelimit import rate_limited
from yizhan.core.time import SHANGHAI
from yizhan.core.xlsx import Book
from yizhan.devices.models import Device, DeviceKind
from yizhan.feedback.selectors import reports_of
from yizhan.lockers import selectors, services
from yizhan.lockers.models import (
    REFUSED_CATEGORIES,
    Claim,
    Compartment,
    CompartmentSize,
    Donation,
    DonationCategory,
    ItemCondition,
)
from yizhan.stations.access import (
    officer_for_request,
    region_for_request,
    regions_in_scope,
    station_for_request,
)
from yizhan.stations.models import Station, StationStatus
from yizhan.supplies.models import SupplyItem
from yizhan.visitors.selectors import visitor_by_key
from yizhan.visitors.services import WORKER_OCCUPATIONS, visitor_from, visitor_keep


def _writes_limit() -> int:
    return int(settings.YIZHAN["LOCKER_WRITES_PER_MINUTE"])


def _message(exc: ApplicationError) -> str:
    if isinstance(exc, ValidationFailed) and exc.errors:
        return "；".join(e.message for e in exc.errors)
    return exc.message


def _client_id(request: HttpRequest) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get("client_id", ""))
    except ValueError:
        return None


def _public_station(code: str) -> Station:
    station = (
        Station.objects.select_related("region")
        .filter(code=code[:40], status=StationStatus.ACTIVE)
        .first()
    )
    if station is None:
        raise Http404(code)
    return station


def _worker(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    from django.urls import translate_url

    here = request.get_full_path()
    return render(
        request,
        template,
        {
            **context,
            "lang_zh_url": translate_url(here, "zh-hans"),
            "lang_en_url": translate_url(here, "en"),
            "messages_js": {},
        },
    )


def _kept(response: HttpResponse, key: str, occupation: str) -> HttpResponse:
    visitor_keep(response, key, occupation)
    return response


def _occupation(request: HttpRequest, known: str) -> str:
    chosen = request.POST.get("occupation", "")
    return chosen if chosen in Occupation.values and chosen else known


# ---------------------------------------------------------------- workers: lockers


def free(request: HttpRequest, code: str) -> HttpResponse:
    """What a station's lockers give now, each with its own reserve button."""
    station = _public_station(code)
    now = timezone.now()
    key, occupation, _new = visitor_from(request)
    visitor = visitor_by_key(key=key)
    offers = [
        (
            o,
            services.quota_for(
                visitor_id=visitor.pk if visitor else None, station=station, item=o.item, now=now
            ),
        )
        for o in selectors.station_offer(station=station, now=now)
    ]
    response = _worker(
        request,
        "lockers/free.html",
        {
            "station": station,
            "offers": offers,
            "occupation": occupation,
            "occupations": WORKER_OCCUPATIONS,
            "client_id": uuid.uuid4(),
            "has_locker": bool(selectors.stations_with_lockers(station_ids=[station.pk])),
            "hold_minutes": settings.YIZHAN["LOCKER_HOLD_MINUTES"],
        },
    )
    return _kept(response, key, occupation)


@require_POST
def reserve(request: HttpRequest, code: str) -> HttpResponse:
    station = _public_station(code)
    key, occupation, _new = visitor_from(request)
    occupation = _occupation(request, occupation)
    back = redirect("lockers_worker:free", code=station.code)
    if rate_limited(request, scope="lockers-write", per_minute=_writes_limit()):
        messages.error(request, _("提交太频繁，请一分钟后再试"))
        return _kept(back, key, occupation)
    item = SupplyItem.objects.filter(code=request.POST.get("item", "")[:40]).first()
    if item is None:
        raise Http404("item")
    try:
        r = services.reservation_create(
            visitor_key=key,
            station=station,
            item=item,
            occupation=occupation,
            client_id=_client_id(request),
        )
    except ApplicationError as exc:
        messages.error(request, _message(exc))
        return _kept(back, key, occupation)
    return _kept(redirect("lockers_worker:reservation", pk=r.pk), key, occupation)


def mine(request: HttpRequest) -> HttpResponse:
    key, occupation, new = visitor_from(request)
    now = timezone.now()
    reservations = [] if new else selectors.reservations_of(visitor_key=key)
    claims = [] if new else selectors.claims_of(visitor_key=key)
    # The worker's problem reports sit next to their codes: all they keep on this phone.
    reports = [] if new else reports_of(visitor_key=key)
    return _worker(
        request,
        "lockers/mine.html",
        {
            "reservations": reservations,
            "claims": claims,
            "reports": reports,
            "now": now,
            "nav": "mine",
        },
    )


def reservation(request: HttpRequest, pk: int) -> HttpResponse:
    key, _occupation, _new = visitor_from(request)
    found = selectors.reservation_of(visitor_key=key, pk=pk)
    if found is None:
        raise Http404(str(pk))
    if request.method == "POST":
        try:
            services.reservation_cancel(visitor_key=key, reservation=found)
            messages.success(request, _("已取消，物资已放回智能柜。"))
        except ApplicationError as exc:
            messages.error(request, _message(exc))
        return redirect("lockers_worker:reservation", pk=pk)
    return _worker(request, "lockers/reservation.html", {"r": found, "now": timezone.now()})


# ---------------------------------------------------------------- workers: exchange


def exchange(request: HttpRequest) -> HttpResponse:
    """Donated items: near the position given (``?lat=&lon=``), else the newest."""
    try:
        lat, lon = float(request.GET["lat"]), float(request.GET["lon"])
        near = -90 <= lat <= 90 and -180 <= lon <= 180
    except (KeyError, ValueError):
        lat = lon = 0.0
        near = False
    category = request.GET.get("category", "")
    category = category if category in DonationCategory.values else ""
    if near:
        codes = nearby_station_codes(lat=lat, lon=lon, limit=30)
        ids = dict(Station.objects.filter(code__in=codes).values_list("code", "pk"))
        order = {ids[c]: n for n, c in enumerate(codes) if c in ids}
        items = list(
            selectors.donations_listed(station_ids=list(order), category=category, limit=60)
        )
        items.sort(key=lambda d: (order.get(d.station_id, 99), -d.created_at.timestamp()))
    else:
        items = list(selectors.donations_listed(category=category, limit=60))
    return _worker(
        request,
        "lockers/exchange.html",
        {
            "items": items,
            "near": near,
            "lat": lat,
            "lon": lon,
            "category": category,
            "categories": DonationCategory.choices,
            "refused": _("、").join(str(v) for v in REFUSED_CATEGORIES.values()),
        },
    )


def donation(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        Donation.objects.select_related("station"), pk=pk, station__status=StationStatus.ACTIVE
    )
    key, occupation, _new = visitor_from(request)
    if request.method == "POST":
        occupation = _occupation(request, occupation)
        if rate_limited(request, scope="lockers-write", per_minute=_writes_limit()):
            messages.error(request, _("提交太频繁，请一分钟后再试"))
            return _kept(redirect("lockers_worker:donation", pk=pk), key, occupation)
        try:
            c = services.donation_claim(
                visitor_key=key,
                donation=found,
                occupation=occupation,
                client_id=_client_id(request),
            )
        except ApplicationError as exc:
            messages.error(request, _message(exc))
            return _kept(redirect("lockers_worker:donation", pk=pk), key, occupation)
        return _kept(redirect("lockers_worker:claim", pk=c.pk), key, occupation)
    response = _worker(
        request,
        "lockers/donation.html",
        {
            "d": found,
            "client_id": uuid.uuid4(),
            "occupation": occupation,
            "occupations": WORKER_OCCUPATIONS,
            "hold_hours": settings.YIZHAN["CLAIM_HOLD_HOURS"],
        },
    )
    return _kept(response, key, occupation)


def claim(request: HttpRequest, pk: int) -> HttpResponse:
    key, _occupation, _new = visitor_from(request)
    found = selectors.claim_of(visitor_key=key, pk=pk)
    if found is None:
        raise Http404(str(pk))
    if request.method == "POST":
        try:
            services.claim_cancel(visitor_key=key, claim=found)
            messages.success(request, _("已取消，物品已放回列表。"))
        except ApplicationError as exc:
            messages.error(request, _message(exc))
        return redirect("lockers_worker:claim", pk=pk)
    return _worker(request, "lockers/claim.html", {"c": found, "now": timezone.now()})


# ---------------------------------------------------------------- staff


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _int(raw: str | None, default: int = 0) -> int:
    try:
        return int(raw or default)
    except ValueError:
        return default


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@login_required
def station(request: HttpRequest, code: str) -> HttpResponse:
    obj, access = station_for_request(request, code)
    now = timezone.now()
    if request.method == "POST":
        return _station_post(request, obj)
    return render(
        request,
        "lockers/station.html",
        {
            "station": obj,
            "access": access,
            "may_run": access.allows("run"),
            "lockers": selectors.station_lockers(station=obj, now=now),
            "recent": selectors.recent_reservations(station=obj),
            "items": SupplyItem.objects.order_by("sort_order", "code"),
            "devices": Device.objects.filter(station=obj, kind=DeviceKind.LOCKER, locker=None),
            "sizes": CompartmentSize.choices,
            "today": now.astimezone(SHANGHAI).date(),
            "nav": "lockers",
        },
    )


def _station_post(request: HttpRequest, obj: Station) -> HttpResponse:
    user = _user(request)
    action = request.POST.get("action", "")
    try:
        if action == "register":
            sizes = [
                s.strip().upper()
                for s in request.POST.get("sizes", "").replace("，", ",").split(",")
                if s.strip()
            ]
            count = _int(request.POST.get("count"))
            if not sizes and count:
                sizes = ["M"] * min(count, services.MAX_COMPARTMENTS + 1)  # too many: refused
            device = Device.objects.filter(pk=_int(request.POST.get("device")), station=obj).first()
            locker = services.locker_register(
                user=user,
                station=obj,
                name=request.POST.get("name", ""),
                sizes=sizes,
                device=device,
            )
            messages.success(
                request,
                _("已登记 %(name)s，%(n)s 个格口。") % {"name": locker.name, "n": len(sizes)},
            )
        elif action in ("load", "empty", "broken", "fixed"):
            c = get_object_or_404(
                Compartment, pk=_int(request.POST.get("compartment")), locker__station=obj
            )
            if action == "load":
                item = get_object_or_404(SupplyItem, code=request.POST.get("item", ""))
                raw_value = request.POST.get("unit_value", "").strip()
                services.compartment_load(
                    user=user,
                    compartment=c,
                    item=item,
                    quantity=_int(request.POST.get("quantity")),
                    expires_on=_date(request.POST.get("expires_on")),
                    unit_value=float(raw_value) if raw_value else None,
                )
                messages.success(request, _("%(n)s 号格口已装货。") % {"n": c.number})
            elif action == "empty":
                n = services.compartment_empty(
                    user=user, compartment=c, expired=request.POST.get("expired") == "1"
                )
                messages.success(
                    request, _("已从 %(c)s 号格口取出 %(n)s 件。") % {"c": c.number, "n": n}
                )
            else:
                services.compartment_out_of_order(
                    user=user, compartment=c, broken=action == "broken"
                )
        elif action == "donation":
            services.donation_register(
                user=user,
                station=obj,
                category=request.POST.get("category", ""),
                title=request.POST.get("title", ""),
                condition=request.POST.get("condition", ""),
                description=request.POST.get("description", ""),
                photo=request.FILES.get("photo"),
            )
            messages.success(request, _("已登记，物品已出现在爱心互献列表中。"))
            return redirect("lockers:exchange_desk", code=obj.code)
        elif action == "withdraw":
            d = get_object_or_404(Donation, pk=_int(request.POST.get("donation")), station=obj)
            services.donation_withdraw(user=user, donation=d)
            messages.success(request, _("已下架。"))
            return redirect("lockers:exchange_desk", code=obj.code)
        else:
            raise Http404(action)
    except ApplicationError as exc:
        messages.error(request, _message(exc))
        if action in ("donation", "withdraw"):
            return redirect("lockers:exchange_desk", code=obj.code)
    except ValueError:
        messages.error(request, _("单件价值应为数字"))
    return redirect("lockers:station", code=obj.code)


@login_required
def exchange_desk(request: HttpRequest, code: str) -> HttpResponse:
    """The station's donations, the form to register one, and the code check."""
    obj, access = station_for_request(request, code)
    found: Claim | None = None
    if request.method == "POST" and request.POST.get("action") == "verify":
        try:
            found = services.claim_verify(
                user=_user(request), station=obj, code=request.POST.get("code", "")
            )
        except ApplicationError as exc:
            messages.error(request, _message(exc))
    elif request.method == "POST" and request.POST.get("action") == "hand_over":
        c = get_object_or_404(Claim, pk=_int(request.POST.get("claim")), station=obj)
        try:
            services.claim_hand_over(
                user=_user(request), claim=c, code=request.POST.get("code", "")
            )
            messages.success(request, _("已交给领取人：%(t)s") % {"t": c.donation.title})
        except ApplicationError as exc:
            messages.error(request, _message(exc))
        return redirect("lockers:exchange_desk", code=obj.code)
    elif request.method == "POST":
        return _station_post(request, obj)
    return render(
        request,
        "lockers/exchange_desk.html",
        {
            "station": obj,
            "access": access,
            "found": found,
            "donations": selectors.station_donations(station=obj),
            "categories": DonationCategory.choices,
            "conditions": ItemCondition.choices,
            "refused": _("、").join(str(v) for v in REFUSED_CATEGORIES.values()),
            "nav": "lockers",
        },
    )


# ---------------------------------------------------------------- officers


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    today = timezone.now().astimezone(SHANGHAI).date()
    last = _date(request.GET.get("end")) or today
    first = _date(request.GET.get("start")) or last - dt.timedelta(days=29)
    if first > last:
        first, last = last, first
    return max(first, last - dt.timedelta(days=366)), last


@login_required
def region(request: HttpRequest) -> HttpResponse:
    user = officer_for_request(request)
    place = region_for_request(request, user)
    first, last = _period(request)
    start = dt.datetime.combine(first, dt.time(), SHANGHAI)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), SHANGHAI)
    now = timezone.now()
    scope = user_scope(user=user)
    rows, exchange_figures = selectors.officer_figures(
        scope=scope, region=place, start=start, end=end, now=now
    )
    expiring = selectors.expiring_stock(scope=scope, region=place, now=now)
    if request.GET.get("format") == "xlsx":
        return _region_xlsx(rows, exchange_figures, expiring, first, last)
    return render(
        request,
        "lockers/region.html",
        {
            "rows": rows,
            "exchange": exchange_figures,
            "expiring": expiring,
            "region": place,
            "regions": regions_in_scope(user),
            "start": first,
            "end": last,
            "totals": {
                "handed_out": sum(r.handed_out for r in rows),
                "value": sum(r.value for r in rows),
                "stock_outs": sum(r.stock_outs for r in rows),
                "expired": sum(r.expired for r in rows),
            },
            "query": request.GET.urlencode(),
            "nav": "lockers",
        },
    )


def _region_xlsx(
    rows: list[selectors.StationFigures],
    exchange_figures: selectors.ExchangeFigures,
    expiring: list[Compartment],
    first: dt.date,
    last: dt.date,
) -> HttpResponse:
    book = Book()
    book.sheet(
        _("智能柜发放"),
        [
            _("驿站编号"),
            _("驿站名称"),
            _("区域"),
            _("智能柜"),
            _("发放件数"),
            _("发放价值(元)"),
            _("预约"),
            _("过期未取"),
            _("领完未领到"),
            _("超限额"),
            _("现存(在有效期内)"),
            _("7天内到期"),
            _("空格口"),
        ],
        [
            [
                r.station.code,
                r.station.name,
                r.station.region.name,
                r.lockers,
                r.handed_out,
                float(r.value),
                r.reservations,
                r.expired,
                r.stock_outs,
                r.over_quota,
                r.in_stock,
                r.expiring,
                r.empty_compartments,
            ]
            for r in rows
        ],
    )
    book.sheet(
        _("临期物资"),
        [_("驿站"), _("智能柜"), _("格口"), _("物资"), _("数量"), _("有效期至")],
        [
            [
                c.locker.station.name,
                c.locker.name,
                c.number,
                c.item.label if c.item else "",
                c.available,
                c.expires_on,
            ]
            for c in expiring
        ],
    )
    book.sheet(
        _("爱心互献"),
        [_("指标"), _("数量")],
        [
            [_("登记物品"), exchange_figures.registered],
            [_("被预定"), exchange_figures.claimed],
            [_("已领走"), exchange_figures.handed_over],
            [_("过期未领"), exchange_figures.expired],
            [_("现可领取"), exchange_figures.listed_now],
        ],
    )
    return book.response(f"lockers-{first}-{last}.xlsx")
