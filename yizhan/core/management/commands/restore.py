"""`manage.py restore SRC` (what `scripts/restore` runs): puts a `backup` back, refusing a
database that holds data unless --force, then checks every model's rows against the
manifest. See yizhan/core/backup.py and docs/operations.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yizhan.core import backup


class Command(BaseCommand):
    help = "Restore a backup directory SRC written by `backup` (database and media files)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("src", type=Path, help="a directory written by `backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that already holds data",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = backup.restore(options["src"], force=options["force"], log=self.stdout.write)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(n for label, n in report.counts.items() if label not in backup.MIGRATE_WRITES)
        self.stdout.write(f"restored: {rows} rows, {report.media_files} media files")
        if not report.key_matches:
            self.stderr.write(
                "WARNING: DJANGO_SECRET_KEY differs from the one this data was written under. "
                "Visitor ids, the QR codes on printed boards and device person tokens will "
                "not match: set DJANGO_SECRET_KEY from the backup's keys.env and restart."
            )
        if report.mismatched:
            lines = ", ".join(
                f"{k}: {a} in backup, {b} now" for k, (a, b) in report.mismatched.items()
            )
            raise CommandError(f"counts differ from the manifest: {lines}")
        self.stdout.write("every model's row count matches the manifest")
