"""The demo city: Harbin's Daoli district (哈尔滨市道里区, 230102), the data `make run` shows.

59 fixed stations, 5 mobile stations (buses and containers with a timetable) and 4 smart
24-hour stations spread over Daoli's 23 streets and towns, with months of history, and
three accounts to sign in with: a superuser, a district officer and a street officer.

Two halves:

* :func:`demo_plan` is pure: from a seed and the region centroids it draws every station's
  first record and the events that follow (edits, status changes, verifications), each at
  a fraction of the history span. The same seed always gives the same stations (codes,
  names, coordinates, hours, amenities, staff). Only ``random.Random(seed)`` is used.
* :func:`demo_city_generate` writes the plan through the registry services
  (``station_data_clean`` → ``station_upsert`` / ``station_status_set`` /
  ``station_verify``), so that history rows are the real ones, then moves them back in
  time over the last ``months``. A station whose code already exists is brought to its
  final record with one upsert (no change row when nothing differs), which makes a second
  run harmless.

The people's names and phone numbers are made up; phones are in the 138-0000-xxxx block.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
import re
import secrets
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from yizhan.accounts.models import User
from yizhan.accounts.selectors import Scope
from yizhan.accounts.services import officer_create, superuser_ensure
from yizhan.demo.landmarks import landmarks_ensure
from yizhan.regions.models import Region
from yizhan.regions.services import regions_import_csv
from yizhan.stations.hours import WEEKDAYS
from yizhan.stations.models import (
    AmenityState,
    ClosureSource,
    MobileStop,
    StaffRole,
    Station,
    StationChange,
    StationClosure,
    StationKind,
    StationStatus,
)
from yizhan.stations.services import (
    AmenityEntry,
    Catalogue,
    StaffEntry,
    StopEntry,
    station_data_clean,
    station_status_set,
    station_upsert,
    station_verify,
)

DEFAULT_SEED = 2301
DEFAULT_MONTHS = 6
DISTRICT_CODE = "230102"
# Harbin Daoli and its streets, GB/T 2260 (the demo ships it; docs/registry.md says whence)
REGIONS_CSV = Path(__file__).resolve().parent / "data" / "cn_230102_daoli.csv"
CODE_PREFIX = "HRB-DL"
SCATTER_RADIUS_M = 600.0
NATIONAL = Scope(national=True, region=None)

# ---------------------------------------------------------------------------
# The city, by hand: roads per street, how many fixed stations each street has
# ---------------------------------------------------------------------------

# Roads of each street (the urban ones) or town, used for addresses and names.
ROADS: dict[str, tuple[str, ...]] = {
    "230102001": ("中央大街", "西十二道街", "兆麟街", "红专街", "西十道街", "透笼街"),
    "230102002": ("新阳路", "安丰街", "安发街"),
    "230102003": ("抚顺街", "安升街", "新阳路"),
    "230102004": ("共乐街", "安化街", "新阳路"),
    "230102005": ("工农大街", "安隆街", "新华街"),
    "230102006": ("城乡路", "顾乡大街", "友谊西路"),
    "230102007": ("工农大街", "顾乡大街", "安心街"),
    "230102008": ("尚志大街", "石头道街", "西八道街", "安定街"),
    "230102009": ("友谊路", "中央大街", "西头道街"),
    "230102010": ("通江街", "高谊街", "西五道街", "东风街"),
    "230102011": ("经纬街", "地段街", "安定街", "经纬二道街"),
    "230102012": ("康安路", "哈药路", "工程街"),
    "230102013": ("安静街", "安国街", "安广街"),
    "230102014": ("安和街", "友谊路", "安平街"),
    "230102015": ("上江街", "友谊西路", "正阳街"),
    "230102016": ("建国街", "上江街", "通达街"),
    "230102017": ("康安路", "顾新路", "城乡路"),
    "230102018": ("爱建路", "友谊西路", "城乡路"),
    "230102019": ("群力大道", "群力第五大道", "群力第七大道", "景江东路", "朗江路", "丽江路"),
    "230102101": ("振兴街", "太平大街"),
    "230102102": ("新发大街", "民主街"),
    "230102103": ("新农大街", "光明街"),
    "230102104": ("榆树大街", "富民街"),
}

# Fixed stations per street: denser in the old town and in Qunli, one in each town.
FIXED_PER_REGION: dict[str, int] = {
    "230102001": 6,
    "230102002": 3,
    "230102003": 2,
    "230102004": 2,
    "230102005": 2,
    "230102006": 3,
    "230102007": 2,
    "230102008": 4,
    "230102009": 2,
    "230102010": 4,
    "230102011": 4,
    "230102012": 2,
    "230102013": 3,
    "230102014": 2,
    "230102015": 2,
    "230102016": 2,
    "230102017": 2,
    "230102018": 2,
    "230102019": 6,
    "230102101": 1,
    "230102102": 1,
    "230102103": 1,
    "230102104": 1,
}


@dataclass(frozen=True)
class HoursTemplate:
    rule: str
    workday: bool
    count: int


WORKDAY_HOURS = "Mo-Fr 08:30-17:30"
# 59 fixed stations in all; shuffled over them with the seed.
FIXED_HOURS: tuple[HoursTemplate, ...] = (
    HoursTemplate(WORKDAY_HOURS, True, 10),  # a union office's own hours
    HoursTemplate("Mo-Su 07:00-21:00", False, 14),
    HoursTemplate("Mo-Fr 08:00-11:30,13:00-17:30; Sa 09:00-15:00; PH off", False, 8),
    HoursTemplate("Mo-Su 18:00-08:00", False, 4),  # night riders and taxi drivers
    HoursTemplate("Mo-Su 06:30-22:00", False, 8),
    HoursTemplate("Mo-Sa 08:00-20:00; PH 09:00-17:00", False, 5),
    HoursTemplate("Mo-Fr 07:30-19:30; Sa,Su 09:00-18:00", False, 6),
    HoursTemplate("Mo-Su 10:00-14:00,17:00-22:00", False, 4),  # delivery peaks
)

# How often a fixed station has each amenity. Harbin winters: hot water and heating
# nearly everywhere.
AMENITY_ODDS: dict[str, float] = {
    "hot_water": 0.97,
    "heater": 0.92,
    "seats": 0.95,
    "charging": 0.88,
    "first_aid": 0.85,
    "microwave": 0.72,
    "wifi": 0.62,
    "drinking_water": 0.6,
    "umbrella": 0.55,
    "toilet": 0.5,
    "ac": 0.45,
    "sewing_kit": 0.45,
    "books": 0.4,
    "tire_pump": 0.35,
    "fridge": 0.3,
    "battery_swap": 0.12,
    "aed": 0.1,
    "bed": 0.08,
    "locker": 0.06,
    "shower": 0.05,
}
SMART_AMENITIES = (
    "hot_water", "heater", "seats", "charging", "battery_swap", "microwave", "wifi",
    "drinking_water", "locker", "first_aid", "ac",
)  # fmt: skip
MOBILE_AMENITIES = (
    "hot_water", "heater", "seats", "charging", "microwave", "first_aid", "drinking_water",
    "umbrella", "sewing_kit",
)  # fmt: skip
# Amenities that may be added after a station opened, with the words for the history.
ADDABLE = {
    "aed": "AED除颤仪",
    "battery_swap": "电动车换电柜",
    "microwave": "微波炉",
    "wifi": "无线网络",
    "books": "图书角",
    "fridge": "冰箱",
    "umbrella": "爱心雨伞",
    "tire_pump": "打气筒",
}
BREAKDOWNS = {
    "hot_water": "加热管损坏，已报修",
    "heater": "电暖器温控器失灵，已报修",
    "microwave": "微波炉门锁故障，等待更换",
    "charging": "多功能充电线被拿走，正在补充",
    "ac": "空调外机漏氟，已报修",
    "wifi": "宽带欠费停机，正在续费",
    "toilet": "冬季水管冻裂，维修中",
}
SERVICE_ODDS: dict[str, float] = {
    "union_membership": 0.55,
    "legal_aid": 0.3,
    "job_services": 0.3,
    "health_check": 0.2,
    "discount_meals": 0.2,
    "haircut": 0.15,
    "training": 0.15,
    "psychological": 0.1,
}
STAR_WEIGHTS = {1: 1, 2: 4, 3: 9, 4: 5, 5: 1}

FEATURES = (
    "冬季常备姜茶和暖贴，户外劳动者随时取用",
    "与周边餐馆合作，外卖骑手凭工会会员卡享优惠餐",
    "每月第一个周三提供爱心义剪",
    "律师每周二下午坐班，提供劳动维权法律咨询",
    "配备电动车换电柜，骑手五分钟完成换电",
    "图书角藏书三百余册，可借阅带走",
    "夜间为网约车司机和代驾提供热饭和休息",
    "环卫工人早班前可在此领取热豆浆",
    "设有母婴角，女职工可在此休息哺乳",
    "每季度组织一次免费健康体检",
    "为快递小哥提供免费针线包和雨具",
    "冬季为户外劳动者提供防寒手套和护膝",
    "设有就业信息墙，每周更新周边招聘岗位",
    "夏季送清凉，常备绿豆汤和防暑药品",
    "与社区卫生服务中心联动，可测血压血糖",
    "邻近松花江，冬季为冰雪大世界保障人员提供休息",
    "老建筑里的驿站，保留了中华巴洛克风格的门脸",
    "一站式办理工会入会和会员服务卡",
    "配有心理咨询师每月驻站一天",
    "为货车司机提供停车休息和车辆简易检修工具",
)

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
)
GIVEN_NAMES = (
    "建国",
    "秀英",
    "丽华",
    "志强",
    "海燕",
    "春梅",
    "伟",
    "磊",
    "静",
    "敏",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "玉兰",
    "晓东",
    "红梅",
    "立新",
    "金凤",
    "宏伟",
    "雪梅",
    "振华",
    "淑珍",
    "国庆",
    "玉梅",
    "春雷",
    "冬梅",
    "海军",
    "丽娜",
    "宇航",
    "思远",
    "佳怡",
    "晨",
    "浩然",
    "欣怡",
    "子涵",
    "雨桐",
    "博文",
)

SUSPEND_REASONS = (
    "供暖管道检修，暂停开放",
    "管理员离职，正在重新安排值守人员",
)
YELLOW_CARD_REASON = "两次暗访均未开门，亮黄牌限期整改"
DELIST_REASON = "整改期满仍未按时开放，经月度评价摘牌清退"
PLANNED_REASON = "选址已确定，正在装修"
ACTIVATE_REASON = "验收合格，投入运营"
SMART_ACTIVATE_REASON = "智能驿站验收合格，24小时开放"
ROLLOUT_REASON = "系统上线，录入既有驿站"


@dataclass(frozen=True)
class StopPlan:
    place_name: str
    address: str
    lat: float
    lon: float
    days: str
    start: str
    end: str

    @property
    def hours(self) -> str:
        return f"{self.days} {self.start}-{self.end}"


@dataclass(frozen=True)
class MobileRoute:
    number: int
    name: str
    region_code: str
    vehicle: str  # "bus" or "container"
    stops: tuple[StopPlan, ...]


# Real places of Daoli (approximate WGS-84 coordinates) and timetables that never put one
# vehicle in two places at once.
MOBILE_ROUTES: tuple[MobileRoute, ...] = (
    MobileRoute(1, "道里区流动工会驿站·暖心巴士1号", "230102001", "bus", (
        StopPlan("中央大街", "道里区中央大街与西十二道街交口", 45.7727, 126.6174,
                 "Mo-Fr", "11:00", "14:00"),
        StopPlan("索菲亚教堂广场", "道里区透笼街88号", 45.7707, 126.6283,
                 "Mo-Fr", "17:00", "20:00"),
        StopPlan("防洪纪念塔广场", "道里区中央大街尽头", 45.7800, 126.6186,
                 "Sa,Su", "10:00", "16:00"),
    )),
    MobileRoute(2, "道里区流动工会驿站·暖心巴士2号", "230102019", "bus", (
        StopPlan("群力外滩", "道里区群力第五大道北端", 45.7590, 126.5440,
                 "Mo-Fr", "10:30", "13:30"),
        StopPlan("哈尔滨西站北广场", "道里区哈尔滨西站北广场", 45.7107, 126.5775,
                 "Mo-Fr", "16:00", "20:00"),
        StopPlan("群力音乐公园", "道里区群力第六大道", 45.7336, 126.5580,
                 "Sa,Su", "16:00", "21:00"),
    )),
    MobileRoute(3, "道里区流动工会驿站·集装箱3号", "230102013", "container", (
        StopPlan("安静街菜市场", "道里区安静街与安国街交口", 45.7668, 126.6062,
                 "Mo-Sa", "06:00", "10:00"),
        StopPlan("顾乡早市", "道里区顾乡大街", 45.7615, 126.5805,
                 "Su", "06:00", "11:00"),
    )),
    MobileRoute(4, "道里区流动工会驿站·集装箱4号", "230102002", "container", (
        StopPlan("新阳广场", "道里区新阳路与安发街交口", 45.7622, 126.6003,
                 "Mo,We,Fr", "11:00", "14:00"),
        StopPlan("安丰街外卖集散点", "道里区安丰街", 45.7641, 126.5968,
                 "Tu,Th", "11:00", "14:00"),
        StopPlan("友谊宫", "道里区友谊路", 45.7775, 126.6080,
                 "Mo-Fr", "17:30", "20:30"),
        StopPlan("斯大林公园", "道里区友谊路江畔", 45.7800, 126.6130,
                 "Sa,Su", "09:00", "17:00"),
    )),
    MobileRoute(5, "道里区流动工会驿站·夜行巴士5号", "230102008", "bus", (
        StopPlan("红专街早市", "道里区红专街", 45.7690, 126.6240,
                 "Mo-Su", "05:00", "08:00"),
        StopPlan("经纬街与地段街交口", "道里区经纬街", 45.7622, 126.6182,
                 "Mo-Su", "20:00", "24:00"),
    )),
)  # fmt: skip

# Smart stations: which street and road.
SMART_SITES: tuple[tuple[str, str], ...] = (
    ("230102001", "中央大街"),
    ("230102019", "群力大道"),
    ("230102008", "尚志大街"),
    ("230102006", "城乡路"),
)


# ---------------------------------------------------------------------------
# The plan (pure)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class Event:
    """One thing that happened to a station, at ``at`` ∈ [0, 1) of the history span.

    kind: "create" (the first record), "edit" (``changes`` applied to the record; an
    amenity change is ``amenity`` → an AmenityEntry to add or replace), "status" (``status``
    with ``reason``) or "verify" (checked on that day)."""

    at: float
    kind: str
    by: str
    reason: str = ""
    status: str = ""
    changes: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class StationPlan:
    code: str
    initial: Mapping[str, Any]
    events: tuple[Event, ...]

    def record_at_end(self, verified_on: Mapping[float, dt.date]) -> dict[str, Any]:
        """The record after every event (verifications dated by ``verified_on``)."""
        record = dict(self.initial)
        for event in self.events:
            record = apply_event(record, event, verified_on.get(event.at))
        return record


def apply_event(record: Mapping[str, Any], event: Event, day: dt.date | None) -> dict[str, Any]:
    """The raw record after ``event`` (pure; what the services are asked to write)."""
    out = dict(record)
    if event.kind == "edit":
        for key, value in event.changes:
            if key == "amenity":
                others = [a for a in out["amenities"] if a.code != value.code]
                out["amenities"] = tuple(sorted([*others, value], key=lambda a: a.code))
            else:
                out[key] = value
    elif event.kind == "status":
        out["status"] = event.status
        out["status_reason"] = event.reason
    elif event.kind == "verify":
        out["last_verified_on"] = day
    return out


def regions_from_csv(text: str) -> dict[str, RegionRow]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    out = {}
    for row in reader:
        lat, lon = (row.get("lat") or "").strip(), (row.get("lon") or "").strip()
        out[row["code"]] = RegionRow(
            row["code"], row["name"], float(lat) if lat else None, float(lon) if lon else None
        )
    return out


def _scatter(rng: random.Random, lat: float, lon: float, radius_m: float) -> tuple[float, float]:
    """A point uniformly in the disc of ``radius_m`` around (lat, lon), rounded to ~0.1 m."""
    r = radius_m * math.sqrt(rng.random())
    theta = rng.uniform(0, 2 * math.pi)
    dlat = r * math.cos(theta) / 111_320
    dlon = r * math.sin(theta) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


class _Phones:
    """Distinct fake numbers in the 138-0000-xxxx block (0001–0099 kept for officers)."""

    def __init__(self, rng: random.Random) -> None:
        self._numbers = iter(rng.sample(range(100, 10_000), 400))

    def next(self) -> str:
        return f"138-0000-{next(self._numbers):04d}"


def _staff(rng: random.Random, phones: _Phones) -> tuple[StaffEntry, ...]:
    return (
        StaffEntry(StaffRole.MASTER, _person(rng), phones.next()),
        StaffEntry(StaffRole.ADMINISTRATOR, _person(rng), phones.next()),
    )


def _star(rng: random.Random) -> int:
    return rng.choices(list(STAR_WEIGHTS), weights=list(STAR_WEIGHTS.values()))[0]


def _amenities(rng: random.Random, codes: Iterable[str] | None = None) -> list[str]:
    if codes is not None:
        return sorted(codes)
    picked = [code for code, odds in AMENITY_ODDS.items() if rng.random() < odds]
    return sorted(set(picked) | {"seats"})


def _services(rng: random.Random) -> tuple[str, ...]:
    return tuple(sorted(code for code, odds in SERVICE_ODDS.items() if rng.random() < odds))


def combine_hours(windows: Sequence[tuple[str, str, str]]) -> str:
    """One opening_hours rule covering every (days, start, end) window.

    Days with the same ranges are grouped, so that no rule overrides another:

    >>> combine_hours([("Mo-Fr", "11:00", "14:00"), ("Mo,We,Fr", "17:00", "20:00"),
    ...                ("Sa,Su", "10:00", "16:00")])
    'Mo,We,Fr 11:00-14:00,17:00-20:00; Tu,Th 11:00-14:00; Sa,Su 10:00-16:00'
    """
    per_day: list[list[tuple[str, str]]] = [[] for _ in WEEKDAYS]
    for selector, start, end in windows:
        for index in _expand_days(selector):
            per_day[index].append((start, end))
    groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
    for index, day_ranges in enumerate(per_day):
        if day_ranges:
            groups.setdefault(tuple(sorted(day_ranges)), []).append(index)
    rules = []
    for ranges, weekdays in groups.items():
        spans = ",".join(f"{a}-{b}" for a, b in ranges)
        rules.append(f"{_compress_days(weekdays)} {spans}")
    return "; ".join(rules)


_WEEKDAY = {name: i for i, name in enumerate(WEEKDAYS)}


def _expand_days(selector: str) -> list[int]:
    out: list[int] = []
    for part in selector.split(","):
        first, _, last = part.strip().partition("-")
        a = _WEEKDAY[first]
        b = _WEEKDAY[last] if last else a
        out.extend(range(a, b + 1))
    return out


def _compress_days(days: Sequence[int]) -> str:
    names = WEEKDAYS
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{names[run[0]]}-{names[run[-1]]}")
        else:
            parts.extend(names[d] for d in run)
    return ",".join(parts)


def _officer_for(region_code: str) -> str:
    return "zhaolin" if region_code.startswith("230102001") else "daoli"


@dataclass
class _Life:
    """Draws the lifecycle of one station: when it was created, edits, status, checks.

    ``life`` is "rollout" (recorded, already active, when the registry went live), "built"
    (planned, then opened during the span) or "planned" (still being fitted out)."""

    rng: random.Random
    final: dict[str, Any]
    life: str
    final_status: str = StationStatus.ACTIVE
    suspend_reason: str = ""
    breakdown: AmenityEntry | None = None
    events: list[Event] = field(default_factory=list)

    def plan(self, code: str) -> StationPlan:
        rng, final = self.rng, self.final
        by = _officer_for(final["region_code"])
        initial = dict(final, last_verified_on=None, status_reason="")
        if self.life == "rollout":
            created = rng.uniform(0.0, 0.04)
            initial["status"] = StationStatus.ACTIVE
            self.events.append(Event(created, "create", "daoli", ROLLOUT_REASON))
            opened = created
        elif self.life == "built":
            created = rng.uniform(0.08, 0.6)
            opened = created + rng.uniform(0.02, 0.08)
            initial["status"] = StationStatus.PLANNED
            initial["status_reason"] = PLANNED_REASON
            self.events.append(Event(created, "create", "daoli"))
            reason = (
                SMART_ACTIVATE_REASON if final["kind"] == StationKind.SMART else ACTIVATE_REASON
            )
            self.events.append(Event(opened, "status", "daoli", reason, StationStatus.ACTIVE))
        else:  # planned
            created = rng.uniform(0.7, 0.95)
            initial["status"] = StationStatus.PLANNED
            initial["status_reason"] = PLANNED_REASON
            initial["star_level"] = None
            self.events.append(Event(created, "create", "daoli"))
            return self._done(code, initial)

        ends = 0.98
        if self.final_status == StationStatus.SUSPENDED:
            at = rng.uniform(0.88, 0.96)
            self.events.append(
                Event(at, "status", by, self.suspend_reason, StationStatus.SUSPENDED)
            )
            ends = at
        elif self.final_status == StationStatus.DELISTED:
            card = rng.uniform(0.72, 0.8)
            gone = rng.uniform(0.9, 0.96)
            self.events.append(
                Event(card, "status", by, YELLOW_CARD_REASON, StationStatus.SUSPENDED)
            )
            self.events.append(
                Event(gone, "status", "daoli", DELIST_REASON, StationStatus.DELISTED)
            )
            ends = card

        def when() -> float:
            return rng.uniform(opened + 0.01, ends - 0.005)

        # Star rating given at a monthly evaluation rather than at creation.
        if final["star_level"] is not None and (self.life == "built" or rng.random() < 0.5):
            initial["star_level"] = None
            self.events.append(
                Event(when(), "edit", "daoli", f"月度评价定级：{final['star_level']}星",
                      changes=(("star_level", final["star_level"]),))
            )  # fmt: skip
        # Hours widened after riders asked for evenings and weekends.
        if (
            final["kind"] == StationKind.FIXED
            and final["opening_hours"] != WORKDAY_HOURS
            and rng.random() < 0.3
        ):
            initial["opening_hours"] = WORKDAY_HOURS
            initial["keeps_workday_hours"] = True
            self.events.append(
                Event(when(), by=by, kind="edit",
                      reason="根据户外劳动者需求调整开放时间（原仅工作日白天开放）",
                      changes=(("opening_hours", final["opening_hours"]),
                               ("keeps_workday_hours", final["keeps_workday_hours"])))
            )  # fmt: skip
        amenities = {a.code: a for a in final["amenities"]}
        if self.breakdown is not None:
            working = replace(self.breakdown, state=AmenityState.WORKING, reason="")
            amenities[working.code] = working
            self.events.append(
                Event(when(), "edit", by, f"设施故障登记：{self.breakdown.reason}",
                      changes=(("amenity", self.breakdown),))
            )  # fmt: skip
        addable = sorted(
            code
            for code, entry in amenities.items()
            if code in ADDABLE and entry.state == AmenityState.WORKING
        )
        if addable and rng.random() < 0.3:
            added = rng.choice(addable)
            entry = amenities.pop(added)
            self.events.append(
                Event(when(), "edit", by, f"新增设施：{ADDABLE[added]}",
                      changes=(("amenity", entry),))
            )  # fmt: skip
        initial["amenities"] = tuple(sorted(amenities.values(), key=lambda a: a.code))
        if rng.random() < 0.15:
            staff = list(final["staff"])
            before = _person(rng)
            while before == staff[1].name:
                before = _person(rng)
            initial["staff"] = (staff[0], replace(staff[1], name=before))
            self.events.append(
                Event(when(), "edit", "daoli", "管理员调整", changes=(("staff", final["staff"]),))
            )
        # Checked against reality once or twice; the last check is the record's date.
        for _ in range(rng.choice((1, 1, 2))):
            self.events.append(Event(when(), "verify", by))
        return self._done(code, initial)

    def _done(self, code: str, initial: dict[str, Any]) -> StationPlan:
        events = tuple(sorted(self.events, key=lambda e: e.at))
        return StationPlan(code=code, initial=initial, events=events)


def demo_plan(*, seed: int, regions: Mapping[str, RegionRow]) -> list[StationPlan]:
    """Every station of the demo city and its history, drawn from ``seed`` alone."""
    rng = random.Random(seed)
    phones = _Phones(rng)
    finals: list[tuple[dict[str, Any], str]] = []  # (final record, life)

    # Fixed stations, numbered street by street.
    hours_deck = [t for t in FIXED_HOURS for _ in range(t.count)]
    fixed_total = sum(FIXED_PER_REGION.values())
    if len(hours_deck) != fixed_total:
        raise ValueError("FIXED_HOURS must cover every fixed station exactly once")
    rng.shuffle(hours_deck)
    number = 0
    for region_code, count in FIXED_PER_REGION.items():
        region = regions[region_code]
        assert region.lat is not None and region.lon is not None, region_code
        roads = list(ROADS[region_code])
        chosen = rng.sample(roads, count) if count <= len(roads) else rng.choices(roads, k=count)
        town = region.name if region.name.endswith("镇") else ""
        seen: Counter[str] = Counter()
        for road in chosen:
            number += 1
            seen[road] += 1
            template = hours_deck[number - 1]
            lat, lon = _scatter(rng, region.lat, region.lon, SCATTER_RADIUS_M)
            suffix = "" if seen[road] == 1 else f"{seen[road]}号"
            staff = _staff(rng, phones)
            area = round(rng.triangular(15, 120, 40))
            finals.append(
                (
                    {
                        "code": f"{CODE_PREFIX}-F{number:03d}",
                        "name": f"{region.name}{road}工会驿站{suffix}",
                        "kind": StationKind.FIXED,
                        "region_code": region_code,
                        "address": f"道里区{town}{road}{rng.randint(1, 280)}号",
                        "lat": lat,
                        "lon": lon,
                        "opening_hours": template.rule,
                        "keeps_workday_hours": template.workday,
                        "amenities": _amenities(rng),
                        "services": _services(rng),
                        "floor_area_m2": area,
                        "capacity": max(4, min(40, area // 4 + rng.randint(-2, 3))),
                        "star_level": _star(rng),
                        "feature": rng.choice(FEATURES),
                        "phone": staff[1].phone,
                        "staff": staff,
                    },
                    "rollout" if rng.random() < 0.75 else "built",
                )
            )

    # Mobile stations: a bus or a container, standing at each stop in turn.
    for route in MOBILE_ROUTES:
        staff = _staff(rng, phones)
        first = route.stops[0]
        finals.append(
            (
                {
                    "code": f"{CODE_PREFIX}-M{route.number:02d}",
                    "name": route.name,
                    "kind": StationKind.MOBILE,
                    "region_code": route.region_code,
                    "address": f"{first.address}（流动停靠，见时刻表）",
                    "lat": first.lat,
                    "lon": first.lon,
                    "opening_hours": combine_hours([(s.days, s.start, s.end) for s in route.stops]),
                    "keeps_workday_hours": False,
                    "amenities": _amenities(rng, MOBILE_AMENITIES),
                    "services": tuple(sorted({"union_membership", *_services(rng)})),
                    "floor_area_m2": rng.randint(18, 30) if route.vehicle == "bus" else 15,
                    "capacity": rng.randint(8, 12) if route.vehicle == "bus" else 6,
                    "star_level": _star(rng),
                    "feature": (
                        "公交车改造的流动驿站，按时刻表开到骑手和环卫工人最多的地方"
                        if route.vehicle == "bus"
                        else "可吊装移动的集装箱驿站，随早市和午间送餐高峰换点"
                    ),
                    "phone": staff[1].phone,
                    "staff": staff,
                    "stops": tuple(
                        StopEntry(s.place_name, s.lat, s.lon, s.hours, s.address)
                        for s in route.stops
                    ),
                },
                "rollout" if route.number <= 3 else "built",
            )
        )

    # Smart stations: unmanned, 24/7, door opened by face or QR.
    for number, (region_code, road) in enumerate(SMART_SITES, start=1):
        region = regions[region_code]
        assert region.lat is not None and region.lon is not None, region_code
        lat, lon = _scatter(rng, region.lat, region.lon, SCATTER_RADIUS_M)
        staff = _staff(rng, phones)
        area = rng.randint(15, 30)
        finals.append(
            (
                {
                    "code": f"{CODE_PREFIX}-S{number:02d}",
                    "name": f"{region.name}{road}24小时智能工会驿站",
                    "kind": StationKind.SMART,
                    "region_code": region_code,
                    "address": f"道里区{road}{rng.randint(1, 280)}号",
                    "lat": lat,
                    "lon": lon,
                    "opening_hours": "24/7",
                    "keeps_workday_hours": False,
                    "amenities": _amenities(rng, SMART_AMENITIES),
                    "services": ("union_membership",),
                    "floor_area_m2": area,
                    "capacity": area // 3,
                    "star_level": rng.choice((3, 4, 4, 5)),
                    "feature": "刷脸或扫码开门，24小时无人值守，智能柜可预约领取爱心物资",
                    "phone": staff[1].phone,
                    "staff": staff,
                },
                "built",
            )
        )

    # Who is not simply active: two suspended, one delisted, two still planned.
    fixed_indexes = [i for i, (rec, _) in enumerate(finals) if rec["kind"] == StationKind.FIXED]
    odd = rng.sample(fixed_indexes, 5)
    fate: dict[int, str] = {
        odd[0]: StationStatus.SUSPENDED,
        odd[1]: StationStatus.SUSPENDED,
        odd[2]: StationStatus.DELISTED,
        odd[3]: StationStatus.PLANNED,
        odd[4]: StationStatus.PLANNED,
    }
    # A few amenities out of order; the first one is always the broken water heater.
    candidates = [i for i in range(len(finals)) if fate.get(i) is None]
    broken_at = rng.sample(candidates, 6)
    broken: dict[int, AmenityEntry] = {}
    for n, index in enumerate(broken_at):
        have = [c for c in finals[index][0]["amenities"] if c in BREAKDOWNS]
        code = "hot_water" if n == 0 and "hot_water" in have else (rng.choice(have) if have else "")
        if code:
            broken[index] = AmenityEntry(code, AmenityState.OUT_OF_ORDER, BREAKDOWNS[code])

    plans: list[StationPlan] = []
    for index, (record, life) in enumerate(finals):
        status = fate.get(index, StationStatus.ACTIVE)
        entries = [AmenityEntry(code) for code in record["amenities"]]
        if index in broken:
            entries = [broken[index] if e.code == broken[index].code else e for e in entries]
        record = {
            **record,
            "amenities": tuple(entries),
            "status": StationStatus.ACTIVE,
            "status_reason": "",
            "last_verified_on": None,
            "stops": record.get("stops"),
        }
        if status == StationStatus.PLANNED:
            life = "planned"
            record["star_level"] = None
        elif status in (StationStatus.SUSPENDED, StationStatus.DELISTED):
            life = "rollout"
        suspend_reason = SUSPEND_REASONS[odd.index(index)] if index in odd[:2] else ""
        plans.append(
            _Life(
                rng,
                record,
                life,
                final_status=status,
                suspend_reason=suspend_reason,
                breakdown=broken.get(index),
            ).plan(record["code"])
        )
    return plans


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    region_code: str
    region_name: str


@dataclass(frozen=True)
class DemoResult:
    created: int
    updated: int
    unchanged: int
    changes: int
    kinds: dict[str, int]
    statuses: dict[str, int]
    stops: int
    history_from: dt.datetime | None
    accounts: tuple[DemoAccount, ...]
    seconds: float


# username, role shown, region code (None: national), last name, first name, phone
DEMO_ACCOUNTS: tuple[tuple[str, str, str | None, str, str, str], ...] = (
    ("admin", "superuser 超级管理员", None, "", "", ""),
    ("haerbin", "city officer 市总工会干部", "2301", "陈", "建国", "138-0000-0003"),
    ("daoli", "district officer 区总工会干部", "230102", "王", "立新", "138-0000-0001"),
    ("zhaolin", "street officer 街道工会干部", "230102001", "赵", "春梅", "138-0000-0002"),
)


def _evaluated_ids(stations: Iterable[Station]) -> set[int]:
    """Stations the monthly evaluation has judged (their stars are its to move)."""
    from django.apps import apps

    if not apps.is_installed("yizhan.evaluation"):
        return set()
    scores = apps.get_model("evaluation", "StationScore").objects
    return set(
        scores.filter(station__in=list(stations)).values_list("station_id", flat=True).distinct()
    )


def history_days(today: dt.date, *, at_least: int) -> int:
    """Days of recent history a demo app writes: ``at_least``, or back to the first of
    last month when that is longer (the monthly evaluation of last month needs all of it).

    >>> history_days(dt.date(2026, 12, 4), at_least=30)
    33
    >>> history_days(dt.date(2026, 12, 28), at_least=30)
    57
    """
    first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return max(at_least, (today - first).days)


class _Clock:
    """Maps a fraction of the history span to a moment in office hours, keeping order:
    day = floor(x), time of day = 08:30 + (x - day) × 9.5 h, with x = at × span_days."""

    def __init__(self, now: dt.datetime, months: int) -> None:
        self.days = 30 * months
        self.start = timezone.localdate(now) - dt.timedelta(days=self.days)
        self.tz = timezone.get_current_timezone()

    def __call__(self, at: float) -> dt.datetime:
        x = at * self.days
        day = self.start + dt.timedelta(days=math.floor(x))
        offset = dt.timedelta(hours=8.5 + (x - math.floor(x)) * 9.5)
        moment = dt.datetime.combine(day, dt.time()) + offset
        return moment.replace(microsecond=0, tzinfo=self.tz)


def demo_city_generate(
    *,
    seed: int = DEFAULT_SEED,
    months: int = DEFAULT_MONTHS,
    password: str | None = None,
    saved_passwords: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> DemoResult:
    """Import Daoli's regions, create the demo accounts and write the demo city with its
    history. All or nothing; safe to run again (existing stations keep their codes and
    get no new history unless their record was changed since).

    ``password`` gives every account that password (``YIZHAN_DEMO_PASSWORD``); otherwise
    each account gets its ``saved_passwords`` entry (the credentials file of an earlier
    run) or a new random one.
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    started = time.perf_counter()
    now = now or timezone.now()
    clock = _Clock(now, months)
    csv_text = REGIONS_CSV.read_text(encoding="utf-8")
    plans = demo_plan(seed=seed, regions=regions_from_csv(csv_text))
    saved = saved_passwords or {}
    outcomes: Counter[str] = Counter()
    with transaction.atomic():
        regions_import_csv(text=csv_text)
        landmarks_ensure()
        accounts, users = _accounts_ensure(password=password, saved=saved)
        catalogue = Catalogue.load()
        changes_before = StationChange.objects.count()
        existing = {s.code: s for s in Station.objects.filter(code__in=[p.code for p in plans])}
        judged = _evaluated_ids(existing.values())
        backdated: list[StationChange] = []
        for plan in plans:
            station = existing.get(plan.code)
            if station is None:
                backdated.extend(_write_history(plan, clock, users, catalogue))
                outcomes["created"] += 1
            else:
                dates = {e.at: timezone.localdate(clock(e.at)) for e in plan.events}
                record = plan.record_at_end(dates)
                # Verification dates follow the day the demo first ran; keep them. Star
                # levels follow the monthly evaluation once it has judged the station.
                record["last_verified_on"] = station.last_verified_on
                if station.pk in judged:
                    record["star_level"] = station.star_level
                data = station_data_clean(record, catalogue=catalogue, scope=NATIONAL)
                _station, outcome = station_upsert(
                    data=data,
                    user=users["daoli"],
                    catalogue=catalogue,
                    scope=NATIONAL,
                    reason="演示数据重置",
                )
                outcomes[outcome] += 1
        StationChange.objects.bulk_update(backdated, ["changed_at"], batch_size=500)
        codes = [p.code for p in plans]
        _closures_ensure(codes=codes, now=now, user=users["daoli"])
        demo = Station.objects.filter(code__in=codes)
        result = DemoResult(
            created=outcomes["created"],
            updated=outcomes["updated"],
            unchanged=outcomes["unchanged"],
            changes=StationChange.objects.count() - changes_before,
            kinds=dict(Counter(demo.values_list("kind", flat=True))),
            statuses=dict(Counter(demo.values_list("status", flat=True))),
            stops=MobileStop.objects.filter(station__code__in=codes).count(),
            history_from=StationChange.objects.filter(station__code__in=codes)
            .order_by("changed_at")
            .values_list("changed_at", flat=True)
            .first(),
            accounts=accounts,
            seconds=0.0,
        )
    return replace(result, seconds=round(time.perf_counter() - started, 2))


