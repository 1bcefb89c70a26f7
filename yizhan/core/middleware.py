"""The API speaks the client's language.

The pages are under ``i18n_patterns(prefix_default_language=False)``, where Django's
LocaleMiddleware treats every unprefixed path as the default language (Chinese). The
API has no prefix and serves apps in either language, so for ``/api/`` this middleware
(placed after LocaleMiddleware) follows the language cookie or ``Accept-Language``."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import translation
from django.utils.translation import gettext as _


class ApiLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if request.path_info.startswith("/api/"):
            response.headers.setdefault("Content-Language", translation.get_language())
        return response


# A NUL byte anywhere in a query string, a form field or a JSON body. PostgreSQL refuses
# NUL in text, so such a value would reach a query and answer 500; nothing legitimate
# sends one. A JSON body spells it ``\u0000`` (not preceded by an escaping backslash).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
# Bodies that refuse a NUL per item themselves: a device batch keeps its good events and
# names the bad one (a whole-batch 400 would have an offline device resend it for ever).
NUL_BODY_CHECKED_BY_VIEW = ("/api/v1/devices/events",)


def _has_nul(request: HttpRequest) -> bool:
    for key, values in request.GET.lists():
        if "\0" in key or any("\0" in v for v in values):
            return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        for key, values in request.POST.lists():
            if "\0" in key or any("\0" in v for v in values):
                return True
        return any(
            "\0" in key or any("\0" in str(f.name or "") for f in files)
            for key, files in request.FILES.lists()
        )
    body = request.body  # bounded by DATA_UPLOAD_MAX_MEMORY_SIZE (RequestDataTooBig)
    if request.path_info in NUL_BODY_CHECKED_BY_VIEW:
        return False
    return b"\0" in body or _JSON_NUL.search(body) is not None


class RejectNulMiddleware:
    """Hostile input answers 4xx with a sentence, never 500: a NUL byte (400), a
    multipart body without its boundary (400), a body over DATA_UPLOAD_MAX_MEMORY_SIZE
    (413)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            refused = _has_nul(request)
        except RequestDataTooBig:
            return _refusal(request, _("提交的内容过大。"), 413)
        except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent, UnicodeDecodeError):
            return _refusal(request, _("提交的内容格式不正确。"), 400)
        if refused:
            return _refusal(request, _("请求中含有不允许的字符（空字符），请删去后重试。"), 400)
        return self.get_response(request)


def _refusal(request: HttpRequest, message: str, status: int) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {"detail": str(message)}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    return HttpResponse(str(message), status=status, content_type="text/plain; charset=utf-8")
