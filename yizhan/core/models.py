"""Core's one table: the rate-limit counters (yizhan.core.ratelimit)."""

from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """One count per key and fixed window, bumped by an atomic upsert.

    ``expires`` (seconds since the epoch) lets old windows be purged on write."""

    key = models.CharField(max_length=255)
    window_start = models.BigIntegerField()
    expires = models.BigIntegerField(db_index=True)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window_start"], name="core_ratecounter_key_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start}: {self.count}"
