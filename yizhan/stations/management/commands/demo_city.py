"""`manage.py demo_city`: write the Daoli demo city and print how to sign in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config import env
from yizhan.core.errors import ApplicationError
from yizhan.stations import demo


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
        try:
            result = demo.demo_city_generate(
                seed=options["seed"],
                months=options["months"],
                password=env.env_str("YIZHAN_DEMO_PASSWORD") or None,
                saved_passwords=demo.credentials_read(path),
            )
        except ApplicationError as exc:
            raise CommandError(f"demo city not generated: {exc.message} {exc.extra}") from exc
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
        self.stdout.write(f"(saved to {path})")
