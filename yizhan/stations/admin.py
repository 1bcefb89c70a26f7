"""The management console for the registry (Django admin), scoped to the officer's region."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from geoplan.crs import CRS
from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.core.basemap import street_centres
from yizhan.regions.models import Region, RegionLevel
from yizhan.stations.access import (
    ScopedAdminMixin,
    console_regions_loader,
    region_seasons_can_edit,
)
from yizhan.stations.admin_regions import region_load_view
from yizhan.stations.admin_views import (
    CRS_CHOICES,
    station_import_view,
    station_listing_view,
)
from yizhan.stations.hours import OpeningHours, rule_words
from yizhan.stations.io import exports
from yizhan.stations.models import (
    Amenity,
    AmenityState,
    CalendarDay,
    LedgerWord,
    MapPlatform,
    MobileStop,
    Service,
    StaffRole,
    Station,
    StationAmenity,
    StationChange,
    StationClosure,
    StationImport,
    StationKind,
    StationListing,
    StationPhoto,
    StationStaff,
    StationStatus,
    catalogue_label,
)
from yizhan.stations.rules import RuleError, coordinates_to_wgs84
from yizhan.stations.selectors import stations_base
from yizhan.stations.services import (
    REASON_REQUIRED,
    STATUS_TRANSITIONS,
    station_record_change,
    station_snapshot,
    station_verify,
)


class RegionListFilter(admin.SimpleListFilter):
    title = _("所属区划")
    parameter_name = "region"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        # The regions that have stations (and the cities and districts above them), not
        # every street of the country.
        held = Station.objects.filter(user_scope(user=request.user).q("region")).values_list(
            "region__code", flat=True
        )
        prefixes = {code[:n] for code in set(held) for n in (4, 6, 9) if len(code) >= n}
        regions = Region.objects.filter(user_scope(user=request.user).q("")).filter(
            level__in=[RegionLevel.CITY, RegionLevel.DISTRICT, RegionLevel.STREET],
            code__in=prefixes,
        )
        # Indent by depth (plain text: the facet counts escape HTML): district, streets.
        return [(r.code, "· " * (len(r.code) // 3 - 1) + r.name) for r in regions]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        if self.value():
            return queryset.filter(region__code__startswith=self.value())
        return queryset


class StationForm(forms.ModelForm):
    input_crs = forms.ChoiceField(
        label=_("录入坐标系"),
        choices=CRS_CHOICES,
        initial=CRS.WGS84.value,
        help_text=_("按所选坐标系解读下方经纬度，保存时统一转换为 WGS-84。"),
    )

    change_reason = forms.CharField(
        label=_("修改原因"),
        required=False,
        max_length=200,
        help_text=_("写入变更历史，例如“按3月巡查结果更新开放时间”。"),
    )

    class Meta:
        model = Station
        exclude: list[str] = []
        # Name the limit and the length, as the importer and the API do.
        error_messages = {
            "name": {"max_length": _("名称过长：%(show_value)d 个字，最多 %(limit_value)d 个字")},
            "short_name": {
                "max_length": _("上图简称过长：%(show_value)d 个字，最多 %(limit_value)d 个字")
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # No maxlength in the page: a browser cuts a pasted name at it without a word.
        # The server refuses a name too long and says by how much.
        for name in ("name", "short_name"):
            if name in self.fields:
                self.fields[name].widget.attrs.pop("maxlength", None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lon, lat = data.get("lon"), data.get("lat")
        if lon is not None and lat is not None:
            try:
                data["lon"], data["lat"] = coordinates_to_wgs84(
                    lon, lat, data.get("input_crs") or CRS.WGS84
                )
            except RuleError as exc:
                self.add_error(exc.field if exc.field in ("lat", "lon") else "lon", exc.message)
        new_status = data.get("status")
        old_status = self.instance.status if self.instance.pk else None
        if old_status and new_status and new_status != old_status:
            if new_status not in STATUS_TRANSITIONS[old_status]:
                self.add_error(
                    "status",
                    _("不能从“%(old)s”变为“%(new)s”")
                    % {
                        "old": StationStatus(old_status).label,
                        "new": StationStatus(new_status).label,
                    },
                )
        if new_status in REASON_REQUIRED and not data.get("status_reason"):
            self.add_error("status_reason", _("暂停或摘牌须填写原因"))
        return data


class StationAmenityInline(admin.TabularInline):
    model = StationAmenity
    extra = 0
    fields = ("amenity", "state", "reason", "expected_fix_on")


class StationClosureInline(admin.TabularInline):
    """Temporary closures: the finder shows the station as closed inside each one."""

    model = StationClosure
    extra = 0
    fields = ("starts_at", "ends_at", "reason", "source", "created_by")
    readonly_fields = ("created_by",)


class StationStaffInline(admin.TabularInline):
    model = StationStaff
    extra = 0
    fields = ("role", "name", "phone", "user")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "user":
            # Only accounts in the officer's own region, never a superuser.
            kwargs["queryset"] = User.objects.filter(
                user_scope(user=request.user).q("region"), is_superuser=False
            ).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class StationPhotoInline(admin.TabularInline):
    model = StationPhoto
    extra = 0


class MobileStopForm(forms.ModelForm):  # type: ignore[type-arg]
    """A stop's point is checked like the station's (in China, not swapped; WGS-84)."""

    class Meta:
        model = MobileStop
        fields = ("place_name", "address", "lon", "lat", "hours", "valid_from", "valid_until")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lon, lat = data.get("lon"), data.get("lat")
        if lon is not None and lat is not None:
            try:
                data["lon"], data["lat"] = coordinates_to_wgs84(lon, lat, CRS.WGS84)
            except RuleError as exc:
                self.add_error("lon", exc.message)
        return data


class MobileStopFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        kind = self.data.get("kind", self.instance.kind)
        has_stops = any(f.cleaned_data and not f.cleaned_data.get("DELETE") for f in self.forms)
        if has_stops and kind != StationKind.MOBILE:
            raise forms.ValidationError(_("只有流动驿站可以有停靠时刻表"))


class MobileStopInline(admin.TabularInline):
    model = MobileStop
    form = MobileStopForm
    formset = MobileStopFormSet
    extra = 0
    fields = ("place_name", "address", "lon", "lat", "hours", "valid_from", "valid_until")


class StationChangeInline(admin.TabularInline):
    model = StationChange
    extra = 0
    can_delete = False
    fields = ("changed_at", "action", "changed_by", "reason", "what_changed")
    readonly_fields = fields
    ordering = ("-changed_at",)
    max_num = 0
    verbose_name_plural = _("变更历史")

    @admin.display(description=_("变更内容"))
    def what_changed(self, obj: StationChange) -> str:
        words = _HistoryWords()
        rows = [
            (
                _field_label(name),
                _short(words.value(name, values[0])),
                _short(words.value(name, values[1])),
            )
            for name, values in sorted(obj.changes.items())
        ]
        # "— → —" (nothing became empty) says nothing.
        return format_html_join(
            "", "<div><b>{}</b>：{} → {}</div>", (r for r in rows if r[1] != r[2])
        )


class _HistoryWords:
    """A history value in the words of the page's language: 固定 not ``fixed``, 是 not
    ``False``, 空调（故障：…） not ``ac out_of_order …``, 每天 08:00-20:00 not the rule."""

    def __init__(self) -> None:
        self._amenities: dict[str, str] | None = None
        self._services: dict[str, str] | None = None

    def _names(self, model: type[Amenity] | type[Service]) -> dict[str, str]:
        return {
            code: catalogue_label(name, name_en)
            for code, name, name_en in model.objects.values_list("code", "name", "name_en")
        }

    def value(self, name: str, value: Any) -> Any:
        if value in (None, "", []):
            return value
        if isinstance(value, bool):
            return str(_("是") if value else _("否"))
        if name == "platform":
            return str(dict(MapPlatform.choices).get(value, value))
        if name == "kind":
            return str(dict(StationKind.choices).get(value, value))
        if name == "status":
            return str(dict(StationStatus.choices).get(value, value))
        english = (get_language() or "").startswith("en")
        if name == "opening_hours":
            return rule_words(str(value), english=english)
        if name == "region_code":
            region = Region.objects.filter(code=value).only("name").first()
            return f"{region.name}（{value}）" if region else value
        if name == "amenities" and isinstance(value, list):
            if self._amenities is None:
                self._amenities = self._names(Amenity)
            return "、".join(self._amenity(item) for item in value)
        if name == "services" and isinstance(value, list):
            if self._services is None:
                self._services = self._names(Service)
            return "、".join(str(self._services.get(code, code)) for code in value)
        if name == "staff" and isinstance(value, list):
            roles = dict(StaffRole.choices)
            return "、".join(
                f"{person[1]}（{roles.get(person[0], person[0])}）" for person in value
            )
        if name == "stops" and isinstance(value, list):
            return "、".join(
                f"{stop[0]} {rule_words(str(stop[3]), english=english)}" for stop in value if stop
            )
        return value

    def _amenity(self, item: Any) -> str:
        if not isinstance(item, list) or not item:
            return str(item)
        code, state, reason = (list(item) + ["", ""])[:3]
        label = (self._amenities or {}).get(code, code)
        if state == AmenityState.OUT_OF_ORDER:
            return f"{label}（{_('故障')}：{reason}）" if reason else f"{label}（{_('故障')}）"
        return label


_EXTRA_LABELS = {"region_code": _("区划代码"), "stops": _("停靠点"), "staff": _("驿站人员")}


def _field_label(name: str) -> str:
    """The translated label of a snapshot key (a Station field or one of the lists)."""
    if name in _EXTRA_LABELS:
        return str(_EXTRA_LABELS[name])
    try:
        field = Station._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name))


def _short(value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        text = "、".join(
            " ".join(str(part) for part in item if part) if isinstance(item, list) else str(item)
            for item in value
        )
    else:
        text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


class StationListingInline(admin.TabularInline):
    model = StationListing
    extra = 0
    can_delete = False
    fields = ("platform", "listed_at", "listed_by")
    readonly_fields = fields
    max_num = 0


@admin.register(Station)
class StationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = StationForm
    list_display = (
        "code",
        "name",
        "kind",
        "region",
        "status",
        "star_level",
        "open_now",
        "out_of_order",
        "last_verified_on",
    )
    list_display_links = ("code", "name")
    list_filter = (RegionListFilter, "kind", "status", "star_level", "keeps_workday_hours")
    search_fields = ("code", "name", "address")
    # A search box, not a <select> of every street in the country (45,000 once loaded).
    autocomplete_fields = ("region",)
    list_per_page = 50
    list_select_related = ("region",)
    readonly_fields = ("status_changed_at", "created_at", "updated_at")
    filter_horizontal = ("services",)
    fieldsets = (
        (None, {"fields": ("code", "name", "short_name", "kind", "region", "address")}),
        (_("开放"), {"fields": ("opening_hours", "keeps_workday_hours")}),
        (
            _("规模与服务"),
            {"fields": ("floor_area_m2", "capacity", "star_level", "services", "feature", "phone")},
        ),
        (
            _("状态"),
            {
                "fields": (
                    "status",
                    "status_reason",
                    "status_changed_at",
                    "last_verified_on",
                    "change_reason",
                )
            },
        ),
        # Last, so that the map picker (after the fieldsets) sits right under it.
        (_("位置"), {"fields": ("input_crs", "lon", "lat")}),
        (_("记录"), {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = (
        StationAmenityInline,
        StationClosureInline,
        StationStaffInline,
        StationPhotoInline,
        MobileStopInline,
        StationListingInline,
        StationChangeInline,
    )
    actions = ("export_xlsx", "export_csv", "export_geojson", "mark_verified")
    change_list_template = "admin/stations/station/change_list.html"
    change_form_template = "admin/stations/station/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Station]:
        return super().get_queryset(request).prefetch_related("station_amenities")

    @admin.display(description=_("此刻开放"), boolean=True)
    def open_now(self, obj: Station) -> bool:
        return obj.status == StationStatus.ACTIVE and OpeningHours(
            obj.opening_hours, obj.keeps_workday_hours
        ).is_open(timezone.now())

    @admin.display(description=_("故障设施"))
    def out_of_order(self, obj: Station) -> str:
        broken = [sa for sa in obj.station_amenities.all() if sa.state == "out_of_order"]
        return format_html("<span style='color:#b00'>{}</span>", len(broken)) if broken else "—"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Stations are delisted, never deleted: the history and the sync tombstones need
        # them. (Without delete permission the "delete selected" action disappears too.)
        return False

    # -- history -----------------------------------------------------------------

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        before = None
        if change:
            fresh = Station.objects.select_related("region").get(pk=obj.pk)
            before = station_snapshot(fresh)
            if fresh.status != obj.status:
                obj.status_changed_at = timezone.now()
        else:
            obj.status_changed_at = timezone.now()
        request._station_before = before
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        if formset.model is StationClosure:
            for closure in formset.save(commit=False):
                if closure.created_by_id is None:
                    closure.created_by = request.user
                closure.save()
            for gone in formset.deleted_objects:
                gone.delete()
            return
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        station = Station.objects.select_related("region").get(pk=form.instance.pk)
        status_changed = "status" in form.changed_data
        station_record_change(
            station=station,
            user=request.user,
            before=getattr(request, "_station_before", None),
            action=StationChange.Action.STATUS if status_changed else StationChange.Action.UPDATE,
            reason=form.cleaned_data.get("change_reason", "")
            or (form.cleaned_data.get("status_reason", "") if status_changed else ""),
        )

    # -- exports and tools ---------------------------------------------------------

    def _export(self, queryset: QuerySet[Station], fmt: str) -> HttpResponse:
        stations = list(stations_base().filter(pk__in=queryset.values("pk")).order_by("code"))
        content, content_type, filename = exports.stations_export(
            stations=stations, fmt=fmt, crs=CRS.WGS84
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @admin.action(description=_("导出所选驿站 (XLSX)"))
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet[Station]) -> HttpResponse:
        return self._export(queryset, "xlsx")

    @admin.action(description=_("导出所选驿站 (CSV)"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Station]) -> HttpResponse:
        return self._export(queryset, "csv")

    @admin.action(description=_("导出所选驿站 (GeoJSON)"))
    def export_geojson(self, request: HttpRequest, queryset: QuerySet[Station]) -> HttpResponse:
        return self._export(queryset, "geojson")

    @admin.action(description=_("标记为今日已核实"), permissions=["change"])
    def mark_verified(self, request: HttpRequest, queryset: QuerySet[Station]) -> None:
        for station in queryset:
            station_verify(
                station=station,
                user=request.user,  # type: ignore[arg-type]
                scope=user_scope(user=request.user),
            )
        self.message_user(request, _("已核实 %d 个驿站") % queryset.count(), messages.SUCCESS)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """Export exactly the list the officer is looking at (its filters and search)."""
        fmt = request.GET.get("format", "xlsx")
        if fmt not in ("xlsx", "csv", "geojson"):
            fmt = "xlsx"
        params = request.GET.copy()
        params.pop("format", None)
        request.GET = params  # type: ignore[assignment]
        changelist = self.get_changelist_instance(request)
        return self._export(changelist.get_queryset(request), fmt)

    def _map_config(self, request: HttpRequest) -> dict[str, Any]:
        scope = user_scope(user=request.user)
        centre = scope.region if scope.region and scope.region.lat else None
        return {
            "center": [centre.lat, centre.lon] if centre else [45.76, 126.60],
            "label": str(_("驿站位置")),
        }

    def _display_point(self, lon: float, lat: float) -> list[float]:
        """[lat, lon] in WGS-84: core/basemap.js moves it onto the tiles (GCJ-02 on Amap)."""
        return [round(lat, 7), round(lon, 7)]

    def map_view(self, request: HttpRequest) -> HttpResponse:
        """The filtered list on a map: same filters and search as the list on screen."""
        changelist = self.get_changelist_instance(request)
        stations = (
            changelist.get_queryset(request)
            .select_related(None)
            .prefetch_related(None)
            .only("pk", "code", "name", "kind", "status", "lat", "lon")
        )
        config = self._map_config(request)
        config["stations"] = [
            {
                "code": s.code,
                "name": s.name,
                "status": s.status,
                "status_label": str(s.get_status_display()),
                "kind_label": str(s.get_kind_display()),
                "url": reverse("admin:stations_station_change", args=[s.pk]),
                **dict(zip(("lat", "lon"), self._display_point(s.lon, s.lat), strict=True)),
            }
            for s in stations
        ]
        config["streets"] = street_centres(stations.values_list("region__name", "lon", "lat"))
        query = request.GET.urlencode()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("驿站地图"),
            "count": len(config["stations"]),
            "statuses": StationStatus.choices,
            "map_config": config,
            "changelist_url": reverse("admin:stations_station_changelist")
            + ("?" + query if query else ""),
        }
        return TemplateResponse(request, "admin/stations/station/map.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):  # type: ignore[no-untyped-def]
        config = self._map_config(request)
        if obj is not None:
            config["point"] = self._display_point(obj.lon, obj.lat)
            config["streets"] = street_centres(
                [(obj.region.name if obj.region_id else "", obj.lon, obj.lat)]
            )
        context["map_config"] = config
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):  # type: ignore[no-untyped-def]
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path(
                "import/",
                wrap(partial(station_import_view, model_admin=self)),
                name=f"{prefix}_import",
            ),
            path(
                "listing/",
                wrap(partial(station_listing_view, model_admin=self)),
                name=f"{prefix}_listing",
            ),
            path("export/", wrap(self.export_view), name=f"{prefix}_export"),
            path("map/", wrap(self.map_view), name=f"{prefix}_map"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):  # type: ignore[no-untyped-def]
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        query = request.GET.urlencode()
        extra_context = {
            **(extra_context or {}),
            "import_url": reverse(f"admin:{prefix}_import"),
            "listing_url": reverse(f"admin:{prefix}_listing"),
            "map_url": reverse(f"admin:{prefix}_map") + ("?" + query if query else ""),
            "export_url": reverse(f"admin:{prefix}_export") + ("?" + query if query else "?"),
        }
        return super().changelist_view(request, extra_context)


@admin.register(StationChange)
class StationChangeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    region_field = "station__region"
    list_display = ("changed_at", "station", "action", "changed_by", "reason")
    list_filter = ("action",)
    search_fields = ("station__code", "station__name")
    date_hierarchy = "changed_at"
    list_select_related = ("station", "changed_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StationImport)
class StationImportAdmin(admin.ModelAdmin):
    list_display = ("uploaded_at", "filename", "status", "uploaded_by", "committed_at")
    exclude = ("content",)
    readonly_fields = (
        "filename",
        "default_crs",
        "options",
        "status",
        "report",
        "uploaded_by",
        "uploaded_at",
        "committed_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[StationImport]:
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(uploaded_by=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Amenity, Service)
class CatalogueAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "sort_order")
    list_editable = ("sort_order",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


def _ledger_code_choices() -> list[tuple[str, Any]]:
    """What a ledger word can mean: a station kind, or an amenity of the catalogue."""
    return [
        ("", "---------"),
        (str(LedgerWord.What.KIND.label), list(StationKind.choices)),
        (
            str(LedgerWord.What.AMENITY.label),
            [(a.code, str(a)) for a in Amenity.objects.order_by("sort_order", "code")],
        ),
    ]


class LedgerWordForm(forms.ModelForm):
    code = forms.ChoiceField(label=_("对应"), choices=_ledger_code_choices)

    class Meta:
        model = LedgerWord
        fields = ("what", "word", "code")

    def clean_word(self) -> str:
        return str(self.cleaned_data.get("word") or "").strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        what, code = data.get("what"), data.get("code")
        if what == LedgerWord.What.KIND and code not in StationKind.values:
            self.add_error("code", _("请选择一种驿站类型"))
        elif (
            what == LedgerWord.What.AMENITY
            and code
            and not Amenity.objects.filter(code=code).exists()
        ):
            self.add_error("code", _("请选择设施目录中的一项"))
        return data


@admin.register(LedgerWord)
class LedgerWordAdmin(admin.ModelAdmin):
    """台账用语: officers' own words for kinds and amenities, which the next import (or
    重新校验) understands. Words are shared by every officer's imports, so only users
    granted this model's permissions may add, change or delete them."""

    form = LedgerWordForm
    list_display = ("word", "what", "code_label", "added_by", "added_at")
    list_filter = ("what",)
    search_fields = ("word", "code")
    readonly_fields = ("added_by", "added_at")

    @admin.display(description=_("对应"), ordering="code")
    def code_label(self, obj: LedgerWord) -> str:
        if obj.what == LedgerWord.What.KIND:
            return str(dict(StationKind.choices).get(obj.code, obj.code))
        amenity = Amenity.objects.filter(code=obj.code).first()
        return str(amenity) if amenity else obj.code

    def save_model(self, request: HttpRequest, obj: LedgerWord, form: Any, change: bool) -> None:
        if not change:
            obj.added_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    def response_add(
        self, request: HttpRequest, obj: LedgerWord, post_url_continue: str | None = None
    ) -> HttpResponse:
        """Back to the import page the word was added from (``?next=``), where 重新校验
        picks it up."""
        back = request.GET.get("next", "")
        if (
            back
            and "_addanother" not in request.POST
            and "_continue" not in request.POST
            and url_has_allowed_host_and_scheme(
                back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
        ):
            self.message_user(
                request,
                _("已添加台账用语“%(word)s”。点“重新校验”即可按新用语校验。") % {"word": obj.word},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(back)
        return super().response_add(request, obj, post_url_continue)


# The region registry's page. Registered here, not in `regions.admin`: its scoping (what
# regions a user sees) lives above the regions app, which imports nothing of accounts.
def _seasons_clean(clean):  # type: ignore[no-untyped-def]
    def checked(form):  # type: ignore[no-untyped-def]
        data = clean(form)
        first, last = data.get("summer_from"), data.get("summer_to")
        if (first is None) != (last is None):
            raise ValidationError(
                _("夏季开始和结束月份须同时填写（都不填则沿用上级区划，默认5–9月）")
            )
        return data

    return checked


@admin.register(Region)
class RegionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    region_field = ""
    list_filter = ("level",)
    search_fields = ("code", "name")
    ordering = ("code",)
    raw_id_fields = ("parent",)

    list_display = ("code", "name", "level", "parent", "summer_months")

    @admin.display(description=_("夏季月份"))
    def summer_months(self, obj: Region) -> str:
        if obj.summer_from and obj.summer_to:
            return f"{obj.summer_from}–{obj.summer_to}"
        return "—"

    # The GB/T 2260 hierarchy is national reference data: only superusers edit it. An
    # officer of the region sets its 夏季 months (how ledgers' 夏季/冬季 hours are read).
    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return region_seasons_can_edit(request.user, obj)

    # Reference data every officer reads (their own subtree: the queryset is scoped), and
    # what the station form's region search asks.
    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return bool(request.user.is_active and request.user.is_staff)

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        if request.user.is_superuser:
            return ()
        return ("code", "name", "level", "parent", "lat", "lon")

    def get_form(self, request, obj=None, change=False, **kwargs):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change, **kwargs)
        form.clean = _seasons_clean(form.clean)
        return form

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return bool(request.user.is_superuser)

    # The whole country at once, from the pinned data set: national scope only.
    change_list_template = "admin/regions/region/change_list.html"

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path(
                "load/",
                self.admin_site.admin_view(partial(region_load_view, model_admin=self)),
                name="regions_region_load",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):  # type: ignore[no-untyped-def]
        extra_context = dict(extra_context or {})
        if console_regions_loader(request):
            extra_context["load_url"] = reverse("admin:regions_region_load")
        return super().changelist_view(request, extra_context)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """节假日调休: next year's days off and make-up working days, as the State Council's
    notice gives them, for the opening hours' PH and working-day hours (stations.hours).
    Open to superusers and to officers given the calendar's permissions."""

    list_display = ["day", "weekday", "kind", "note"]
    list_filter = ["kind", ("day", admin.DateFieldListFilter)]
    date_hierarchy = "day"
    search_fields = ["note"]

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return "一二三四五六日"[obj.day.weekday()]
