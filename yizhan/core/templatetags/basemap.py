"""``{% load basemap %}{% basemap %}``: the base-map settings and `core/basemap.js`.

Put it after Leaflet's script and before the page's own map script (same ``defer``-ness):
it renders the settings as a JSON script tag (no inline script: CSP) and the shared module
that every map uses for its tiles, coordinate conversion and offline background."""

from __future__ import annotations

from typing import Any

from django import template

from yizhan.core.basemap import tile_settings

register = template.Library()


@register.inclusion_tag("core/basemap.html", takes_context=True)
def basemap(context: template.Context, defer: bool = False) -> dict[str, Any]:
    return {
        "basemap_settings": tile_settings(),
        "csp_nonce": context.get("csp_nonce", ""),
        "defer": defer,
    }
