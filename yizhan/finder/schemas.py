"""API shapes of the worker finder."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class CardAmenityOut(Schema):
    code: str
    name: str
    working: bool
    reason: str = ""
    expected_fix_on: dt.date | None = None


class CardServiceOut(Schema):
    code: str
    name: str


class DirectionsOut(Schema):
    amap: str = Field(description="Amap navigation (GCJ-02, e-bike mode)")
    baidu: str = Field(description="Baidu Maps marker page (BD-09)")
    geo: str = Field(description="geo: URI (WGS-84) for any map app")


class CardOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    address: str
    region: str
    crs: str
    lat: float = Field(description="Where it is at the time asked (a mobile station's stop)")
    lon: float
    distance_m: int = Field(
        description="Straight line from the origin (off-route distance on a route)"
    )
    walk_min: int = Field(description="Minutes on foot at 4.5 km/h, straight line × 1.3")
    ebike_min: int = Field(description="Minutes by e-bike at 15 km/h, straight line × 1.3")
    along_m: int | None = Field(None, description="Along-route only: metres from the start")
    hours_known: bool = Field(description="False when the station's opening hours cannot be read")
    open_now: bool | None = Field(description="Open at the time asked (null: hours unknown)")
    open_until: dt.datetime | None
    opens_at: dt.datetime | None
    state: str = Field(description="open / closed / unknown")
    state_label: str
    closed_reason: str = Field(description="Reason of a temporary closure in force, if any")
    always_open: bool
    opening_hours: str
    star_level: int | None
    amenities: list[CardAmenityOut]
    services: list[CardServiceOut]
    seasonal: str | None = Field(description="summer (送清凉) / winter (送温暖) / null")
    seasonal_label: str
    free_supplies: bool = Field(
        False, description="Its lockers hand out free supplies (免费物资): see what is in stock"
    )
    rating: float | None = Field(
        description="Workers' weighted average stars over 90 days (null: not rated yet)"
    )
    rating_count: int = Field(0, description="How many ratings the average is over")
    last_verified_on: dt.date | None
    stop: str | None = Field(description="Mobile station: the stop it stands at")
    url: str
    directions: DirectionsOut


class OriginOut(Schema):
    lat: float
    lon: float
    crs: str


class NearbyOut(Schema):
    at: dt.datetime
    origin: OriginOut
    count: int
    items: list[CardOut]


class RouteIn(Schema):
    route: list[list[float]] | dict | str = Field(
        description="[[lon, lat], ...], a GeoJSON LineString/Feature, or 'lon,lat;lon,lat'",
        examples=[[[126.585, 45.768], [126.645, 45.775]]],
    )
    crs: str = "wgs84"
    at: dt.datetime | None = None
    max_off_m: float = 500
    speed: str = Field("ebike", description="walk or ebike: sets the arrival time at each station")
    open_now: bool = False
    always_open: bool = False
    amenity: list[str] = []
    service: list[str] = []
    kind: list[str] = []
    free_supplies: bool = False


class RouteQuery(Schema):
    route: str = Field(
        description="lon,lat;lon,lat;... (at least two points)",
        examples=["126.585,45.768;126.645,45.775"],
    )
    crs: str = "wgs84"
    at: dt.datetime | None = None
    max_off_m: float = 500
    speed: str = "ebike"
    open_now: bool = False
    always_open: bool = False
    amenity: list[str] = []
    service: list[str] = []
    kind: list[str] = []
    free_supplies: bool = False


class RouteOut(Schema):
    at: dt.datetime
    length_m: int
    count: int
    items: list[CardOut]


class DayOut(Schema):
    date: dt.date
    weekday: str
    intervals: list[str] = Field(description="HH:MM–HH:MM, local time")
    holiday: str
    makeup_workday: bool
    closed_by: str
    closed_until: str = Field("", description="HH:MM when the closure ends that day")


class StationDetailOut(CardOut):
    feature: str
    phone: str
    floor_area_m2: int | None
    capacity: int | None
    photos: list[str]
    staff: list[dict[str, str]] = Field(description="Role and name of the people in charge")
    week: list[DayOut] | None = Field(description="The coming 7 days; null when hours unknown")
    stops: list[dict[str, str | float]]


class PlaceOut(Schema):
    label: str
    detail: str = Field(description="Address, region or district, when known")
    lat: float
    lon: float
    kind: str = Field(description="landmark, station, stop, region or geocoder")


class NearbyQuery(Schema):
    lat: float | None = Field(None, description="Latitude", examples=[45.7733])
    lon: float | None = Field(None, description="Longitude", examples=[126.6175])
    crs: str = Field("wgs84", description="wgs84 (GPS), gcj02 (Amap, Tencent) or bd09 (Baidu)")
    radius_m: float = Field(20_000, description="Search radius in metres, 10–50,000")
    limit: int = Field(10, description="How many stations, 1–50")
    open_now: bool = Field(False, description="Only stations open (and usable) at `at`")
    at: str = Field("", description="ISO time within the coming 7 days (default: now)")
    always_open: bool = Field(False, description="Only 24-hour stations")
    amenity: list[str] = Field([], description="Amenity codes that must work (all of them)")
    service: list[str] = Field([], description="Service codes (all of them)")
    kind: list[str] = Field([], description="fixed / mobile / smart (any of them)")
    free_supplies: bool = Field(
        False, description="Only stations whose lockers hand out free supplies (免费物资)"
    )