# (code, reason, source, starts − now, length): a repair on a fixed station and a smart
# station whose door controller went offline — both must show as closed in the finder.
DEMO_CLOSURES = (
    (
        "HRB-DL-F012",
        "水管维修，暂停开放",
        ClosureSource.STAFF,
        dt.timedelta(hours=-20),
        dt.timedelta(days=3),
    ),
    (
        "HRB-DL-S04",
        "门禁设备离线，暂停开放",
        ClosureSource.DEVICE,
        dt.timedelta(hours=-2),
        dt.timedelta(hours=30),
    ),
)


def _closures_ensure(*, codes: Sequence[str], now: dt.datetime, user: Any) -> None:
    """Give the demo its temporary closures, once (a station that has any keeps them)."""
    if StationClosure.objects.filter(station__code__in=codes).exists():
        return
    stations = {s.code: s for s in Station.objects.filter(code__in=[c[0] for c in DEMO_CLOSURES])}
    for code, reason, source, offset, length in DEMO_CLOSURES:
        if code in stations:
            StationClosure.objects.create(
                station=stations[code],
                starts_at=now + offset,
                ends_at=now + offset + length,
                reason=reason,
                source=source,
                created_by=user,
            )


def _accounts_ensure(
    *, password: str | None, saved: Mapping[str, str]
) -> tuple[tuple[DemoAccount, ...], dict[str, User]]:
    accounts: list[DemoAccount] = []
    users: dict[str, User] = {}
    for username, role, region_code, last_name, first_name, phone in DEMO_ACCOUNTS:
        chosen = password or saved.get(username) or secrets.token_urlsafe(9)
        if region_code is None:
            user = superuser_ensure(username=username, password=chosen)
            region_name = "全国 national"
        else:
            region = Region.objects.get(code=region_code)
            user = officer_create(
                username=username,
                password=chosen,
                region=region,
                first_name=first_name,
                last_name=last_name,
                phone=phone,
            )
            region_name = region.name
        users[username] = user
        accounts.append(DemoAccount(username, chosen, role, region_code or "", region_name))
    return tuple(accounts), users


