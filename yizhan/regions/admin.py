"""The console's page for landmarks (railway stations, squares, hospitals a worker may
type in the finder): superusers and officers given the model's permissions."""

from __future__ import annotations

from django.contrib import admin

from yizhan.regions.models import Landmark


@admin.register(Landmark)
class LandmarkAdmin(admin.ModelAdmin[Landmark]):
    list_display = ("name", "kind", "region", "aliases", "lat", "lon")
    list_filter = ("kind",)
    search_fields = ("name", "name_en", "aliases", "address")
    raw_id_fields = ("region",)
