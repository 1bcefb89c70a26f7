"""Console pages of the lockers: weekly quotas per region (officers set their own
region's), and read-only views of lockers, reservations, donations and claims (staff run
them on the staff pages)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yizhan.lockers.models import (
    Claim,
    Compartment,
    Donation,
    Locker,
    LockerQuota,
    Reservation,
)
from yizhan.stations.access import ScopedAdminMixin, console_officer, console_supervisor


class _OfficersRead:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return console_supervisor(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return console_supervisor(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LockerQuota)
class LockerQuotaAdmin(ScopedAdminMixin, admin.ModelAdmin[LockerQuota]):
    """Officers set the weekly quota of their region (and below); a street's own rule
    beats its district's, an item's own beats the all-items one."""

    list_display = ["region", "item", "per_week"]
    list_filter = ["item"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return console_supervisor(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return console_supervisor(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return console_officer(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return console_officer(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return console_officer(request)


class CompartmentInline(admin.TabularInline[Compartment, Locker]):
    model = Compartment
    extra = 0
    fields = ["number", "size", "item", "available", "expires_on", "unit_value", "out_of_order"]
    readonly_fields = [
        "number",
        "size",
        "item",
        "available",
        "expires_on",
        "unit_value",
        "out_of_order",
    ]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Locker)
class LockerAdmin(_OfficersRead, ScopedAdminMixin, admin.ModelAdmin[Locker]):
    region_field = "station__region"
    list_display = ["station", "name", "device", "active", "created_at"]
    inlines = [CompartmentInline]


@admin.register(Reservation)
class ReservationAdmin(_OfficersRead, ScopedAdminMixin, admin.ModelAdmin[Reservation]):
    region_field = "station__region"
    list_display = ["created_at", "station", "item", "compartment", "status", "expires_at"]
    list_filter = ["status", "item"]
    exclude = ["code", "visitor"]  # a live pickup code is the worker's alone


@admin.register(Donation)
class DonationAdmin(_OfficersRead, ScopedAdminMixin, admin.ModelAdmin[Donation]):
    region_field = "station__region"
    list_display = ["created_at", "station", "title", "category", "condition", "status"]
    list_filter = ["status", "category"]


@admin.register(Claim)
class ClaimAdmin(_OfficersRead, ScopedAdminMixin, admin.ModelAdmin[Claim]):
    region_field = "station__region"
    list_display = ["created_at", "station", "donation", "status", "expires_at"]
    list_filter = ["status"]
    exclude = ["code", "visitor"]
