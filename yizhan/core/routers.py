"""Send the database cache to its own connection alias ("cache") when one is configured,
so that progress written during a long transaction is visible to other processes."""

from __future__ import annotations

from typing import Any

CACHE_APP_LABEL = "django_cache"


class CacheRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return "cache" if model._meta.app_label == CACHE_APP_LABEL else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "cache" if model._meta.app_label == CACHE_APP_LABEL else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if app_label == CACHE_APP_LABEL:
            return db == "cache"
        return None if db == "default" else False
