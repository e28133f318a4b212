from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from surveys.csvrows import RowErrors, read_csv
from surveys.models import Wave
from surveys.services.paper import paper_columns, paper_responses_import


class Command(BaseCommand):
    help = (
        "Import paper responses: unit_code, then one column per item code (blank = skipped; "
        "choices by option code; several choices separated by ';'). All or nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--wave", required=True)
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, wave: str, file: Path, **options: Any) -> None:
        found = Wave.objects.select_related("instrument_version").filter(slug=wave).first()
        if found is None:
            raise CommandError(f"unknown wave {wave!r}")
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        columns = paper_columns(found)
        try:
            rows = read_csv(file.read_bytes(), required=("unit_code",), optional=columns[1:])
            count = paper_responses_import(wave=found, rows=rows, by="import_responses")
        except RowErrors as error:
            raise CommandError(
                f"{file}: nothing was imported.\n" + "\n".join(error.errors)
            ) from None
        self.stdout.write(f"Imported {count} paper response(s) into {found.slug}.")
