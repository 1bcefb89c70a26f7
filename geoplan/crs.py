r"""Coordinate systems used by Chinese map apps: WGS-84, GCJ-02 and BD-09.

Yizhan stores WGS-84 (what GPS and OpenStreetMap use). Amap, Tencent and most phones
showing Chinese maps use GCJ-02, the obfuscated datum of GB 20263; Baidu uses BD-09,
a further rotation of GCJ-02. The forward transform WGS-84 → GCJ-02 is the published
Krasovsky-ellipsoid offset:

.. math::

    \Delta\varphi = \frac{180\, T_\varphi(x, y)}{\frac{a(1-e^2)}{W^3}\pi}, \qquad
    \Delta\lambda = \frac{180\, T_\lambda(x, y)}{\frac{a}{W}\cos\varphi\,\pi}

with :math:`x = \lambda - 105`, :math:`y = \varphi - 35`, :math:`W = \sqrt{1 - e^2
\sin^2\varphi}` and :math:`T_\varphi, T_\lambda` the trigonometric series below. It has no
closed-form inverse; ``gcj02_to_wgs84`` solves it by fixed-point iteration to below
1e-9 degrees (about 0.1 mm). BD-09 is :math:`z = \sqrt{x^2+y^2} + 2\cdot10^{-5}\sin(y\pi')`,
:math:`\theta = \operatorname{atan2}(y, x) + 3\cdot10^{-6}\cos(x\pi')` shifted by
(0.0065, 0.006), with :math:`\pi' = 3000\pi/180`; its inverse is again refined by
iteration, since the published closed form is off by up to 2e-6 degrees.

Outside mainland China the offset is not applied (as the map apps do).

Every function takes longitudes and latitudes in degrees, as floats or numpy arrays, and
returns ``(lon, lat)`` of the same shape.

>>> lon, lat = wgs84_to_gcj02(116.404, 39.915)
>>> round(float(lon), 6), round(float(lat), 6)
(116.410244, 39.916404)
>>> back = gcj02_to_wgs84(lon, lat)
>>> round(float(back[0]), 9), round(float(back[1]), 9)
(116.404, 39.915)
"""

from __future__ import annotations

from enum import StrEnum
from typing import overload

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0


class CRS(StrEnum):
    """The coordinate systems Yizhan accepts and emits."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def out_of_china(lon: float | FloatArray, lat: float | FloatArray) -> bool | NDArray[np.bool_]:
    """True where a point lies outside the rough bounding box of mainland China.

    This is the box the map apps use to decide whether to apply the GCJ-02 offset.

    >>> bool(out_of_china(126.617, 45.773)), bool(out_of_china(2.35, 48.85))
    (False, True)
    """
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    result = (lon_a < 72.004) | (lon_a > 137.8347) | (lat_a < 0.8293) | (lat_a > 55.8271)
    return bool(result) if result.ndim == 0 else result


def _transform_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = np.asarray(out_of_china(lon, lat))
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def _pack(
    lon: FloatArray, lat: FloatArray, scalar: bool
) -> tuple[float, float] | tuple[FloatArray, FloatArray]:
    if scalar:
        return float(lon), float(lat)
    return lon, lat


@overload
def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]: ...
def wgs84_to_gcj02(lon, lat):  # type: ignore[no-untyped-def]
    """WGS-84 → GCJ-02 (Amap, Tencent)."""
    scalar = np.ndim(lon) == 0
    lon_a, lat_a = np.asarray(lon, np.float64), np.asarray(lat, np.float64)
    dlon, dlat = _gcj_offset(lon_a, lat_a)
    return _pack(lon_a + dlon, lat_a + dlat, scalar)


@overload
def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_wgs84(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]: ...
def gcj02_to_wgs84(lon, lat):  # type: ignore[no-untyped-def]
    """GCJ-02 → WGS-84 by fixed-point iteration on the forward transform (error < 1e-9°)."""
    scalar = np.ndim(lon) == 0
    glon, glat = np.asarray(lon, np.float64), np.asarray(lat, np.float64)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(30):
        dlon, dlat = _gcj_offset(wlon, wlat)
        err_lon = wlon + dlon - glon
        err_lat = wlat + dlat - glat
        wlon = wlon - err_lon
        wlat = wlat - err_lat
        if np.all(np.abs(err_lon) < 1e-10) and np.all(np.abs(err_lat) < 1e-10):
            break
    return _pack(wlon, wlat, scalar)


@overload
def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_bd09(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]: ...
def gcj02_to_bd09(lon, lat):  # type: ignore[no-untyped-def]
    """GCJ-02 → BD-09 (Baidu)."""
    scalar = np.ndim(lon) == 0
    x, y = np.asarray(lon, np.float64), np.asarray(lat, np.float64)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return _pack(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006, scalar)


@overload
def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]: ...
def bd09_to_gcj02(lon, lat):  # type: ignore[no-untyped-def]
    """BD-09 → GCJ-02: the published closed-form inverse (error up to 2e-6°), refined by
    fixed-point iteration on ``gcj02_to_bd09`` to below 1e-10°."""
    scalar = np.ndim(lon) == 0
    blon, blat = np.asarray(lon, np.float64), np.asarray(lat, np.float64)
    x, y = blon - 0.0065, blat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    glon, glat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(10):
        flon, flat = gcj02_to_bd09(glon, glat)
        err_lon, err_lat = flon - blon, flat - blat
        glon, glat = glon - err_lon, glat - err_lat
        if np.all(np.abs(err_lon) < 1e-11) and np.all(np.abs(err_lat) < 1e-11):
            break
    return _pack(glon, glat, scalar)


def to_wgs84(lon: float, lat: float, crs: CRS | str) -> tuple[float, float]:
    """Convert one point given in ``crs`` to WGS-84.

    >>> to_wgs84(126.617, 45.773, "wgs84")
    (126.617, 45.773)
    """
    crs = CRS(crs)
    if crs is CRS.WGS84:
        return float(lon), float(lat)
    if crs is CRS.BD09:
        lon, lat = bd09_to_gcj02(float(lon), float(lat))
    return gcj02_to_wgs84(float(lon), float(lat))


def from_wgs84(lon: float, lat: float, crs: CRS | str) -> tuple[float, float]:
    """Convert one WGS-84 point to ``crs`` (for Amap, Baidu or a phone's map)."""
    crs = CRS(crs)
    if crs is CRS.WGS84:
        return float(lon), float(lat)
    glon, glat = wgs84_to_gcj02(float(lon), float(lat))
    if crs is CRS.GCJ02:
        return glon, glat
    return gcj02_to_bd09(glon, glat)
