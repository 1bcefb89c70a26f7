"""One log line per request, for production's structured logs.

With ``YIZHAN_LOG_JSON=1`` (settings) every log record is one JSON object per line
(python-json-logger), and this middleware adds, for each request, a record on the
``yizhan.request`` logger with ``method``, ``path``, ``status``, ``duration_ms``,
``user_id`` and ``request_id``. The request id is the ``X-Request-ID`` the web server
sent (nginx: ``proxy_set_header X-Request-ID $request_id``), or a new one; it goes back
in the response's ``X-Request-ID`` so a person's complaint can be found in the logs.
The query string is left out: it may hold a pick-up code or a phone number.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("yizhan.request")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        start = time.monotonic()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - start) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "request_id": request_id,
            },
        )
        response.headers.setdefault("X-Request-ID", request_id)
        return response
