"""`manage.py backup DEST` (what `scripts/backup` runs): the database (SQLite online backup
or pg_dump), the media files and the secret key the data needs, with a manifest of counts.
See yizhan/core/backup.py and docs/operations.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yizhan.core import backup


class Command(BaseCommand):
    help = "Back up the database, media files and secret key into a new directory DEST."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dest", type=Path, help="a new (or empty) directory")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            backup.backup(options["dest"], log=self.stdout.write)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
