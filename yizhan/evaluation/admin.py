"""Console pages of the evaluation: the model's versions, edited as drafts and published
by city or province officers (a published version never changes: runs that used it can
always be explained), and read-only views of runs, results, cards and proposals."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yizhan.core.errors import ApplicationError, ValidationFailed
from yizhan.evaluation import services
from yizhan.evaluation.models import (
    Card,
    DelistingProposal,
    EvaluationModel,
    EvaluationRun,
    Indicator,
    KindNorm,
    ModelStatus,
    SixHave,
    SixHaveCheck,
    StarLevel,
    StationScore,
)
from yizhan.stations.access import (
    ScopedAdminMixin,
    console_supervisor,
    console_user,
    evaluation_can_edit_model,
)


class _Draft:
    """Children of a model version: editable while it is a draft, fixed once published."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return console_supervisor(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return evaluation_can_edit_model(console_user(request)) and (
            obj is None or obj.status == ModelStatus.DRAFT
        )

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


class IndicatorInline(_Draft, admin.TabularInline[Indicator, EvaluationModel]):
    model = Indicator
    extra = 0
    fields = ["code", "weight", "floor", "target", "card_threshold", "min_evidence"]


class KindNormInline(_Draft, admin.TabularInline[KindNorm, EvaluationModel]):
    model = KindNorm
    extra = 0
    fields = ["kind", "required_hours", "min_daily_hours", "expected_daily_visits"]


class StarLevelInline(_Draft, admin.TabularInline[StarLevel, EvaluationModel]):
    model = StarLevel
    extra = 0
    fields = ["level", "min_score", "min_area_m2", "min_capacity", "amenities", "six_haves_min"]
    filter_horizontal = ["amenities"]


class SixHaveInline(_Draft, admin.StackedInline[SixHave, EvaluationModel]):
    model = SixHave
    extra = 0
    fields = ["code", "text", "text_en", "rule", "param", "amenities"]
    filter_horizontal = ["amenities"]


@admin.register(EvaluationModel)
class EvaluationModelAdmin(admin.ModelAdmin[EvaluationModel]):
    list_display = ["version", "name", "status", "published_at", "yellow_below"]
    list_filter = ["status"]
    inlines = [IndicatorInline, KindNormInline, StarLevelInline, SixHaveInline]
    readonly_fields = ["version", "status", "published_at", "published_by", "created_by"]
    actions = ["copy_as_draft", "publish"]
    fieldsets = [
        (None, {"fields": ["version", "name", "status", "note", "published_at", "published_by"]}),
        (
            _("评分与红黄牌"),
            {
                "fields": [
                    "min_evidence_share",
                    "yellow_below",
                    "yellow_grace_months",
                    "red_grace_months",
                    "response_days",
                    "star_step",
                ]
            },
        ),
        (
            _("排名"),
            {
                "fields": [
                    "top_share",
                    "top_min_stars",
                    "upgrade_share",
                    "night_from_hour",
                    "night_to_hour",
                    "upgrade_weight_night",
                    "upgrade_weight_usage",
                    "upgrade_weight_pressure",
                ]
            },
        ),
    ]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return console_supervisor(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return console_supervisor(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a new version is copied from an existing one

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return evaluation_can_edit_model(console_user(request)) and (
            obj is None or obj.status == ModelStatus.DRAFT
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return (
            evaluation_can_edit_model(console_user(request))
            and obj is not None
            and obj.status == ModelStatus.DRAFT
            and not obj.runs.exists()
        )

    def get_actions(
        self, request: HttpRequest, action_location: ActionLocation = ActionLocation.CHANGE_LIST
    ) -> Any:
        actions = super().get_actions(request, action_location)
        if not evaluation_can_edit_model(console_user(request)):
            actions.pop("copy_as_draft", None)
            actions.pop("publish", None)
        return actions

    @admin.action(description=_("复制为新版本(草稿)"))
    def copy_as_draft(self, request: HttpRequest, queryset: QuerySet[EvaluationModel]) -> None:
        user = console_user(request)
        for model in queryset:
            new = services.model_copy(user=user, model=model)
            messages.success(
                request,
                _("已创建 v%(v)s 草稿：修改后勾选并“发布所选版本”。") % {"v": new.version},
            )

    @admin.action(description=_("发布所选版本"))
    def publish(self, request: HttpRequest, queryset: QuerySet[EvaluationModel]) -> None:
        if queryset.count() != 1:
            messages.error(request, _("一次只能发布一个版本。"))
            return
        model = queryset.get()
        try:
            services.model_publish(user=console_user(request), model=model)
        except ValidationFailed as exc:
            for e in exc.errors:
                messages.error(request, f"{e.field}: {e.message}")
            return
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return
        messages.success(
            request,
            _("v%(v)s 已发布；之后发起的评估按此版本计算，进行中的评估仍用原版本。")
            % {"v": model.version},
        )


class _ReadOnly:
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


@admin.register(EvaluationRun)
class EvaluationRunAdmin(_ReadOnly, ScopedAdminMixin, admin.ModelAdmin[EvaluationRun]):
    list_display = ["month", "region", "model", "status", "queued_at", "finished_at", "decides"]
    list_filter = ["status", "month"]
    exclude = ["snapshot"]


@admin.register(StationScore)
class StationScoreAdmin(_ReadOnly, ScopedAdminMixin, admin.ModelAdmin[StationScore]):
    region_field = "station__region"
    list_display = ["month", "station", "status", "score", "star_before", "star_after", "decision"]
    list_filter = ["month", "status"]
    search_fields = ["station__code", "station__name"]


@admin.register(Card)
class CardAdmin(_ReadOnly, ScopedAdminMixin, admin.ModelAdmin[Card]):
    region_field = "station__region"
    list_display = ["station", "kind", "status", "month", "deadline", "reason"]
    list_filter = ["kind", "status", "month"]
    search_fields = ["station__code", "station__name"]


@admin.register(DelistingProposal)
class DelistingProposalAdmin(_ReadOnly, ScopedAdminMixin, admin.ModelAdmin[DelistingProposal]):
    region_field = "station__region"
    list_display = ["station", "month", "status", "respond_by", "decided_by", "decided_at"]
    list_filter = ["status"]


@admin.register(SixHaveCheck)
class SixHaveCheckAdmin(_ReadOnly, ScopedAdminMixin, admin.ModelAdmin[SixHaveCheck]):
    region_field = "station__region"
    list_display = ["station", "code", "ok", "note", "checked_by", "checked_at"]
    list_filter = ["code", "ok"]
