from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinderConfig(AppConfig):
    name = "yizhan.finder"
    verbose_name = _("找驿站")

    def ready(self) -> None:
        # Lockers (the exchange) list things near a worker without importing the finder.
        from yizhan.core.hooks import nearby_station_codes
        from yizhan.finder.selectors import stations_nearby_codes

        nearby_station_codes.register(stations_nearby_codes)

        from yizhan.core import health
        from yizhan.finder.cache import index_health

        health.register("finder", index_health)
