"""The words officers use in their own ledgers (台账): column headers, station kinds,
amenities and coordinate systems, each mapped to what the registry keeps.

Pure tables and lookups (no database). The defaults below are the words seen in real
ledgers; officers extend the kind and amenity lists in the console (`LedgerWord`), and
`Vocabulary.build` merges theirs over these. docs/registry.md shows the same tables.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from geoplan.crs import CRS


def norm(text: str) -> str:
    """Fold width, case, spaces and stray marks: "智能驿站（24小时）" = "智能驿站(24小时)".

    >>> norm(" 驿站 名称* "), norm("ＧＣＪ－０２")
    ('驿站名称', 'gcj-02')
    """
    return re.sub(r"[\s*＊:：]+", "", unicodedata.normalize("NFKC", str(text))).lower()


_BRACKETS = re.compile(r"[(\[【〔{].*?[)\]】〕}]")


def header_core(text: str) -> tuple[str, str]:
    """A header without its bracketed remarks, and the remarks: "经纬度（高德）" →
    ("经纬度", "高德"); "面积(㎡)" → ("面积", "㎡").

    >>> header_core("经纬度（高德坐标）")
    ('经纬度', '高德坐标')
    """
    folded = norm(text)
    inside = " ".join(m.group(0)[1:-1] for m in _BRACKETS.finditer(folded))
    return _BRACKETS.sub("", folded) or folded, inside


# ---------------------------------------------------------------------------
# Column headers: raw key → the ways ledgers word it (the template's own header first)
# ---------------------------------------------------------------------------

HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "code": ("驿站编号", "编号", "站点编号", "驿站代码", "站点代码", "code", "station_code"),
    "name": (
        "名称",
        "驿站名称",
        "站点名称",
        "驿站名",
        "站名",
        "服务站名称",
        "阵地名称",
        "name",
    ),
    "short_name": ("上图简称", "简称", "地图名称", "short_name"),
    "kind": ("类型", "驿站类型", "站点类型", "建设类型", "形式", "kind", "type"),
    "status": ("状态", "运营状态", "开放状态", "status"),
    "status_reason": ("状态说明", "暂停原因", "status_reason"),
    "region_code": ("区划代码", "行政区划代码", "region_code", "region"),
    "region_name": ("区划名称", "region_name"),
    "city": ("所属市", "地市", "市(地)", "市(州)", "所属地市", "地级市", "city"),
    "district": ("所属区县", "区县", "所属区", "县(市、区)", "县市区", "区(县)", "district"),
    "street": (
        "所属街道",
        "街道",
        "街道(乡镇)",
        "街道乡镇",
        "乡镇(街道)",
        "乡镇街道",
        "街道办",
        "所属街道办",
        "所在街道",
        "乡镇",
        "所属乡镇",
        "街镇",
        "street",
    ),
    "address": ("地址", "详细地址", "位置", "地点", "具体位置", "所在位置", "站点地址", "address"),
    "lon": ("经度", "lon", "lng", "longitude", "x"),
    "lat": ("纬度", "lat", "latitude", "y"),
    "lonlat": ("经纬度", "坐标", "经纬度坐标", "位置坐标", "坐标(经度,纬度)", "lonlat", "lnglat"),
    "crs": ("坐标系", "坐标来源", "坐标类型", "坐标系统", "定位来源", "crs"),
    "opening_hours": (
        "开放时间",
        "开放时段",
        "服务时间",
        "开放时长",
        "营业时间",
        "服务时段",
        "开放时间段",
        "opening_hours",
        "hours",
    ),
    "keeps_workday_hours": ("按工作日开放", "keeps_workday_hours", "workday"),
    "amenities": (
        "设施",
        "服务设施",
        "设施配置",
        "配套",
        "配套设施",
        "设施设备",
        "功能配置",
        "配置",
        "amenities",
    ),
    "services": ("服务", "服务项目", "服务内容", "特色服务", "services"),
    "floor_area_m2": ("面积", "面积(㎡)", "面积(平方米)", "建筑面积", "使用面积", "floor_area_m2"),
    "capacity": ("可容纳人数", "容纳人数", "可容纳", "capacity"),
    "star_level": ("星级", "评定星级", "等级", "star_level", "stars"),
    "feature": ("一站一特色", "特色", "feature"),
    "phone": ("联系电话", "电话", "驿站电话", "服务电话", "phone"),
    "last_verified_on": ("最近核实日期", "核实日期", "last_verified_on"),
}

# Staff columns: role → its header; "<header>电话"/"<header>手机"/"<header>联系电话" follow.
STAFF_HEADERS: dict[str, str] = {
    "master": "站长",
    "administrator": "管理员",
    "butler": "驿站管家",
    "contact": "联系人",
}
_STAFF_EXTRA = {"master": ("站长姓名", "负责人"), "contact": ("联系人姓名",)}

# Headers that mark a column as not read (counted, never a reason to refuse).
IGNORED_HEADERS = ("序号", "编码序号", "no", "#")

# What the column-mapping step offers, in order, with the header the template uses.
MAPPABLE_KEYS: tuple[str, ...] = (
    "code",
    "name",
    "short_name",
    "kind",
    "status",
    "status_reason",
    "region_code",
    "city",
    "district",
    "street",
    "address",
    "lon",
    "lat",
    "lonlat",
    "crs",
    "opening_hours",
    "keeps_workday_hours",
    "amenities",
    "services",
    "floor_area_m2",
    "capacity",
    "star_level",
    "feature",
    "phone",
    *(f"staff.{role}{suffix}" for role in STAFF_HEADERS for suffix in ("", ".phone")),
    "last_verified_on",
)
IGNORE = ""  # the mapping-step choice "不导入"


def _header_lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for key, words in HEADER_SYNONYMS.items():
        for word in words:
            out.setdefault(norm(word), key)
    for role, header in STAFF_HEADERS.items():
        for word in (header, role, f"{role}_name", *_STAFF_EXTRA.get(role, ())):
            out.setdefault(norm(word), f"staff.{role}")
        for suffix in ("电话", "手机", "联系电话", "手机号", "电话号码"):
            out.setdefault(norm(header + suffix), f"staff.{role}.phone")
        for word in _STAFF_EXTRA.get(role, ()):
            out.setdefault(norm(word.replace("姓名", "") + "电话"), f"staff.{role}.phone")
        out.setdefault(norm(f"{role}_phone"), f"staff.{role}.phone")
    for word in IGNORED_HEADERS:
        out.setdefault(norm(word), IGNORE)
    return out


HEADER_LOOKUP = _header_lookup()


# ---------------------------------------------------------------------------
# Coordinate systems in words
# ---------------------------------------------------------------------------

CRS_WORDS: dict[CRS, tuple[str, ...]] = {
    CRS.WGS84: ("wgs84", "wgs-84", "gps", "北斗", "天地图", "cgcs2000", "国家2000", "原始坐标"),
    CRS.GCJ02: ("gcj02", "gcj-02", "高德", "腾讯", "火星", "谷歌中国", "国测局", "amap", "qq"),
    CRS.BD09: ("bd09", "bd-09", "bd09ll", "百度", "baidu"),
}


def crs_in_words(text: str) -> CRS | None:
    """The coordinate system a cell or header names, if any: "高德坐标" → GCJ-02.

    >>> crs_in_words("经纬度（百度）"), crs_in_words("GPS定位"), crs_in_words("经度")
    (<CRS.BD09: 'bd09'>, <CRS.WGS84: 'wgs84'>, None)
    """
    folded = norm(text)
    if not folded:
        return None
    for crs, words in CRS_WORDS.items():
        if any(norm(word) in folded for word in words):
            return crs
    return None


# ---------------------------------------------------------------------------
# Station kinds and amenities in words
# ---------------------------------------------------------------------------

KIND_WORDS: dict[str, tuple[str, ...]] = {
    "fixed": (
        "固定",
        "固定驿站",
        "固定站点",
        "固定式",
        "阵地",
        "爱心驿站",
        "暖心驿站",
        "户外劳动者服务站",
        "工会驿站",
        "fixed",
    ),
    "mobile": ("流动", "流动驿站", "流动服务车", "流动站", "服务车", "移动驿站", "mobile"),
    "smart": (
        "智能",
        "智能驿站",
        "智能驿站(24h)",
        "智能驿站(24小时)",
        "24小时智能驿站",
        "无人值守",
        "自助驿站",
        "smart",
    ),
}

# Amenity words seen in ledgers → catalogue code (the catalogue's own names always work).
AMENITY_WORDS: dict[str, tuple[str, ...]] = {
    "hot_water": ("热水", "开水", "饮水机(热水)"),
    "drinking_water": ("热水器", "饮用水", "饮水", "饮水机", "直饮水", "茶水", "纯净水"),
    "microwave": ("微波炉", "热饭", "加热饭菜"),
    "fridge": ("冰箱", "冷藏柜"),
    "charging": ("手机充电", "充电", "usb充电", "充电宝", "充电线", "充电插座", "共享充电"),
    "battery_swap": ("电动车换电", "换电", "电动车充电", "电瓶车充电"),
    "toilet": ("卫生间", "厕所", "洗手间", "如厕"),
    "seats": ("休息座椅", "座椅", "桌椅", "沙发", "休息区"),
    "ac": ("空调", "冷气"),
    "heater": ("暖气", "取暖器", "暖气/取暖器", "取暖"),
    "first_aid": ("急救药箱", "药箱", "应急药品", "医药箱", "常用药品", "急救包", "药品"),
    "aed": ("aed", "aed除颤仪", "除颤仪"),
    "umbrella": ("爱心雨伞", "爱心伞", "雨伞", "雨具"),
    "books": ("图书", "书籍", "书刊", "报刊", "阅读角", "书架"),
    "wifi": ("无线网络", "wifi", "wi-fi", "无线上网"),
    "shower": ("淋浴", "洗浴"),
    "bed": ("休息床", "床", "午休床", "折叠床"),
    "sewing_kit": ("针线包", "针线"),
    "tire_pump": ("打气筒", "充气泵", "打气"),
    "locker": ("智能储物柜", "储物柜", "智能柜", "爱心柜"),
}


@dataclass(frozen=True)
class Vocabulary:
    """Kind and amenity words → codes: the defaults, the catalogue's own names, and the
    words officers added in the console (which win over a default)."""

    kinds: Mapping[str, str] = field(default_factory=dict)
    amenities: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        catalogue_amenities: Iterable[tuple[str, str, str]] = (),
        added: Iterable[tuple[str, str, str]] = (),
    ) -> Vocabulary:
        """``catalogue_amenities``: (code, name, name_en); ``added``: (what, word, code)
        with what "kind" or "amenity"."""
        kinds = {norm(w): code for code, words in KIND_WORDS.items() for w in (code, *words)}
        amenities = {norm(w): code for code, words in AMENITY_WORDS.items() for w in words}
        known_amenities = set()
        for code, name, name_en in catalogue_amenities:
            known_amenities.add(code)
            for word in (name_en, code, name):
                if word:
                    amenities[norm(word)] = code
        for what, word, code in added:
            if what == "kind":
                kinds[norm(word)] = code
            elif what == "amenity":
                amenities[norm(word)] = code
        if known_amenities:  # a default word for an amenity the catalogue no longer has
            amenities = {w: c for w, c in amenities.items() if c in known_amenities}
        return cls(kinds=kinds, amenities=amenities)

    def kind(self, word: str) -> str | None:
        folded = norm(word)
        return self.kinds.get(folded) or self.kinds.get(header_core(word)[0])

    def amenity(self, word: str) -> str | None:
        return self.amenities.get(norm(word))
