"""A database busy with another writer answers "busy, try again" (503, Retry-After),
never a 500.

On SQLite one writer at a time: an import or a regions load is one transaction that may
hold the write lock for a minute, and other writers wait for it (settings: the busy
``timeout``, ``YIZHAN_SQLITE_BUSY_TIMEOUT`` seconds, and ``transaction_mode: IMMEDIATE``
so that a transaction takes the lock when it starts, not half-way). A writer that waited
the whole timeout gets ``OperationalError: database is locked``; this turns it into a
page the person can act on. PostgreSQL's equivalents (lock timeouts) are treated alike.

Two places: `DatabaseBusyMiddleware` for errors raised by views (works with DEBUG too),
and `server_error` (``handler500``) for those raised inside other middleware, such as a
session saved after the view.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

RETRY_AFTER_SECONDS = 10
_BUSY_WORDS = ("database is locked", "database table is locked", "lock timeout", "lock_timeout")


def is_busy(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError) and any(w in str(exc).lower() for w in _BUSY_WORDS)


def busy_response(request: HttpRequest) -> HttpResponse:
    message = _("系统正忙（正在处理一项较大的导入或计算），请稍等片刻再试。")
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": message, "code": "busy", "retry_after": RETRY_AFTER_SECONDS}, status=503
        )
    else:
        title = _("请稍后再试")
        again = _("重新加载")
        response = HttpResponse(
            f'<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title></head><body><h1>{title}</h1><p>{message}</p>"
            f'<p><a href="">{again}</a></p></body></html>',
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseBusyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return busy_response(request) if is_busy(exception) else None


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: Django calls it while handling the exception, so it is at hand."""
    if is_busy(sys.exc_info()[1]):
        return busy_response(request)
    return defaults.server_error(request)
