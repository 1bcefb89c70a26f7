"""API shapes of the station registry (the contract mini-program clients code against)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from geoplan.crs import CRS


class RegionOut(Schema):
    code: str
    name: str


class StationAmenityOut(Schema):
    code: str
    name: str
    name_en: str
    working: bool
    reason: str = ""


class ServiceOut(Schema):
    code: str
    name: str
    name_en: str


class StopOut(Schema):
    place_name: str
    address: str
    lat: float
    lon: float
    hours: str


class StaffOut(Schema):
    role: str
    name: str
    phone: str


class StationOut(Schema):
    code: str
    name: str
    # The name on Amap and Baidu (上图简称) when the full name is too long for them; "".
    short_name: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    region: RegionOut
    address: str
    crs: CRS
    lat: float
    lon: float
    opening_hours: str
    keeps_workday_hours: bool
    open_now: bool
    next_change: dt.datetime | None
    amenities: list[StationAmenityOut]
    services: list[ServiceOut]
    star_level: int | None
    feature: str
    phone: str
    floor_area_m2: int | None
    capacity: int | None
    photos: list[str]
    stops: list[StopOut]
    current_stop: StopOut | None
    last_verified_on: dt.date | None
    updated_at: dt.datetime
    # Staff names and phones: only for signed-in officers of the station's region.
    staff: list[StaffOut] | None = None


class StationPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    items: list[StationOut]


class Tombstone(Schema):
    code: str
    status: str
    at: dt.datetime


class SyncOut(Schema):
    changed: list[StationOut]
    removed: list[Tombstone]
    next_since: str | None
    has_more: bool


class ListQuery(Schema):
    region: str = ""
    kind: str = ""
    status: str = ""
    star_level: int | None = None
    q: str = ""
    crs: CRS = CRS.WGS84
    page: int = 1
    page_size: int = 50
