from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "yizhan.notifications"
    verbose_name = _("通知")

    def ready(self) -> None:
        from django.core.checks import register

        from yizhan.notifications.checks import check_sms_settings

        register(check_sms_settings)
