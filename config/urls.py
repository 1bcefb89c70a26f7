from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.utils.translation import gettext_lazy as _

from config.api import api
from yizhan.core import health
from yizhan.finder import offline

admin.site.site_header = "驿站 Yizhan"
admin.site.site_title = _("驿站管理后台")
admin.site.index_title = _("工会驿站管理")
# The station list has many columns; the page needs the width more than the side menu.
admin.site.enable_nav_sidebar = False

# A database busy with another writer is a 503 "try again", not a 500 (yizhan.core.busy).
handler500 = "yizhan.core.busy.server_error"

urlpatterns: list[URLPattern | URLResolver] = [
    # For the monitoring (JSON; 503 names the failing part): yizhan.core.health.
    path("healthz", health.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # The worker pages' service worker: at the root, so its scope is the whole site.
    path("sw.js", offline.service_worker, name="service_worker"),
]
urlpatterns += i18n_patterns(
    path("console/", admin.site.urls),
    path("staff/notices/", include("yizhan.notifications.urls")),
    path("staff/supplies/", include("yizhan.supplies.urls")),
    path("staff/shifts/", include("yizhan.volunteers.urls")),
    path("staff/boards/", include("yizhan.signage.urls")),
    path("staff/evidence/", include("yizhan.evidence.urls")),
    path("staff/evaluation/", include("yizhan.evaluation.urls")),
    path("staff/planning/", include("yizhan.planning.urls")),
    path("staff/lockers/", include("yizhan.lockers.urls")),
    path("staff/feedback/", include("yizhan.feedback.urls")),
    path("staff/", include("yizhan.operations.urls")),
    path("q/", include("yizhan.feedback.qr_urls")),
    path("", include("yizhan.feedback.worker_urls")),
    path("", include("yizhan.lockers.worker_urls")),
    path("", include("yizhan.finder.urls")),
    prefix_default_language=False,
)
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
