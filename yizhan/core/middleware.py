"""The API speaks the client's language.

The pages are under ``i18n_patterns(prefix_default_language=False)``, where Django's
LocaleMiddleware treats every unprefixed path as the default language (Chinese). The
API has no prefix and serves apps in either language, so for ``/api/`` this middleware
(placed after LocaleMiddleware) follows the language cookie or ``Accept-Language``."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation


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
