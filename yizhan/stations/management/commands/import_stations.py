"""manage.py import_stations FILE --region CODE --as USERNAME [--commit] [--skip-errors]
[--json REPORT] [--on-duplicate update|keep|skip] [--crs wgs84|gcj02|bd09]

The console's import for IT staff and scripts: the same reading, checks and commit, run
as a named officer inside their scope. A dry run unless --commit; a commit with rows in
error is refused (nothing written) unless --skip-errors leaves those rows out. The JSON
report has one entry per sheet row (docs/registry.md, "导入").
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yizhan.accounts.models import User
from yizhan.accounts.selectors import user_scope
from yizhan.core.errors import ApplicationError, ValidationFailed
from yizhan.regions.models import Region
from yizhan.stations.io import imports
from yizhan.stations.selectors import ledger_mapping


class Command(BaseCommand):
    help = (
        "Import a station spreadsheet or an officer's own ledger (.xlsx/.csv) as USERNAME: "
        "a dry run unless --commit; --json writes a report with one entry per sheet row."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--region",
            required=True,
            help="region code the rows belong to, and inside which streets are matched by name",
        )
        parser.add_argument("--as", dest="username", required=True, help="the officer importing")
        parser.add_argument("--commit", action="store_true", help="write (default: dry run)")
        parser.add_argument(
            "--skip-errors",
            action="store_true",
            help="with --commit: import the good rows and leave the rows with errors",
        )
        parser.add_argument("--json", dest="json_path", type=Path, help="write the JSON report")
        parser.add_argument(
            "--on-duplicate",
            choices=imports.DECISIONS,
            default="",
            help="what to do with duplicates (default: leave them out and report them)",
        )
        parser.add_argument(
            "--crs",
            default="wgs84",
            help="coordinate system of rows that do not say (wgs84, gcj02 or bd09)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"没有这个用户（或已停用）：{options['username']}")
        if not (user.has_perm("stations.add_station") and user.has_perm("stations.change_station")):
            raise CommandError(f"用户 {user.username} 没有新增和修改驿站的权限")
        region = Region.objects.filter(code=options["region"]).first()
        if region is None:
            raise CommandError(f"未知的区划代码：{options['region']}")
        scope = user_scope(user=user)
        if not scope.contains(region):
            raise CommandError(
                f"区划 {region.code} {region.name} 不在 {user.username} 的管辖范围内"
            )
        import_options = imports.ImportOptions(
            default_crs=options["crs"],
            region=region.code,
            mapping=ledger_mapping(user=user),
            on_duplicate=options["on_duplicate"],
            skip_errors=options["skip_errors"],
        )
        started = time.perf_counter()
        try:
            station_import = imports.station_import_check(
                filename=path.name,
                content=path.read_bytes(),
                user=user,
                scope=scope,
                options=import_options,
            )
        except ValidationFailed as exc:
            raise CommandError("；".join(e.message for e in exc.errors)) from exc
        report = station_import.report
        checked = time.perf_counter() - started
        refused = ""
        if options["commit"]:
            if imports.import_can_commit(report, skip_errors=options["skip_errors"]):
                try:
                    report = imports.station_import_commit(
                        station_import=station_import, user=user, scope=scope
                    )
                except (ValidationFailed, ApplicationError) as exc:
                    report = station_import.report
                    refused = getattr(exc, "message", "") or "导入未通过复核，未写入任何驿站"
            elif report.get("errors"):
                refused = (
                    f"有 {report['counts'].get('error_rows', 0)} 行有错误，未写入任何驿站；"
                    "修改后重试，或加 --skip-errors 只导入无误的行"
                )
                if any(e.get("row") is None for e in report["errors"]):
                    refused = "文件无法读取为驿站表，未写入任何驿站"
            else:
                refused = "没有可导入的行"
        if options["json_path"]:
            options["json_path"].write_text(
                json.dumps(json_report(report), ensure_ascii=False, indent=1, default=str),
                encoding="utf-8",
            )
        self._print(report, checked, time.perf_counter() - started)
        if refused:
            raise CommandError(refused)
        if not report.get("rows") and report.get("errors"):
            raise CommandError("文件无法读取为驿站表")

    def _print(self, report: dict[str, Any], checked: float, total: float) -> None:
        for error in report.get("errors", [])[:50]:
            where = f"第 {error['row']} 行 " if error.get("row") else ""
            column = f"“{error['column']}” " if error.get("column") else ""
            self.stderr.write(f"{where}{column}{error['message']}")
        if len(report.get("errors", [])) > 50:
            self.stderr.write(f"……还有 {len(report['errors']) - 50} 个问题，见 --json 报告")
        if report.get("not_imported"):
            self.stdout.write("未导入的列：" + "、".join(report["not_imported"]))
        counts = report.get("counts", {})
        self.stdout.write(
            f"{imports.import_summary(report)}（{counts.get('rows', 0)} 行；"
            f"重复 {counts.get('duplicate', 0)}，提示 {counts.get('warning', 0)}；"
            f"校验 {checked:.1f} 秒，共 {total:.1f} 秒）"
        )


_ACTIONS = {imports.ACTION_CREATE: "create", imports.ACTION_UPDATE: "update"}


def json_report(report: dict[str, Any]) -> dict[str, Any]:
    """The command's JSON: one entry per sheet row of the station sheet, in sheet order."""
    sheet = report.get("sheet", "")
    entries: list[dict[str, Any]] = []
    for skipped in report.get("skipped", []):
        entries.append(
            {
                "sheet": sheet,
                "row": skipped["row"],
                "status": imports.STATUS_SKIPPED,
                "action": "none",
                "messages": [],
                "wgs84": None,
                "code": "",
            }
        )
    for row in report.get("rows", []):
        entries.append(
            {
                "sheet": row["sheet"],
                "row": row["row"],
                "status": row["status"],
                "action": _ACTIONS.get(row["action"], "none"),
                "messages": [{"column": m["column"], "text": m["text"]} for m in row["messages"]],
                "wgs84": row["wgs84"],
                "code": row["code"],
            }
        )
    entries.sort(key=lambda e: e["row"])
    return {
        "rows": entries,
        "not_imported": report.get("not_imported", []),
        "errors": [e for e in report.get("errors", []) if e.get("row") is None],
        "committed": report.get("committed"),
    }
