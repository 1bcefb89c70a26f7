from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yizhan.core.errors import ValidationFailed
from yizhan.regions.services import regions_import_csv


class Command(BaseCommand):
    help = "Import GB/T 2260 regions from a CSV file (code,name[,level,parent_code,lat,lon])."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: object, path: Path, **options: object) -> None:
        try:
            result = regions_import_csv(text=path.read_text(encoding="utf-8"))
        except ValidationFailed as exc:
            for error in exc.errors:
                self.stderr.write(
                    f"row {error.row}, {error.field}: {error.message} ({error.value})"
                )
            raise CommandError("nothing imported") from exc
        self.stdout.write(f"regions: {result.created} created, {result.updated} updated")
