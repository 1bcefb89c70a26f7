"""Console pages for the regime as data (rules, versioned checklists, seasonal modes) and
read-mostly views of what happened (inspections, orders, opening log, equipment)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yizhan.operations.models import (
    Checklist,
    ChecklistItem,
    EquipmentLog,
    Inspection,
    InspectionAnswer,
    InspectionAssignment,
    InspectionRule,
    OpeningLog,
    Rectification,
    RectificationEvent,
    RectificationFinding,
    SeasonalMode,
)
from yizhan.stations.access import ScopedAdminMixin


@admin.register(InspectionRule)
class InspectionRuleAdmin(admin.ModelAdmin[InspectionRule]):
    list_display = ["tier", "performer", "period", "draw_share", "away_limit_m"]
    readonly_fields = ["tier"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ChecklistItemInline(admin.TabularInline[ChecklistItem, Checklist]):
    model = ChecklistItem
    extra = 0
    fields = [
        "sort_order",
        "code",
        "text",
        "text_en",
        "kind",
        "ok_min",
        "ok_max",
        "unit",
        "season",
        "severity",
        "photo_on_fail",
    ]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A published version is what past inspections answered: it never changes.
        return obj is None or obj.published_at is None

    has_add_permission = has_change_permission  # type: ignore[assignment]
    has_delete_permission = has_change_permission  # type: ignore[assignment]


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin[Checklist]):
    list_display = ["tier", "version", "published_at", "note"]
    list_filter = ["tier"]
    inlines = [ChecklistItemInline]
    readonly_fields = ["tier", "version", "published_at"]
    actions = ["new_version", "publish"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a new version is copied from the current one

    @admin.action(description=_("复制为新版本(草稿)"))
    def new_version(self, request: HttpRequest, queryset: QuerySet[Checklist]) -> None:
        with transaction.atomic():
            for old in queryset:
                latest = Checklist.objects.filter(tier=old.tier).aggregate(v=Max("version"))["v"]
                new = Checklist.objects.create(
                    tier=old.tier,
                    version=(latest or 0) + 1,
                    note=_("由第%(v)d版复制") % {"v": old.version},
                )
                for item in old.items.all():
                    item.pk = None
                    item.checklist = new
                    item.save()
        messages.success(request, _("已创建新版本草稿，修改检查项后发布。"))

    @admin.action(description=_("发布所选版本"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Checklist]) -> None:
        queryset.filter(published_at__isnull=True).update(published_at=timezone.now())
        messages.success(request, _("已发布；之后的巡查使用最新发布的版本。"))


@admin.register(SeasonalMode)
class SeasonalModeAdmin(ScopedAdminMixin, admin.ModelAdmin[SeasonalMode]):
    list_display = ["region", "season", "starts_on", "ends_on", "note"]
    list_filter = ["season"]


class AnswerInline(admin.TabularInline[InspectionAnswer, Inspection]):
    model = InspectionAnswer
    extra = 0
    readonly_fields = ["item", "value", "ok", "note"]
    can_delete = False


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyMixin, ScopedAdminMixin, admin.ModelAdmin[Inspection]):
    region_field = "station__region"
    list_display = [
        "submitted_at",
        "station",
        "tier",
        "inspector",
        "failed_count",
        "late",
        "away",
        "no_position",
    ]
    list_filter = ["tier", "late", "away"]
    search_fields = ["station__code", "station__name"]
    inlines = [AnswerInline]
    date_hierarchy = "submitted_at"


@admin.register(InspectionAssignment)
class InspectionAssignmentAdmin(
    ReadOnlyMixin, ScopedAdminMixin, admin.ModelAdmin[InspectionAssignment]
):
    region_field = "station__region"
    list_display = ["tier", "station", "assignee", "due_on", "status", "draw"]
    list_filter = ["tier", "status"]


class FindingInline(admin.TabularInline[RectificationFinding, Rectification]):
    model = RectificationFinding
    extra = 0
    fields = ("at", "found_by", "source", "inspection", "item", "value", "detail")
    readonly_fields = fields
    can_delete = False


class EventInline(admin.TabularInline[RectificationEvent, Rectification]):
    model = RectificationEvent
    extra = 0
    readonly_fields = ["at", "action", "user", "note", "finding"]
    can_delete = False


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyMixin, ScopedAdminMixin, admin.ModelAdmin[Rectification]):
    region_field = "station__region"
    list_display = [
        "created_at",
        "station",
        "title",
        "severity",
        "status",
        "level",
        "deadline",
        "assignee",
        "assignee_basis",
    ]
    list_filter = ["status", "severity", "level", "source", "assignee_basis"]
    search_fields = ["title", "station__code", "station__name"]
    inlines = [FindingInline, EventInline]


@admin.register(OpeningLog)
class OpeningLogAdmin(ReadOnlyMixin, ScopedAdminMixin, admin.ModelAdmin[OpeningLog]):
    region_field = "station__region"
    list_display = ["at", "station", "action", "user", "distance_m", "away", "no_position"]
    list_filter = ["action", "away"]
    date_hierarchy = "at"


@admin.register(EquipmentLog)
class EquipmentLogAdmin(ReadOnlyMixin, ScopedAdminMixin, admin.ModelAdmin[EquipmentLog]):
    region_field = "station__region"
    list_display = ["at", "station", "amenity", "state", "reason", "expected_fix_on", "user"]
