"""The officers' list of expiring stock as a spreadsheet (XLSX, Chinese headers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.translation import gettext as _

from yizhan.core.xlsx import XLSX, Book, Styled
from yizhan.regions.models import Region
from yizhan.supplies.selectors import ExpiringRow

EXPIRED_FILL = "F8D7DA"


def _headers() -> list[tuple[str, int]]:
    return [
        (_("驿站编号"), 14),
        (_("驿站名称"), 26),
        (_("所属区划"), 14),
        (_("物资"), 22),
        (_("批号"), 14),
        (_("有效期至"), 12),
        (_("剩余天数"), 10),
        (_("数量"), 8),
        (_("单位"), 6),
        (_("状态"), 8),
    ]


def _state(row: ExpiringRow) -> str:
    return _("已过期") if row.state == "expired" else _("临期")


def _line(row: ExpiringRow) -> list[object]:
    values: list[object] = [
        row.station_code,
        row.station_name,
        row.region_name,
        row.item,
        row.batch_no,
        row.expires_on,
        row.days_to_expiry,
        row.quantity,
        row.unit,
        _state(row),
    ]
    if row.state == "expired":
        return [Styled(v, fill=EXPIRED_FILL) for v in values]
    return values


def expiring_export(
    *, rows: Sequence[ExpiringRow], today: dt.date, within_days: int, region: Region | None
) -> tuple[bytes, str, str]:
    """(content, content type, file name). Text cells stay text: a name starting with
    "=" is never read as a formula."""
    where = region.name if region else _("全部管辖区域")
    headers = _headers()
    book = Book(write_only=True)
    book.sheet(
        _("临期物资"),
        [title for title, _width in headers],
        (_line(row) for row in rows),
        widths=[width for _title, width in headers],
        caption=_("%(where)s：截至 %(today)s，%(days)d 天内到期及已过期的物资")
        % {"where": where, "today": today.isoformat(), "days": within_days},
    )
    name = f"supplies-expiring-{region.code if region else 'all'}-{today.isoformat()}.xlsx"
    return book.content(), XLSX, name
