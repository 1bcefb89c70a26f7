"""A scenario's answer as an XLSX workbook (one sheet per question) and as GeoJSON
(gap hexagons, recommended sites, upgrades, closures, mobile stops) for GIS tools."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from geoplan.coverage import cell_boundary
from yizhan.core.xlsx import Book
from yizhan.planning.models import Scenario
from yizhan.planning.words import network_warnings, site_near, site_street


def hour_label(h: int) -> str:
    days = (_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日"))
    return f"{days[h // 24]} {h % 24:02d}:00"


def scenario_xlsx(s: Scenario) -> bytes:
    r: dict[str, Any] = s.result or {}
    book = Book()
    summ = r.get("summary", {})
    book.sheet(
        _("概况"),
        [_("项目"), _("数值")],
        [
            [_("方案"), s.name],
            [_("区域"), s.region.name],
            [_("驿站数"), summ.get("stations")],
            [_("需求记录"), summ.get("records")],
            [_("候选点"), summ.get("candidates")],
            [_("出行"), summ.get("travel")],
            [_("可达距离(米)"), summ.get("limit_m")],
            [_("覆盖率"), summ.get("share")],
            [_("夜间覆盖率"), summ.get("night_share")],
            [
                _("新增 %(k)s 个后覆盖率") % {"k": r.get("siting", {}).get("k")},
                r.get("siting", {}).get("share_after"),
            ],
            *[[_("提醒"), w] for w in network_warnings(summ)],
        ],
        widths=(28, 30),
    )
    ws = book.sheet(
        _("分时段覆盖"),
        [_("时段"), _("覆盖率"), _("需求占比")],
        [
            [hour_label(h), v, d]
            for h, (v, d) in enumerate(
                zip(r.get("by_hour", []), r.get("demand_by_hour", []), strict=False)
            )
        ],
    )
    if r.get("by_hour"):
        book.chart(
            ws,
            kind="line",
            title=_("一周各小时覆盖率"),
            column=2,
            first_row=1,
            last_row=len(r["by_hour"]) + 1,
            anchor="E2",
            size=(24, 8),
        )
    book.sheet(
        _("分街道"),
        [_("区划代码"), _("名称"), _("需求占比"), _("覆盖率")],
        [
            [x["code"], x["name"], x.get("demand_share", x["demand"]), x["share"]]
            for x in r.get("by_region", [])
        ],
    )
    book.sheet(
        _("缺口网格"),
        [_("H3 网格"), _("经度"), _("纬度"), _("需求占比"), _("未覆盖占比")],
        [
            [g["cell"], g["lon"], g["lat"], g["demand_share"], g["uncovered_share"]]
            for g in r.get("gaps", [])
        ],
    )
    site_head = [_("序号"), _("街道"), _("位置"), _("经度"), _("纬度"), _("新增覆盖占比")]

    def site_row(x: dict[str, Any]) -> list[Any]:
        return [x["rank"], site_street(x), site_near(x), x["lon"], x["lat"], x["gain_share"]]

    book.sheet(
        _("新址推荐"),
        site_head,
        [site_row(x) for x in r.get("siting", {}).get("sites", [])],
        widths=(6, 14, 44, 12, 12, 14),
    )
    book.sheet(
        _("达标最少新址"),
        site_head,
        [site_row(x) for x in r.get("set_cover", {}).get("sites", [])],
        widths=(6, 14, 44, 12, 12, 14),
    )
    book.sheet(
        _("重叠驿站"),
        [_("驿站 A"), _("名称 A"), _("驿站 B"), _("名称 B"), _("重叠占较小者")],
        [[o["a"], o["a_name"], o["b"], o["b_name"], o["share"]] for o in r.get("overlaps", [])],
    )
    book.sheet(
        _("关停合并候选"),
        [_("驿站"), _("名称"), _("独占覆盖占比")],
        [[c["code"], c["name"], c["loss_share"]] for c in r.get("closures", [])],
    )
    book.sheet(
        _("24小时升级"),
        [_("序号"), _("驿站"), _("名称"), _("夜间新增覆盖占比")],
        [
            [u["rank"], u["code"], u["name"], u["gain_share"]]
            for u in r.get("upgrades", {}).get("stations", [])
        ],
    )
    book.sheet(
        _("流动驿站排班"),
        [
            _("时段"),
            _("停靠时间"),
            _("序号"),
            _("街道"),
            _("位置"),
            _("经度"),
            _("纬度"),
            _("新增覆盖占比(该时段)"),
        ],
        [
            [b["label"], b["hours"], *site_row(x)]
            for b in r.get("mobile", {}).get("bands", [])
            for x in b["sites"]
        ],
    )
    return book.content()


def _point(lon: float, lat: float, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


def _site_props(x: dict[str, Any]) -> dict[str, Any]:
    """A suggested site's properties, flat (GIS tools read no nesting): its street and
    nearest place in words, beside the figures."""
    street = x.get("street") or {}
    return {
        **{k: v for k, v in x.items() if k not in ("street", "near")},
        "street": site_street(x),
        "street_code": street.get("code", ""),
        "near": site_near(x),
    }


def scenario_geojson(s: Scenario) -> str:
    """WGS-84 GeoJSON (RFC 7946) with a ``layer`` property on each feature."""
    r: dict[str, Any] = s.result or {}
    features: list[dict[str, Any]] = []
    for g in r.get("gaps", []):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [cell_boundary(g["cell"])]},
                "properties": {"layer": "gap", **g},
            }
        )
    for x in r.get("siting", {}).get("sites", []):
        features.append(_point(x["lon"], x["lat"], {"layer": "new_site", **_site_props(x)}))
    for x in r.get("set_cover", {}).get("sites", []):
        features.append(_point(x["lon"], x["lat"], {"layer": "set_cover_site", **_site_props(x)}))
    for u in r.get("upgrades", {}).get("stations", []):
        features.append(
            _point(
                u["lonlat"][0],
                u["lonlat"][1],
                {"layer": "upgrade", **{k: v for k, v in u.items() if k != "lonlat"}},
            )
        )
    for c in r.get("closures", []):
        features.append(
            _point(
                c["lonlat"][0],
                c["lonlat"][1],
                {"layer": "closure_candidate", **{k: v for k, v in c.items() if k != "lonlat"}},
            )
        )
    for b in r.get("mobile", {}).get("bands", []):
        for x in b["sites"]:
            features.append(
                _point(
                    x["lon"],
                    x["lat"],
                    {
                        "layer": "mobile_stop",
                        "band": b["label"],
                        "hours": b["hours"],
                        **_site_props(x),
                    },
                )
            )
    for st in r.get("stations", []):
        features.append(
            _point(
                st["lon"],
                st["lat"],
                {"layer": "station", **{k: v for k, v in st.items() if k not in ("lon", "lat")}},
            )
        )
    return json.dumps(
        {"type": "FeatureCollection", "name": s.name, "features": features}, ensure_ascii=False
    )
