"""Console pages: the supply catalogue (editable), stations' supplies and batches (read
mostly: stock changes go through the staff pages so that every change is a movement),
scoped to the officer's region."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yizhan.stations.access import ScopedAdminMixin
from yizhan.supplies.models import StationSupply, StockBatch, StockMovement, SupplyItem


@admin.register(SupplyItem)
class SupplyItemAdmin(admin.ModelAdmin[SupplyItem]):
    list_display = ("code", "name", "name_en", "category", "unit", "tracks_expiry", "season")
    list_editable = ("tracks_expiry",)
    list_filter = ("category", "season", "tracks_expiry")
    search_fields = ("code", "name", "name_en")
    ordering = ("sort_order", "code")


class ReadOnlyStock:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MovementInline(admin.TabularInline[StockMovement, StockBatch]):
    model = StockMovement
    extra = 0
    can_delete = False
    fields = ("at", "kind", "quantity", "by", "note")
    readonly_fields = fields
    ordering = ("-at",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StationSupply)
class StationSupplyAdmin(ReadOnlyStock, ScopedAdminMixin, admin.ModelAdmin[StationSupply]):
    region_field = "station__region"
    list_display = ("station", "item", "min_level")
    list_filter = ("item__category", "item")
    search_fields = ("station__code", "station__name", "item__name")
    list_select_related = ("station", "item")
    readonly_fields = ("station", "item")
    fields = ("station", "item", "min_level")


@admin.register(StockBatch)
class StockBatchAdmin(ReadOnlyStock, ScopedAdminMixin, admin.ModelAdmin[StockBatch]):
    region_field = "station_supply__station__region"
    list_display = ("station_supply", "batch_no", "expires_on", "quantity", "received_on")
    list_filter = ("station_supply__item", "expires_on")
    search_fields = ("station_supply__station__code", "station_supply__station__name", "batch_no")
    list_select_related = ("station_supply__station", "station_supply__item")
    date_hierarchy = "expires_on"
    fields = ("station_supply", "batch_no", "expires_on", "quantity", "received_on", "note")
    readonly_fields = ("station_supply", "batch_no", "expires_on", "quantity", "received_on")
    inlines = [MovementInline]
