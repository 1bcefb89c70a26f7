from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LockersConfig(AppConfig):
    name = "yizhan.lockers"
    verbose_name = _("智能柜与爱心互献")

    def ready(self) -> None:
        from yizhan.core import reminders
        from yizhan.lockers.services import claims_expire, reservations_expire

        reminders.register(
            "locker reservations expired", lambda now: reservations_expire(now=now), order=50
        )
        reminders.register("donation claims expired", lambda now: claims_expire(now=now), order=60)
