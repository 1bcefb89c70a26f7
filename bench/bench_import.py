"""How long officers wait for a spreadsheet: dry run and commit of an N-row file, a
re-import of the same file (all unchanged), and exports of the result.

    .venv/bin/python bench/bench_import.py            # 2,000 rows
    .venv/bin/python bench/bench_import.py --rows 20000

Runs against a throw-away SQLite database in a temporary directory (or DATABASE_URL if
set to something else on purpose with --use-database-url); never the dev database.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--use-database-url", action="store_true")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    if not args.use_database_url:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ.setdefault("YIZHAN_VAR_DIR", tmp.name)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from yizhan.accounts.selectors import Scope
    from yizhan.core.xlsx import Book
    from yizhan.regions.models import Region, RegionLevel
    from yizhan.stations.io import exports, imports
    from yizhan.stations.models import Station
    from yizhan.stations.selectors import stations_base

    parent = None
    for code, name, level in (
        ("23", "黑龙江省", RegionLevel.PROVINCE),
        ("2301", "哈尔滨市", RegionLevel.CITY),
        ("230102", "道里区", RegionLevel.DISTRICT),
    ):
        parent = Region.objects.create(code=code, name=name, level=level, parent=parent)
    streets = [
        Region.objects.create(
            code=f"230102{i:03d}", name=f"街道{i}", level=RegionLevel.STREET, parent=parent
        )
        for i in range(1, 20)
    ]
    book = Book()
    book.sheet(
        "驿站",
        [
            "驿站编号",
            "名称",
            "类型",
            "区划代码",
            "地址",
            "经度",
            "纬度",
            "开放时间",
            "按工作日开放",
            "设施",
            "服务",
            "星级",
            "站长",
            "站长电话",
        ],
        (
            [
                f"B{i:05d}",
                f"测试{i}号工会驿站",
                ("固定", "智能", "流动")[i % 3],
                streets[i % len(streets)].code,
                f"道里区测试路{i}号",
                round(126.45 + (i % 97) * 0.0031, 7),
                round(45.62 + (i // 97) * 0.0017, 7),
                ("Mo-Fr 08:00-18:00; PH off", "24/7", "Mo-Su 07:00-21:00")[i % 3],
                "是" if i % 5 == 0 else "否",
                "热水、微波炉、手机充电（故障：线缆损坏）" if i % 7 == 0 else "热水、手机充电",
                "法律援助" if i % 4 == 0 else "",
                (i % 5) + 1,
                f"站长{i}",
                f"138{i:08d}",
            ]
            for i in range(args.rows)
        ),
    )
    content = book.content()
    scope = Scope(national=True, region=None)

    def timed(label: str, func):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        result = func()
        print(f"{label:<42} {time.perf_counter() - start:7.2f} s")
        return result

    print(
        f"{args.rows} rows, {len(content) / 1024:.0f} KB XLSX; "
        f"{platform.python_version()} on {platform.machine()} {platform.system()}, "
        f"{os.cpu_count()} CPUs, {os.environ['DATABASE_URL'].split(':')[0]}"
    )
    first = timed(
        "dry run (empty registry, all create)",
        lambda: imports.station_import_check(
            filename="bench.xlsx", content=content, default_crs="wgs84", user=None, scope=scope
        ),
    )
    assert first.status == "valid", first.report["errors"][:3]
    result = timed(
        "commit (create all)",
        lambda: imports.station_import_commit(station_import=first, user=None, scope=scope),
    )
    assert result["committed"]["created"] == args.rows
    second = timed(
        "dry run again (all unchanged)",
        lambda: imports.station_import_check(
            filename="bench.xlsx", content=content, default_crs="wgs84", user=None, scope=scope
        ),
    )
    result = timed(
        "commit again (nothing to write)",
        lambda: imports.station_import_commit(station_import=second, user=None, scope=scope),
    )
    assert result["committed"]["unchanged"] == args.rows
    stations = timed("load registry (stations_base)", lambda: list(stations_base()))
    xlsx = timed(
        "export XLSX (WGS-84)",
        lambda: exports.stations_export(stations=stations, fmt="xlsx", crs="wgs84"),
    )
    timed(
        "export CSV (GCJ-02)",
        lambda: exports.stations_export(stations=stations, fmt="csv", crs="gcj02"),
    )
    timed(
        "export GeoJSON",
        lambda: exports.stations_export(stations=stations, fmt="geojson", crs="wgs84"),
    )
    timed("listing pack (Amap)", lambda: exports.listing_pack(stations=stations, platform="amap"))
    third = timed(
        "dry run of the XLSX export",
        lambda: imports.station_import_check(
            filename="export.xlsx", content=xlsx[0], default_crs="wgs84", user=None, scope=scope
        ),
    )
    assert third.report["counts"]["unchanged"] == args.rows, third.report["counts"]
    assert Station.objects.count() == args.rows


if __name__ == "__main__":
    main()
