"""Console pages for officers' spreadsheets and 上图: thin shells over
`imports` and `exports`, scoped by `accounts.selectors.user_scope`.

Wired by `StationAdmin.get_urls()` as ``admin:stations_station_import`` and
``admin:stations_station_listing``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from geoplan.crs import CRS
from yizhan.accounts.selectors import user_scope
from yizhan.core import heartbeat
from yizhan.core.csv import response as csv_response
from yizhan.core.errors import ApplicationError, ValidationFailed
from yizhan.core.progress import progress_get
from yizhan.regions.models import Region, RegionLevel
from yizhan.stations.access import console_perms_require
from yizhan.stations.hours import InvalidOpeningHours, OpeningHours, week_open_hours
from yizhan.stations.io import exports, imports
from yizhan.stations.io.reading import SheetColumn, SheetHeader, UploadError, read_headers
from yizhan.stations.io.spreadsheets import MAX_FILE_BYTES, header_for
from yizhan.stations.io.vocabulary import HEADER_SYNONYMS, IGNORE, MAPPABLE_KEYS, norm
from yizhan.stations.models import LedgerWord, MapPlatform, Station, StationImport
from yizhan.stations.rules import LISTING_NAME_MAX, PLATFORM_NAME_MAX
from yizhan.stations.selectors import ledger_mapping, stations_list
from yizhan.stations.services import (
    ledger_mapping_remember,
    station_listings_mark,
    station_short_name_set,
)

# Rows of a report shown on one page (errors, duplicates and parsed hours first); the
# full report is a download.
SHOWN_ROWS = 500
ROWS_PER_PAGE = 100
ACTION_LABELS = {
    imports.ACTION_CREATE: _("新增"),
    imports.ACTION_UPDATE: _("更新"),
    imports.ACTION_UNCHANGED: _("不变"),
    imports.ACTION_INVALID: _("有错误"),
    imports.ACTION_LEFT: _("不导入"),
}
STATUS_LABELS = {
    imports.STATUS_ERROR: _("有错误"),
    imports.STATUS_DUPLICATE: _("重复"),
    imports.STATUS_WARNING: pgettext_lazy("import status", "提示"),
    imports.STATUS_NEW: _("新增"),
    imports.STATUS_CHANGED: _("更新"),
    imports.STATUS_UNCHANGED: _("不变"),
}
REASON_LABELS = {
    exports.REASON_NEW: _("未上图"),
    exports.REASON_CHANGED: _("信息有变更"),
    exports.REASON_WITHDRAW: _("已暂停或摘牌，需下线"),
}
# exports.WARNING_TEXTS, for the page (the pack itself is always Chinese).
WARNING_TEXTS = {
    "name_too_long": _(
        "名称 %(length)s 个字，超过%(platform)s的 %(limit)s 个字上限："
        "请填写上图简称（不会自动截短）"
    ),
    "short_name_too_long": _(
        "上图简称 %(length)s 个字，超过%(platform)s的 %(limit)s 个字上限：请改短"
    ),
    "listed_name": _(
        "上次以“%(old)s”上图，现按名称“%(name)s”提交；如要保留原名，请把它填为上图简称"
    ),
    "no_address": _("缺少地址"),
    "no_phone": _("缺少联系电话"),
    "no_opening_hours": _("缺少营业时间"),
    "no_photos": _("缺少照片（平台要求门头或内景照片）"),
}
CRS_CHOICES = [
    (CRS.WGS84.value, _("WGS-84（GPS、天地图、OpenStreetMap）")),
    (CRS.GCJ02.value, _("GCJ-02（高德、腾讯）")),
    (CRS.BD09.value, _("BD-09（百度）")),
]
# What the column-mapping step offers where the template's header is not a plain word.
KEY_LABELS = {
    "short_name": _("上图简称"),
    "city": _("所属市（名称）"),
    "district": _("所属区县（名称）"),
    "street": _("所属街道（名称）"),
    "lonlat": _("经纬度（一格：经度,纬度）"),
    "crs": _("坐标系（每行）"),
}
NOT_IMPORTED = _("不导入")
DECISION_LABELS = {"update": _("更新"), "keep": _("两个都保留"), "skip": _("跳过")}
# A column read as one of these makes the file the registry's own template.
_LEDGER_HOWS = ("unknown", "personal", "repeat")
IMPORT_REGION_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.DISTRICT)
WEEKDAY_LABELS = (
    pgettext_lazy("weekday", "一"),
    pgettext_lazy("weekday", "二"),
    pgettext_lazy("weekday", "三"),
    pgettext_lazy("weekday", "四"),
    pgettext_lazy("weekday", "五"),
    pgettext_lazy("weekday", "六"),
    pgettext_lazy("weekday", "日"),
)


def key_label(key: str) -> str:
    """The Chinese name of a raw key in the column-mapping step."""
    if key in KEY_LABELS:
        return str(KEY_LABELS[key])
    label = header_for(key)
    # A key newer than the template's headers: its first synonym.
    return HEADER_SYNONYMS.get(key, (label,))[0] if label == key else label


def _key_choices() -> list[tuple[str, str]]:
    return [(IGNORE, str(NOT_IMPORTED)), *((k, key_label(k)) for k in MAPPABLE_KEYS)]


def _region_choices(user: Any) -> list[tuple[str, str]]:
    """The regions an officer may import into, down to district level (their own region
    whatever its level): every province, city and district for a national officer."""
    scope = user_scope(user=user)
    regions = Region.objects.filter(scope.q("")).order_by("code")
    if scope.national:
        regions = regions.filter(level__in=IMPORT_REGION_LEVELS)
    elif user.region is not None:
        regions = regions.filter(Q(level__in=IMPORT_REGION_LEVELS) | Q(pk=user.region.pk))
    depth = {2: 0, 4: 1, 6: 2, 9: 3}
    return [
        (code, f"{'　' * depth.get(len(code), 0)}{name}（{code}）")
        for code, name in regions.values_list("code", "name")
    ]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("表格文件"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GB18030），最大 10 MB、20000 行。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    default_crs = forms.ChoiceField(
        label=_("默认坐标系"),
        choices=CRS_CHOICES,
        initial=CRS.WGS84.value,
        help_text=_("“坐标系”列为空的行按此坐标系解读经纬度。"),
    )
    region = forms.ChoiceField(
        label=_("所属区划"),
        required=False,
        help_text=_(
            "表格中没有区划代码的行属于该区划；按名称填写的街道在该区划内查找。默认为您的辖区。"
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.national = user_scope(user=user).national
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [("", str(_("（请选择）")))] if self.national else []
        region.choices += _region_choices(user)
        region.initial = user.region.code if user.region is not None else ""


class ColumnsForm(forms.Form):
    """列对应: what each column of the officer's sheet is read as, and the file's CRS."""

    default_crs = forms.ChoiceField(
        label=_("文件坐标系"),
        choices=CRS_CHOICES,
        help_text=_("没有“坐标系”列、表头也未注明坐标系的经纬度，按此坐标系解读。"),
    )

    def __init__(self, *args: Any, columns: list[SheetColumn], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        choices = _key_choices()
        for column in columns:
            self.fields[f"col-{column.index}"] = forms.ChoiceField(
                label=_("%(letter)s 列“%(header)s”读作")
                % {"letter": column.letter, "header": column.header},
                choices=choices,
                required=False,
                initial=column.key if column.how not in _LEDGER_HOWS else IGNORE,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen: dict[str, list[str]] = {}
        for column in self.columns:
            key = data.get(f"col-{column.index}") or IGNORE
            if key:
                chosen.setdefault(key, []).append(column.letter)
        for key, letters in chosen.items():
            if len(letters) > 1:
                raise forms.ValidationError(
                    _("%(letters)s 列都读作“%(what)s”：每项只能对应一列")
                    % {"letters": "、".join(letters), "what": key_label(key)}
                )
        return data

    def mapping(self) -> dict[str, str]:
        """{folded header: raw key or "" for not imported}, for every column."""
        return {
            norm(c.header): self.cleaned_data.get(f"col-{c.index}") or IGNORE for c in self.columns
        }


def _decision_choices(row: dict[str, Any]) -> list[tuple[str, str]]:
    duplicate = row["duplicate"]
    if duplicate["kind"] == "registry":
        update = _("更新已有驿站 %(code)s“%(name)s”（相距 %(m)s 米）") % {
            "code": duplicate["code"],
            "name": duplicate["name"],
            "m": duplicate["distance_m"],
        }
    else:
        update = _("以本行为准更新第 %(row)s 行") % {"row": duplicate["row"]}
    return [("update", str(update)), ("keep", str(_("两个都保留"))), ("skip", str(_("跳过")))]


class DecisionsForm(forms.Form):
    """What to do with each duplicate row (update, keep both, or skip), and with every
    duplicate not decided row by row (``rest``: the import's ``on_duplicate``)."""

    rest = forms.ChoiceField(
        label=_("其余未逐行选择的重复行"),
        choices=[
            ("", _("不导入，留待决定")),
            ("update", _("都更新（已登记的驿站或前面的行）")),
            ("keep", _("都保留（两个都导入）")),
            ("skip", _("都跳过")),
        ],
        required=False,
    )

    def __init__(self, *args: Any, rows: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[f"dup-{row['row']}"] = forms.ChoiceField(
                label=_("第 %(row)s 行") % {"row": row["row"]},
                choices=_decision_choices(row),
                widget=forms.RadioSelect,
                required=False,
                initial=row.get("decision") or None,
            )

    def decisions(self) -> dict[int, str]:
        return {
            row["row"]: choice
            for row in self.rows
            if (choice := self.cleaned_data.get(f"dup-{row['row']}"))
        }


def _context(
    request: HttpRequest, model_admin: admin.ModelAdmin[Any], title: str
) -> dict[str, Any]:
    opts = model_admin.model._meta
    try:
        changelist_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    except NoReverseMatch:
        changelist_url = ""
    return {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "title": title,
        "changelist_url": changelist_url,
    }


def _own_import(request: HttpRequest, pk: Any) -> StationImport:
    if not str(pk).isdigit():
        raise Http404
    qs = StationImport.objects.all()
    if not request.user.is_superuser:
        qs = qs.filter(uploaded_by_id=request.user.pk)
    return get_object_or_404(qs, pk=pk)


def _report_csv(station_import: StationImport) -> HttpResponse:
    return csv_response(
        imports.report_csv(station_import.report, ACTION_LABELS),
        f"import-{station_import.pk}-report.csv",
    )


def _rows_left_xlsx(station_import: StationImport) -> HttpResponse:
    stem = (station_import.filename or "import").rsplit(".", 1)[0]
    response = HttpResponse(
        imports.rows_left_xlsx(station_import), content_type=exports.FORMATS["xlsx"]
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{stem}-未导入的行.xlsx"
    )
    return response


# ---------------------------------------------------------------------------
# The import page: upload → 列对应 → rows, duplicates, hours → commit
# ---------------------------------------------------------------------------


def _is_ledger(columns: list[dict[str, Any]]) -> bool:
    """Not the registry's own template: a column it does not know (or a personal or
    repeated one), or no 驿站编号 column."""
    return any(c["how"] in _LEDGER_HOWS for c in columns) or not any(
        c["key"] == "code" for c in columns
    )


def _sheet_header(station_import: StationImport) -> SheetHeader | None:
    """The stored file's header as read with the import's mapping (None when no header
    can be found at all)."""
    try:
        return read_headers(
            filename=station_import.filename,
            content=bytes(station_import.content),
            mapping=imports.import_options(station_import).mapping,
        )
    except UploadError:
        return None


def _hours_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows whose hours were read from Chinese text and that a commit writes."""
    writes = (imports.ACTION_CREATE, imports.ACTION_UPDATE)
    return [r for r in report.get("rows", []) if r.get("hours") and r["action"] in writes]


def _week(hours: dict[str, Any], monday: dt.date) -> dict[str, Any] | None:
    """The week a rule means, for a 7×24 grid: each day's open spans in hours."""
    try:
        flags = week_open_hours(
            OpeningHours.parse(hours["rule"], workday=bool(hours.get("workday"))), monday
        )
    except InvalidOpeningHours:
        return None
    days: list[dict[str, Any]] = []
    texts: list[str] = []
    for index, label in enumerate(WEEKDAY_LABELS):
        day = flags[index * 24 : index * 24 + 24]
        spans: list[tuple[int, int]] = []
        for hour, is_open in enumerate(day):
            if not is_open:
                continue
            if spans and spans[-1][1] == hour:
                spans[-1] = (spans[-1][0], hour + 1)
            else:
                spans.append((hour, hour + 1))
        text = ", ".join(f"{a}–{b}" for a, b in spans) if spans else str(_("不开放"))
        texts.append(f"{label} {text}")
        days.append(
            {
                "label": label,
                "date": monday + dt.timedelta(days=index),
                "y": index * 10,
                "spans": [{"x": 14 + a * 5, "w": (b - a) * 5} for a, b in spans],
            }
        )
    return {"days": days, "summary": "; ".join(texts)}


def _priority(row: dict[str, Any]) -> tuple[int, int]:
    """Errors, then duplicates, then rows with hours read from text, then the rest."""
    if row["status"] == imports.STATUS_ERROR:
        rank = 0
    elif row["status"] == imports.STATUS_DUPLICATE:
        rank = 1
    elif row.get("hours"):
        rank = 2
    elif row["status"] == imports.STATUS_WARNING:
        rank = 3
    else:
        rank = 4
    return rank, row["row"]


def _word_links(
    request: HttpRequest, station_import: StationImport
) -> dict[tuple[int, str, str], list[dict[str, str]]]:
    """{(row, column, message): [{word, url}]}: unknown amenity words (warnings) and kind
    words (errors), each with a link that adds it to 台账用语, when the officer may."""
    if not request.user.has_perm("stations.add_ledgerword"):
        return {}
    report = station_import.report
    headers = {c["key"]: c["header"] for c in report.get("columns", []) if c.get("key")}
    back = f"{request.path}?id={station_import.pk}"
    add = reverse("admin:stations_ledgerword_add")
    found: dict[tuple[int, str, str], list[dict[str, str]]] = {}
    wanted = [
        (LedgerWord.What.AMENITY, headers.get("amenities"), report.get("warnings", [])),
        (LedgerWord.What.KIND, headers.get("kind"), report.get("errors", [])),
    ]
    for what, column, entries in wanted:
        if not column:
            continue
        for entry in entries:
            if entry.get("column") != column or not entry.get("row") or not entry.get("value"):
                continue
            words = [w for w in str(entry["value"]).split("、") if w.strip()]
            found[(entry["row"], column, entry["message"])] = [
                {
                    "word": word,
                    "url": f"{add}?{urlencode({'what': what, 'word': word[:40], 'next': back})}",
                }
                for word in words
            ]
    return found


def _report_context(
    request: HttpRequest,
    station_import: StationImport,
    *,
    columns_form: ColumnsForm | None = None,
    decisions_form: DecisionsForm | None = None,
) -> dict[str, Any]:
    report = station_import.report
    options = imports.import_options(station_import)
    rows = report.get("rows", [])
    status = station_import.status
    committed = status == StationImport.Status.COMMITTED
    stale = imports.import_is_stale(station_import)
    committing = status == StationImport.Status.COMMITTING and not stale
    open_for_changes = not committed and not committing

    # 列对应: for a ledger, or a file whose required columns were not found.
    columns = report.get("columns") or []
    header = None
    missing_columns = not columns and bool(report.get("errors"))
    needs_columns = open_for_changes and (_is_ledger(columns) if columns else missing_columns)
    show_columns = needs_columns and (
        not options.columns_confirmed
        or missing_columns
        or request.GET.get("columns") == "1"
        or columns_form is not None
    )
    columns_rows: list[dict[str, Any]] = []
    if show_columns:
        header = _sheet_header(station_import)
        if header is None or (missing_columns and not header.missing):
            show_columns = needs_columns = False
    if show_columns and header is not None:
        if columns_form is None:
            columns_form = ColumnsForm(
                columns=header.columns, initial={"default_crs": options.default_crs}
            )
        crs_labels = dict(CRS_CHOICES)
        columns_rows = [
            {
                "column": c,
                "samples": header.samples.get(c.index, []),
                "field": columns_form[f"col-{c.index}"],
                "crs": crs_labels.get(c.crs, ""),
            }
            for c in header.columns
        ]
    columns_pending = needs_columns and not options.columns_confirmed

    # Duplicates the officer decides (row by row for the first ones, or all at once).
    duplicates = [r for r in rows if r["status"] == imports.STATUS_DUPLICATE and r["duplicate"]]
    duplicates_hidden = max(0, len(duplicates) - SHOWN_ROWS)
    if decisions_form is None and duplicates and open_for_changes:
        decisions_form = DecisionsForm(
            rows=duplicates[:SHOWN_ROWS], initial={"rest": options.on_duplicate}
        )
    undecided = sum(
        1 for r in duplicates if r["action"] == imports.ACTION_LEFT and not r.get("decision")
    )

    # Every row, the ones that need a look first.
    ordered = sorted(rows, key=_priority)
    page = Paginator(ordered, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    links = _word_links(request, station_import) if open_for_changes else {}
    shown = []
    for r in page.object_list:
        shown.append(
            {
                **r,
                "status_label": STATUS_LABELS.get(r["status"], r["status"]),
                "action_label": ACTION_LABELS.get(r["action"], r["action"]),
                "messages": [
                    {**m, "words": links.get((r["row"], m["column"], m["text"]), [])}
                    for m in r["messages"]
                ],
                "week": _week(r["hours"], monday) if r.get("hours") else None,
            }
        )
    decision_fields = (
        {r["row"]: decisions_form[f"dup-{r['row']}"] for r in duplicates[:SHOWN_ROWS]}
        if decisions_form
        else {}
    )

    counts = report.get("counts", {})
    file_errors = [
        e for e in report.get("errors", []) if e.get("row") is None or e["sheet"] != report["sheet"]
    ]
    can_commit = not columns_pending and (status == StationImport.Status.VALID or stale)
    can_partial = (
        not columns_pending
        and status == StationImport.Status.INVALID
        and counts.get("error_rows", 0) > 0
        and imports.import_can_commit(report, skip_errors=True)
    )
    return {
        "station_import": station_import,
        "report": report,
        "options": options,
        "summary": imports.import_summary(report),
        "errors": file_errors[:SHOWN_ROWS],
        "errors_hidden": max(0, len(file_errors) - SHOWN_ROWS),
        "show_columns": show_columns,
        "columns_pending": columns_pending,
        "columns_form": columns_form if show_columns else None,
        "columns_rows": columns_rows,
        "columns_missing": [key_label(k) for k in header.missing] if header else [],
        "columns_confirmed": options.columns_confirmed,
        "crs_column": any(c.get("key") == "crs" for c in columns),
        "duplicates": [
            {
                **r,
                "field": decision_fields.get(r["row"]),
                "decision_label": DECISION_LABELS.get(r.get("decision") or "", _("未决定，未导入")),
            }
            for r in duplicates[:SHOWN_ROWS]
        ],
        "duplicates_count": len(duplicates),
        "duplicates_hidden": duplicates_hidden,
        "decisions_form": decisions_form if duplicates and open_for_changes else None,
        "undecided": undecided,
        "rows": shown,
        "page": page,
        "week_start": monday,
        "hours_count": len(_hours_rows(report)),
        "can_commit": can_commit,
        "can_partial": can_partial,
        "good_rows": counts.get("committable", 0),
        "error_rows": counts.get("error_rows", 0),
        "rows_left": len(imports.rows_left(report)),
        "open_for_changes": open_for_changes,
        "committed": committed,
        "committing": committing,
        "stale": stale,
        "progress": progress_get(imports.progress_key(station_import)),
    }


def _recheck(request: HttpRequest, station_import: StationImport, **changes: Any) -> StationImport:
    options = dataclasses.replace(imports.import_options(station_import), **changes)
    return imports.station_import_recheck(
        station_import=station_import, scope=user_scope(user=request.user), options=options
    )


def _confirm(request: HttpRequest, station_import: StationImport, *, partial: bool) -> None:
    """确认导入 (all or nothing) or 导入无误的行 (skip_errors): hours read from text need
    the officer's tick, and a ledger its confirmed columns."""
    report = station_import.report
    options = imports.import_options(station_import)
    if _is_ledger(report.get("columns") or []) and not options.columns_confirmed:
        raise ApplicationError(str(_("请先确认列对应")))
    hours = len(_hours_rows(report))
    if hours and request.POST.get("hours_confirmed") != "1":
        raise ApplicationError(
            str(_("有 %(n)d 行的开放时间是从文字自动识别的：请先核对并勾选确认") % {"n": hours})
        )
    if partial:
        station_import = _recheck(request, station_import, skip_errors=True)
        if not imports.import_can_commit(station_import.report, skip_errors=True):
            raise ApplicationError(str(_("没有可导入的行")))
    imports.station_import_enqueue(
        station_import=station_import,
        user=request.user,  # type: ignore[arg-type]
    )


def _import_post(
    request: HttpRequest, model_admin: admin.ModelAdmin[Any], station_import: StationImport
) -> HttpResponse:
    """The actions on a checked import: confirm the columns, decide duplicates, check
    again, confirm the import (all rows, or the good rows only)."""
    action = request.POST.get("action") or "commit"
    url = f"{request.path}?id={station_import.pk}"
    try:
        if action == "columns":
            header = _sheet_header(station_import)
            if header is None:
                raise ApplicationError(str(_("找不到表头，无法对应列")))
            form = ColumnsForm(request.POST, columns=header.columns)
            if not form.is_valid():
                context = _context(request, model_admin, str(_("导入驿站表格")))
                context.update(_report_context(request, station_import, columns_form=form))
                return TemplateResponse(request, "admin/stations/station_import.html", context)
            ledger_mapping_remember(user=request.user, mapping=form.mapping())  # type: ignore[arg-type]
            _recheck(
                request,
                station_import,
                mapping=ledger_mapping(user=request.user),  # type: ignore[arg-type]
                default_crs=form.cleaned_data["default_crs"],
                columns_confirmed=True,
            )
            messages.success(request, _("已确认列对应并重新校验；下次上传同样的表头会自动选好。"))
        elif action == "decide":
            rows = station_import.report.get("rows", [])
            duplicates = [r for r in rows if r["status"] == imports.STATUS_DUPLICATE]
            decisions = DecisionsForm(request.POST, rows=duplicates)
            if not decisions.is_valid():
                raise ApplicationError(str(_("请从列出的处理方式中选择")))
            chosen = {**imports.import_options(station_import).decisions}
            chosen.update(decisions.decisions())
            _recheck(
                request,
                station_import,
                decisions=chosen,
                on_duplicate=decisions.cleaned_data["rest"],
            )
            messages.success(request, _("已保存重复行的处理方式并重新校验。"))
        elif action == "recheck":
            _recheck(request, station_import)
            messages.success(request, _("已按最新的台账用语和驿站登记重新校验。"))
        elif action in ("commit", "partial"):
            _confirm(request, station_import, partial=action == "partial")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(url)


def station_import_view(request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> HttpResponse:
    """Upload → 列对应 (for officers' own ledgers) → dry-run report (every row, duplicates
    to decide, hours read from text to confirm) → 确认导入 commits it, or only its good rows."""
    console_perms_require(request, "stations.add_station", "stations.change_station")
    scope = user_scope(user=request.user)
    if request.method == "GET" and request.GET.get("template"):
        content, content_type, _name = exports.stations_export(
            stations=[], fmt="xlsx", crs=CRS.WGS84
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = 'attachment; filename="yizhan-stations-template.xlsx"'
        return response

    form = ImportForm(user=request.user)
    station_import: StationImport | None = None
    if request.method == "POST" and "import_id" in request.POST:
        station_import = _own_import(request, request.POST["import_id"])
        return _import_post(request, model_admin, station_import)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            # Read one byte past the limit: enough to say "too big" without reading more.
            content = upload.read(MAX_FILE_BYTES + 1)
            region = form.cleaned_data["region"]
            mapping = ledger_mapping(user=request.user)  # type: ignore[arg-type]
            if form.national and not region and _names_streets(upload.name, content, mapping):
                form.add_error(
                    "region",
                    _("表格按名称填写街道或区县：请选择所属区划，街道在该区划内查找。"),
                )
            else:
                try:
                    station_import = imports.station_import_check(
                        filename=upload.name,
                        content=content,
                        user=request.user,  # type: ignore[arg-type]
                        scope=scope,
                        options=imports.ImportOptions(
                            default_crs=form.cleaned_data["default_crs"],
                            region=region,
                            mapping=mapping,
                        ),
                    )
                except ApplicationError as exc:
                    messages.error(request, exc.message)
                else:
                    return HttpResponseRedirect(f"{request.path}?id={station_import.pk}")
    elif request.GET.get("id"):
        station_import = _own_import(request, request.GET["id"])
        if station_import.status == StationImport.Status.COMMITTING and heartbeat.sweep_quietly():
            # Its worker died: the import is back to valid, "已中断", and can be retried.
            station_import.refresh_from_db()
        if request.GET.get("download") == "report":
            return _report_csv(station_import)
        if request.GET.get("download") == "left":
            return _rows_left_xlsx(station_import)

    context = _context(request, model_admin, str(_("导入驿站表格")))
    context["form"] = form
    if station_import is not None:
        context.update(_report_context(request, station_import))
    return TemplateResponse(request, "admin/stations/station_import.html", context)


def _names_streets(filename: str, content: bytes, mapping: dict[str, str]) -> bool:
    """Whether the file gives streets, districts or cities by name (not by region code)."""
    if len(content) > MAX_FILE_BYTES:
        return False
    try:
        header = read_headers(filename=filename, content=content, mapping=mapping)
    except UploadError:
        return False
    keys = {c.key for c in header.columns}
    return bool(keys & {"street", "district", "city"}) and "region_code" not in keys


def _platform(request: HttpRequest) -> str:
    platform = request.POST.get("platform") or request.GET.get("platform") or MapPlatform.AMAP
    return platform if platform in MapPlatform.values else MapPlatform.AMAP.value


def _warning_text(warning: exports.ListingWarning) -> str:
    params: dict[str, Any] = dict(warning.params)
    if "platform" in params:
        params["platform"] = MapPlatform(params["platform"]).label
    return str(WARNING_TEXTS[warning.code]) % params


def _short_name_save(
    request: HttpRequest, platform: str, stations: list[Station]
) -> tuple[int, str, str] | None:
    """Save the 上图简称 posted for one station of the officer's region; None when it
    was saved, else (station pk, the value posted, why it was refused)."""
    value = request.POST.get("short_name_for", "")
    station = next((s for s in stations if value.isdigit() and s.pk == int(value)), None)
    if station is None:
        # Not in the officer's region (or no such station): as if it did not exist.
        raise Http404
    short_name = request.POST.get("short_name", "").strip()
    if not short_name:
        return station.pk, short_name, str(_("请填写上图简称"))
    try:
        saved = station_short_name_set(
            station=station,
            short_name=short_name,
            user=request.user,  # type: ignore[arg-type]
            scope=user_scope(user=request.user),
            reason=str(_("上图管理：填写上图简称")),
        )
    except ValidationFailed as exc:
        return station.pk, short_name, exc.errors[0].message if exc.errors else exc.message
    except ApplicationError as exc:
        return station.pk, short_name, exc.message
    if saved:
        messages.success(
            request,
            _("已保存 %(code)s 的上图简称“%(name)s”（%(platform)s）")
            % {"code": station.code, "name": short_name, "platform": MapPlatform(platform).label},
        )
    return None


def station_listing_view(request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> HttpResponse:
    """上图: pick Amap or Baidu, see what is new or changed and what the platform would
    refuse or miss, enter a 上图简称 where a name is too long, download the pack, and mark
    what was submitted as listed (with the fingerprints shown, i.e. what was sent)."""
    console_perms_require(request, "stations.change_station")
    scope = user_scope(user=request.user)
    platform = _platform(request)
    stations = list(stations_list(scope=scope, public=False))
    refused: tuple[int, str, str] | None = None

    if request.method == "POST" and "short_name_for" in request.POST:
        refused = _short_name_save(request, platform, stations)
        if refused is None:
            return HttpResponseRedirect(f"{request.path}?platform={platform}")
    elif request.method == "POST":
        fingerprints: dict[int, str] = {}
        for value in request.POST.getlist("station"):
            if not value.isdigit():
                continue
            fingerprint = request.POST.get(f"fp-{value}", "")
            if len(fingerprint) == 64 and all(c in "0123456789abcdef" for c in fingerprint):
                fingerprints[int(value)] = fingerprint
        chosen = list(Station.objects.filter(scope.q("region"), pk__in=fingerprints))
        if chosen:
            count = station_listings_mark(
                stations=chosen,
                platform=platform,
                fingerprints=fingerprints,
                user=request.user,  # type: ignore[arg-type]
            )
            messages.success(
                request,
                _("已将 %(count)d 个驿站标记为已上图（%(platform)s）")
                % {"count": count, "platform": MapPlatform(platform).label},
            )
        else:
            messages.warning(request, _("没有选择驿站"))
        return HttpResponseRedirect(f"{request.path}?platform={platform}")

    if request.GET.get("download"):
        base_url = request.build_absolute_uri("/").rstrip("/")
        content = exports.listing_pack(stations=stations, platform=platform, base_url=base_url)
        stamp = timezone.localdate()
        response = HttpResponse(content, content_type=exports.FORMATS["xlsx"])
        response["Content-Disposition"] = (
            f'attachment; filename="yizhan-listing-{platform}-{stamp:%Y%m%d}.xlsx"'
        )
        return response

    pending = exports.listings_pending(stations=stations, platform=platform)
    context = _context(request, model_admin, str(_("上图管理（高德 / 百度）")))
    rows = []
    for p in pending[:SHOWN_ROWS]:
        row: dict[str, Any] = {
            "p": p,
            "reason": REASON_LABELS.get(p.reason, p.reason),
            "short_name": p.suggestion,
            "error": "",
            "warnings": [(w.blocking, _warning_text(w)) for w in p.warnings],
        }
        if refused is not None and refused[0] == p.station.pk:
            row["short_name"], row["error"] = refused[1], refused[2]
            refused = None
        rows.append(row)
    if refused is not None:  # a station no longer on the page (e.g. listed since)
        messages.error(request, refused[2])
    context.update(
        {
            "platform": platform,
            "platforms": MapPlatform.choices,
            "platform_label": MapPlatform(platform).label,
            "name_max": PLATFORM_NAME_MAX[platform],
            "short_name_max": LISTING_NAME_MAX,
            "pending_count": len(pending),
            "pending": rows,
            "pending_hidden": max(0, len(pending) - SHOWN_ROWS),
            "markable": any(p.markable for p in pending[:SHOWN_ROWS]),
            "needs_short_name": sum(1 for p in pending if p.needs_short_name),
            "active_count": sum(1 for s in stations if s.status == "active"),
        }
    )
    return TemplateResponse(request, "admin/stations/station_listing.html", context)
