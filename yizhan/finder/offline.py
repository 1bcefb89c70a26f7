"""The worker pages offline (issue 18, point 6): the service worker, served at ``/sw.js``
so that its scope is the whole site in both languages, and the page it shows when a page
was never saved on the phone.

The worker's script is a template (``finder/sw.js``) given one JSON object: which paths
are worker pages (from the URL conf, each language; nothing else is ever cached: staff
pages, the console, the API), how many copies of each kind to keep, and the static files
to keep from the start under their (hashed, in production) names. The page side is
``static/finder/offline.js`` (registration, the outbox's sending and what the page says)
with ``static/finder/offline-store.js`` (the outbox, shared with the worker)."""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse, translate_url
from django.utils import translation
from django.views.decorators.http import require_GET

# A page answer slower than this is replaced by its saved copy (the answer, when it comes,
# still refreshes the copy).
NETWORK_TIMEOUT_MS = 4000
# A feedback form's post unanswered this long waits in the phone's outbox instead (sent
# again later with the same client id: recorded once, whichever arrives).
POST_TIMEOUT_MS = 30_000
STATIC_KEEP = 80
# Kept from the first visit on: what every worker page needs to draw itself.
PRECACHE = (
    "finder/finder.css",
    "finder/finder.js",
    "finder/offline.css",
    "finder/offline.js",
    "finder/offline-store.js",
    "feedback/feedback.css",
    "feedback/follow.js",
    "lockers/worker.css",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
    "core/basemap.css",
    "core/basemap.js",
)
PLACEHOLDER = "xPLACEHOLDERx"


def _pattern(name: str, args: tuple[str, ...] = (), *, prefix: bool = False) -> str:
    """A JavaScript regular expression for the paths of URL ``name`` in the active language:
    each argument any one path segment; ``prefix`` also matches the pages below it."""
    path = reverse(name, args=[PLACEHOLDER] * len(args) if args else None)
    pattern = "^" + "[^/]+".join(re.escape(part) for part in path.split(PLACEHOLDER))
    return pattern if prefix else pattern + "$"


def _worker_pages() -> list[dict[str, Any]]:
    """Which pages the service worker keeps, by kind: ``keep`` copies at most (the oldest
    go first), keyed with their query (``query``: each search is its own page) or without
    (a QR page after its "done" answer is the same page)."""
    rules: list[dict[str, Any]] = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            rules += [
                {"kind": "finder", "re": _pattern("finder:home"), "keep": 8, "query": True},
                {"kind": "finder", "re": _pattern("finder:route"), "keep": 8, "query": True},
                {
                    "kind": "station",
                    "re": _pattern("finder:station", ("code",), prefix=True),
                    "keep": 60,
                    "query": False,
                },
                {
                    "kind": "qr",
                    "re": _pattern("qr:scan", ("purpose", "code", "sig")),
                    "keep": 20,
                    "query": False,
                },
                {
                    "kind": "follow",
                    "re": _pattern("worker_feedback:follow", ("token",)),
                    "keep": 20,
                    "query": False,
                },
                # This phone's own codes and reports ("my" pages), nobody else's.
                {
                    "kind": "mine",
                    "re": _pattern("lockers_worker:mine", prefix=True),
                    "keep": 20,
                    "query": False,
                },
                {"kind": "offline", "re": _pattern("finder:offline"), "keep": 2, "query": False},
            ]
    return rules


def _config() -> dict[str, Any]:
    with translation.override("en"):
        english = reverse("finder:offline")
        en_prefix = reverse("finder:home")
    with translation.override(settings.LANGUAGE_CODE):
        chinese = reverse("finder:offline")
    return {
        "pages": _worker_pages(),
        "offline": {"zh": chinese, "en": english, "en_prefix": en_prefix},
        "precache": [static(path) for path in PRECACHE],
        "outbox_script": static("finder/offline-store.js"),
        "static_prefix": settings.STATIC_URL,
        "static_keep": STATIC_KEEP,
        "timeout_ms": NETWORK_TIMEOUT_MS,
        "post_timeout_ms": POST_TIMEOUT_MS,
    }


def _script() -> tuple[str, str]:
    """The worker's text and its ETag. Its bytes change whenever a static file's hashed
    name or the rules do, which is what makes phones install the new worker."""
    config = _config()
    body = json.dumps(config, ensure_ascii=False, sort_keys=True)
    config["version"] = hashlib.sha256(body.encode()).hexdigest()[:12]
    text = render_to_string("finder/sw.js", {"config": json.dumps(config, ensure_ascii=False)})
    return text, '"' + hashlib.sha256(text.encode()).hexdigest()[:20] + '"'


_script_once = cache(_script)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    text, etag = _script() if settings.DEBUG else _script_once()
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(text, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    # Phones ask again on each visit (a 304 while nothing changed).
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """What a page never saved on the phone shows without a connection: 离线, the pages
    that were saved (listed by offline.js from the cache) and what waits to be sent."""
    here = request.get_full_path()
    with translation.override("en"):
        en_prefix = reverse("finder:home")
    return render(
        request,
        "finder/offline.html",
        {
            "nav": "",
            "messages_js": {},
            "lang_zh_url": translate_url(here, "zh-hans"),
            "lang_en_url": translate_url(here, "en"),
            "en_prefix": en_prefix,
        },
    )
