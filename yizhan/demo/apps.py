from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo city and every app's demo data (`manage.py demo_city`). Orchestration: it
    may import any app's models, selectors and services; no app imports it."""

    name = "yizhan.demo"
    label = "demo"
    verbose_name = "Yizhan demo city"
