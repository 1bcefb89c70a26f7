from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yizhan.core"
    label = "core"
    verbose_name = "Yizhan core"
