"""The one NinjaAPI. Each app contributes a router; domain errors become HTTP here only."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth
from ninja.throttling import AnonRateThrottle, AuthRateThrottle

from yizhan.core.errors import ApplicationError, FieldError, ValidationFailed

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
            [AnonRateThrottle(str(settings.YIZHAN["API_ANON_RATE"]))]
            if settings.YIZHAN["API_ANON_RATE"] != "off"
            else []
        ),
        AuthRateThrottle("1200/m"),
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
    from yizhan.finder.api import router as finder_router
    from yizhan.stations.api import router as stations_router

    api.add_router("/stations", stations_router, tags=["stations"])
    api.add_router("/finder", finder_router, tags=["finder"])


_register_routers()
__all__ = ["api", "django_auth"]
