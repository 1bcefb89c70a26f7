"""`manage.py demo_city`: write the Daoli demo city and print how to sign in."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config import env
from yizhan.core.errors import ApplicationError
from yizhan.demo import devices as devices_demo
from yizhan.demo import evaluation as evaluation_demo
from yizhan.demo import feedback as feedback_demo
from yizhan.demo import lockers as lockers_demo
from yizhan.demo import operations as operations_demo
from yizhan.demo import planning as planning_demo
from yizhan.demo import stations as demo
from yizhan.demo import supplies as supplies_demo
from yizhan.demo import volunteers as volunteers_demo


class Command(BaseCommand):
    help = (
        "Generate the demo city (Harbin Daoli: 59 fixed, 5 mobile, 4 smart stations with "
        "months of history) and the accounts admin, daoli and zhaolin. Same seed, same city."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED)
        parser.add_argument(
            "--months", type=int, default=demo.DEFAULT_MONTHS, help="history span in months"
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (but show the saved accounts) when any station exists",
        )
        parser.add_argument(
            "--registry-only",
            action="store_true",
            help="the registry and its accounts only: no operations, feedback, devices or "
            "evaluation (what the registry's and the finder's browser tests need)",
        )
        parser.add_argument(
            "--credentials-file",
            type=Path,
            default=env.VAR_DIR / "demo-credentials.txt",
            help="where the accounts' passwords are written (default: var/demo-credentials.txt)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["credentials_file"]
        url = f"http://127.0.0.1:{env.env_int('PORT', 8000)}/console/"
        if options["months"] < 1:
            raise CommandError("--months must be at least 1")
        if options["if_empty"] and demo.stations_exist():
            self.stdout.write(
                "驿站数据已存在，未生成演示数据 / stations exist, demo not generated."
            )
            if path.is_file():
                self.stdout.write(path.read_text(encoding="utf-8"))
            return
        password = env.env_str("YIZHAN_DEMO_PASSWORD") or None
        saved = demo.credentials_read(path, extra=operations_demo.USERNAMES)
        try:
            result = demo.demo_city_generate(
                seed=options["seed"],
                months=options["months"],
                password=password,
                saved_passwords=saved,
            )
            people = (
                [] if options["registry_only"] else self._operations(password=password, saved=saved)
            )
        except ApplicationError as exc:
            raise CommandError(f"demo city not generated: {exc.message} {exc.extra}") from exc
        accounts = [*result.accounts, *people]
        result = replace(result, accounts=tuple(accounts))
        demo.credentials_write(path, result.accounts, url)
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(result.kinds.items()))
        statuses = ", ".join(f"{k} {n}" for k, n in sorted(result.statuses.items()))
        since = f"{result.history_from:%Y-%m-%d}" if result.history_from else "-"
        self.stdout.write(
            f"demo city (seed {options['seed']}): {result.created} created, "
            f"{result.updated} updated, {result.unchanged} unchanged; {kinds}; {statuses}; "
            f"{result.stops} mobile stops; {result.changes} history rows (since {since}); "
            f"{result.seconds:.1f} s"
        )
        self.stdout.write(demo.credentials_block(result.accounts, url))
        self.stdout.write(
            f"staff pages 驿站工作台: {url.removesuffix('console/')}staff/ "
            "(zhanzhang / guanli run HRB-DL-F001; ducha inspects; volunteer1 volunteers); "
            f"monthly evaluation 月度评估: {url.removesuffix('console/')}staff/evaluation/ "
            "(haerbin approves delisting); "
            f"planning 布局规划: {url.removesuffix('console/')}staff/planning/"
        )
        self.stdout.write(f"(saved to {path})")

    def _operations(self, *, password: str | None, saved: dict[str, str]) -> list[demo.DemoAccount]:
        """Station operations on top of the registry: staff accounts, the season, two weeks
        of logs and inspections, orders, stock and volunteer shifts."""
        from django.db import transaction
        from django.utils import timezone

        from yizhan.accounts.models import User

        now = timezone.now()
        with transaction.atomic():
            people, users = operations_demo.people_ensure(password=password, saved=saved)
            officer = User.objects.get(username="daoli")
            operations_demo.demo_ensure(now=now, users=users, officer=officer)
            supplies_demo.demo_ensure(today=timezone.localdate(now))
            volunteers_demo.demo_ensure(now=now)
            feedback_demo.demo_ensure(now=now)
            devices_demo.demo_ensure(now=now)
            lockers_demo.demo_ensure(now=now)
            evaluation_demo.demo_ensure(now=now, officer=officer)
            planning_demo.demo_ensure(now=now, officer=officer)
        return [
            demo.DemoAccount(p.username, p.password, p.role, p.region_code, p.region_name)
            for p in people
        ]