def _write_history(
    plan: StationPlan, clock: _Clock, users: Mapping[str, User], catalogue: Catalogue
) -> list[StationChange]:
    """Write one new station event by event through the services; return its change rows
    with ``changed_at`` moved to when each event happened (saved by the caller)."""
    record: dict[str, Any] = dict(plan.initial)
    station: Station | None = None
    times: list[dt.datetime] = []
    status_at: dt.datetime | None = None
    for event in plan.events:
        at = clock(event.at)
        user = users[event.by]
        record = apply_event(record, event, timezone.localdate(at))
        if event.kind in ("create", "edit"):
            data = station_data_clean(record, catalogue=catalogue, scope=NATIONAL)
            station, _outcome = station_upsert(
                data=data,
                user=user,
                catalogue=catalogue,
                scope=NATIONAL,
                reason=event.reason,
                now=at,
            )
            if event.kind == "create":
                status_at = at
        elif event.kind == "status":
            assert station is not None
            station = station_status_set(
                station=station,
                status=event.status,
                reason=event.reason,
                user=user,
                scope=NATIONAL,
                now=at,
            )
            status_at = at
        elif event.kind == "verify":
            assert station is not None
            station_verify(
                station=station, user=user, scope=NATIONAL, on=timezone.localdate(at), now=at
            )
        times.append(at)
    assert station is not None
    Station.objects.filter(pk=station.pk).update(created_at=times[0], status_changed_at=status_at)
    ids = list(
        StationChange.objects.filter(station=station).order_by("id").values_list("id", flat=True)
    )
    if len(ids) != len(times):  # an edit found nothing to change: the plan is wrong
        raise RuntimeError(f"{plan.code}: {len(times)} events but {len(ids)} history rows")
    return [StationChange(id=pk, changed_at=at) for pk, at in zip(ids, times, strict=True)]


