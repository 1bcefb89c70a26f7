"""The one NinjaAPI. Each app contributes a router; domain errors become HTTP here only."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth
from ninja.throttling import AnonRateThrottle, AuthRateThrottle, SimpleRateThrottle

from yizhan.core.errors import ApplicationError, FieldError, ValidationFailed
from yizhan.core.ratelimit import hit


class CountedThrottle(SimpleRateThrottle):
    """Counts in fixed windows on core's atomic counter (yizhan.core.ratelimit.hit)
    instead of ninja's history list in a cache (read, then write: concurrent requests
    lose counts, and a capped cache forgets them)."""

    def allow_request(self, request: HttpRequest) -> bool:
        if self.rate is None or not self.num_requests or not self.duration:
            return True
        key = self.get_cache_key(request)
        if key is None:
            return True
        return hit(f"api:{key}", window_seconds=self.duration) <= self.num_requests

    def wait(self) -> float | None:
        if not self.duration:
            return None
        return float(self.duration - time.time() % self.duration)


class AnonThrottle(CountedThrottle, AnonRateThrottle):
    """Anonymous clients, per address (ninja's ident: ``NINJA_NUM_PROXIES``)."""


class SignedInThrottle(CountedThrottle, AuthRateThrottle):
    """Signed-in users, per user (anonymous clients have their own limit above)."""

    def get_cache_key(self, request: HttpRequest) -> str | None:  # type: ignore[override]
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": f"user-{user.pk}"}


api = NinjaAPI(
    title="Yizhan 驿站 API",
    version="1",
    urls_namespace="api-v1",
    description=(
        "工会驿站登记与查询接口 / Station registry API for mini-program and city-app clients. "
        "Coordinates are WGS-84 unless `crs=gcj02` (Amap, Tencent) or `crs=bd09` (Baidu) "
        "is given. Anonymous clients see active stations and are rate limited."
    ),
    throttle=[
        *(
            [AnonThrottle(str(settings.YIZHAN["API_ANON_RATE"]))]
            if settings.YIZHAN["API_ANON_RATE"] != "off"
            else []
        ),
        SignedInThrottle("1200/m"),
    ],
)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": exc.message, **exc.extra}, status=exc.status_code
    )


@api.exception_handler(NinjaValidationError)
def schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """Type errors caught by the schema get the same shape as the domain's own:
    ``{"detail": "field: message", "errors": [{"field", "message", ...}]}``."""
    errors = []
    for e in exc.errors:
        # ("query", "lat"), ("body", "body", "max_off_m"): drop where it came from and
        # the view's own parameter name, keep the field the client sent.
        loc = [str(p) for p in e.get("loc", ())][1:]
        if len(loc) > 1 and loc[0] in {"body", "payload", "q", "query", "data"}:
            loc = loc[1:]
        errors.append(FieldError(field=".".join(loc) or "body", message=str(e.get("msg", ""))))
    return application_error(request, ValidationFailed(errors=errors))


def _register_routers() -> None:
    from yizhan.devices.api import router as devices_router
    from yizhan.feedback.api import router as feedback_router
    from yizhan.finder.api import router as finder_router
    from yizhan.lockers.api import router as lockers_router
    from yizhan.operations.api import router as operations_router
    from yizhan.signage.api import router as signage_router
    from yizhan.stations.api import router as stations_router
    from yizhan.supplies.api import router as supplies_router
    from yizhan.volunteers.api import router as volunteers_router

    api.add_router("/stations", stations_router, tags=["stations"])
    api.add_router("/finder", finder_router, tags=["finder"])
    api.add_router("/operations", operations_router, tags=["operations"])
    api.add_router("/supplies", supplies_router, tags=["supplies"])
    api.add_router("/shifts", volunteers_router, tags=["shifts"])
    api.add_router("/boards", signage_router, tags=["boards"])
    api.add_router("/feedback", feedback_router, tags=["feedback"])
    api.add_router("/devices", devices_router, tags=["devices"])
    api.add_router("/lockers", lockers_router, tags=["lockers"])


_register_routers()
__all__ = ["api", "django_auth"]
