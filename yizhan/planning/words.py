"""A scenario's answer in words, in the page's language: where a suggested site is (its
street and its nearest named place) and what the road network's fit says. The answer
keeps data (`pipeline.Places`); the page, the map, the workbook and the GeoJSON all say
it with these functions."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def _directions() -> tuple[str, ...]:
    return (
        pgettext("compass", "北"),
        pgettext("compass", "东北"),
        pgettext("compass", "东"),
        pgettext("compass", "东南"),
        pgettext("compass", "南"),
        pgettext("compass", "西南"),
        pgettext("compass", "西"),
        pgettext("compass", "西北"),
    )


def _m(x: Any) -> str:
    return f"{round(float(x)):,}"


def site_street(x: dict[str, Any]) -> str:
    """The street a suggested site falls in (that of its nearest station), or ""."""
    street = x.get("street") or {}
    return str(street.get("name") or "")


def site_near(x: dict[str, Any]) -> str:
    """The nearest place a person can find: "中央大街与西十二道街交口附近",
    "近 中央大街 120 米" or "兆麟驿站（道里区中央大街 120 号）东北 350 米"; "" when the
    answer holds none (kept before sites had places)."""
    near = x.get("near") or {}
    kind = near.get("kind")
    if kind == "corner":
        a, b = near["roads"]
        return _("%(a)s与%(b)s交口附近") % {"a": a, "b": b}
    if kind == "road":
        return _("近 %(road)s %(m)s 米") % {"road": near["road"], "m": _m(near["m"])}
    if kind == "station":
        station = near["name"]
        if near.get("address"):
            station = _("%(name)s（%(address)s）") % {"name": station, "address": near["address"]}
        return _("%(station)s%(dir)s %(m)s 米") % {
            "station": station,
            "dir": _directions()[int(near["dir"]) % 8],
            "m": _m(near["m"]),
        }
    return ""


def site_place(x: dict[str, Any]) -> str:
    """Street and nearest place in one line ("兆麟街道 · 中央大街与西十二道街交口附近"),
    else the coordinates."""
    parts = [p for p in (site_street(x), site_near(x)) if p]
    if parts:
        return " · ".join(parts)
    return f"{float(x['lon']):.5f}, {float(x['lat']):.5f}"


def network_warnings(summary: dict[str, Any]) -> list[str]:
    """What the officer must know about the road network before reading the figures:
    that it misses the region (its 0 % is no finding), how much demand lies off it,
    and the stations that joined it far from their door."""
    net = summary.get("network") or {}
    out: list[str] = []
    if summary.get("no_overlap"):
        gap = max(float(net.get("station_gap_m") or 0), float(net.get("demand_gap_m") or 0))
        out.append(
            _(
                "路网与本区的驿站或需求不重叠（最近也相距约 %(km)s 公里）：覆盖率 0 %% "
                "不是规划结论，新址也无从比较。请上传本区的路网后重新计算。"
            )
            % {"km": f"{max(1, round(gap / 1000)):,}"}
        )
        return out
    off = float(net.get("demand_off_share") or 0)
    if off >= 0.005:
        out.append(
            _("%(p)s 的需求离路网太远，步行或骑行到不了路上，算作未覆盖。")
            % {"p": f"{100 * off:.1f}%"}
        )
    if net.get("far_count"):
        names = _("、").join(
            _("%(name)s %(m)s 米") % {"name": f["name"], "m": _m(f["m"])} for f in net["far"]
        )
        out.append(
            _("%(n)s 个驿站点位离路网最大连通部分超过 %(far)s 米：%(names)s。")
            % {"n": net["far_count"], "far": _m(net["far_m"]), "names": names}
        )
    return out


def network_fit_words(fit: dict[str, Any]) -> str:
    """A road network that reaches only part of the region, when uploaded: "道里区的 45
    个驿站中有 15 个离路网超过 1,000 米…" ("" when it reaches all, or was not checked)."""
    points, near = int(fit.get("points") or 0), int(fit.get("near") or 0)
    if not points or near >= points:
        return ""
    words = (
        _(
            "本区 %(n)s 个驿站中有 %(k)s 个离路网超过 %(m)s 米："
            "路网只覆盖了本区的一部分，那里的覆盖率会偏低。"
        )
        if fit.get("stations")
        else _("本区 %(n)s 个街道中心中有 %(k)s 个离路网超过 %(m)s 米：路网只覆盖了本区的一部分。")
    )
    return words % {"n": points, "k": points - near, "m": _m(fit.get("near_m") or 0)}
