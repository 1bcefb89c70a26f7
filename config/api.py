"""The one NinjaAPI. Each app contributes a router; domain errors become HTTP here only."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth
from ninja.throttling import AnonRateThrottle, AuthRateThrottle

from yizhan.core.errors import ApplicationError

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
        AnonRateThrottle(settings.YIZHAN["API_ANON_RATE"]),
        AuthRateThrottle("1200/m"),
    ],
)


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": exc.message, **exc.extra}, status=exc.status_code
    )


def _register_routers() -> None:
    from yizhan.stations.api import router as stations_router

    api.add_router("/stations", stations_router, tags=["stations"])


_register_routers()
__all__ = ["api", "django_auth"]