# ---------------------------------------------------------------------------
# The credentials file and the block printed after a run
# ---------------------------------------------------------------------------

RULE = "=" * 72


def credentials_block(accounts: Sequence[DemoAccount], url: str) -> str:
    lines = [
        RULE,
        f" Yizhan 驿站 demo — sign in at {url}",
        " 演示账户，仅供本机演示使用 / local demo accounts only",
        "-" * 72,
        f" {'username':<10} {'password':<16} role and region",
    ]
    for account in accounts:
        scope = account.region_name + (f" ({account.region_code})" if account.region_code else "")
        lines.append(f" {account.username:<10} {account.password:<16} {account.role} · {scope}")
    lines.append(RULE)
    return "\n".join(lines) + "\n"


def credentials_write(path: Path, accounts: Sequence[DemoAccount], url: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(credentials_block(accounts, url), encoding="utf-8")
    path.chmod(0o600)


_ROW = re.compile(r"^ (\S+)\s+(\S+)\s+\S")


def credentials_read(path: Path, extra: Sequence[str] = ()) -> dict[str, str]:
    """username → password from a file written by :func:`credentials_write` ({} if none),
    for the registry's accounts and the ``extra`` usernames other apps' demos add."""
    if not path.is_file():
        return {}
    known = {a[0] for a in DEMO_ACCOUNTS} | set(extra)
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match and match.group(1) in known:
            out[match.group(1)] = match.group(2)
    return out


def stations_exist() -> bool:
    return Station.objects.exists()
