"""The demo city's well-known places: railway stations, the airport, squares, sights and
hospitals a rider in Harbin types as a start or an end ("哈尔滨站"), so that the finder
answers them without an outside geocoder's key.

Coordinates are WGS-84, rounded, and good to a hundred metres or so: enough to start a
route from, not a survey. The railway stations and the airport lie outside Daoli (the
demo's district) and hang off the city (2301)."""

from __future__ import annotations

from yizhan.regions.models import LandmarkKind
from yizhan.regions.services import LandmarkEntry, landmarks_upsert

CITY, DAOLI = "2301", "230102"

DEMO_LANDMARKS = (
    LandmarkEntry(
        CITY,
        "哈尔滨站",
        45.7608,
        126.6317,
        LandmarkKind.RAILWAY,
        "Harbin Railway Station",
        "哈尔滨火车站,哈站",
        "南岗区铁路街1号",
    ),
    LandmarkEntry(
        CITY,
        "哈尔滨西站",
        45.7098,
        126.5795,
        LandmarkKind.RAILWAY,
        "Harbin West Railway Station",
        "哈西站,哈尔滨西火车站",
        "南岗区哈西大街",
    ),
    LandmarkEntry(
        "230102101",
        "哈尔滨太平国际机场",
        45.6234,
        126.2503,
        LandmarkKind.AIRPORT,
        "Harbin Taiping International Airport",
        "太平机场,哈尔滨机场",
        "道里区太平镇",
    ),
    LandmarkEntry(
        DAOLI,
        "中央大街",
        45.7733,
        126.6175,
        LandmarkKind.SQUARE,
        "Central Street",
        "中央大街步行街",
        "道里区中央大街",
    ),
    LandmarkEntry(
        DAOLI,
        "防洪纪念塔",
        45.7790,
        126.6183,
        LandmarkKind.PARK,
        "Flood Control Monument",
        "防洪胜利纪念塔,防洪纪念塔广场",
        "道里区斯大林公园",
    ),
    LandmarkEntry(
        "230102001",
        "索菲亚教堂",
        45.7717,
        126.6262,
        LandmarkKind.PARK,
        "Saint Sophia Cathedral",
        "圣索菲亚大教堂,索菲亚广场",
        "道里区透笼街88号",
    ),
    LandmarkEntry(
        DAOLI,
        "斯大林公园",
        45.7812,
        126.6160,
        LandmarkKind.PARK,
        "Stalin Park",
        "",
        "道里区友谊路",
    ),
    LandmarkEntry(
        DAOLI,
        "哈尔滨市第一医院",
        45.7691,
        126.6238,
        LandmarkKind.HOSPITAL,
        "Harbin First Hospital",
        "市一院,哈市一院",
        "道里区地段街151号",
    ),
    LandmarkEntry(
        DAOLI,
        "哈尔滨市儿童医院",
        45.7660,
        126.6069,
        LandmarkKind.HOSPITAL,
        "Harbin Children's Hospital",
        "市儿童医院",
        "道里区友谊路57号",
    ),
    LandmarkEntry(
        DAOLI,
        "道里菜市场",
        45.7696,
        126.6139,
        LandmarkKind.MARKET,
        "Daoli Market",
        "道里菜市",
        "道里区西十四道街",
    ),
)


def landmarks_ensure() -> tuple[int, int]:
    """Write the demo's landmarks (again): (created, updated)."""
    return landmarks_upsert(entries=DEMO_LANDMARKS)
