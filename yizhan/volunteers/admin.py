"""Console pages for volunteer shifts, scoped to the officer's region. Read mostly:
shifts are published and signed up for on the staff pages (where slots are counted under
a lock); the console shows them and their sign-ups for oversight."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yizhan.stations.access import ScopedAdminMixin
from yizhan.volunteers.models import Shift, ShiftSignup


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SignupInline(ReadOnly, admin.TabularInline[ShiftSignup, Shift]):
    model = ShiftSignup
    extra = 0
    fields = ("user", "status", "signed_up_at", "checked_in_at", "away", "no_position")
    readonly_fields = fields


@admin.register(Shift)
class ShiftAdmin(ReadOnly, ScopedAdminMixin, admin.ModelAdmin[Shift]):
    region_field = "station__region"
    list_display = (
        "station",
        "role",
        "starts_at",
        "ends_at",
        "slots",
        "extends_hours",
        "cancelled",
    )
    list_filter = ("role", "extends_hours", "cancelled", "starts_at")
    search_fields = ("station__code", "station__name", "note")
    list_select_related = ("station",)
    date_hierarchy = "starts_at"
    inlines = [SignupInline]


@admin.register(ShiftSignup)
class ShiftSignupAdmin(ReadOnly, ScopedAdminMixin, admin.ModelAdmin[ShiftSignup]):
    region_field = "shift__station__region"
    list_display = ("shift", "user", "status", "checked_in_at", "away", "no_position")
    list_filter = ("status", "away", "no_position")
    search_fields = ("shift__station__code", "user__username")
    list_select_related = ("shift", "shift__station", "user")
