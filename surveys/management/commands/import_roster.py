from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from surveys.csvrows import RowErrors
from surveys.models import Wave
from surveys.services.rosters import roster_import, roster_read


class Command(BaseCommand):
    help = (
        "Import a wave's roster from a CSV file: email,unit_code[,language] (en or fr, default "
        "en). All or nothing; every bad line is reported by its number."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--wave", required=True, help="the wave's slug")
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, wave: str, file: Path, **options: Any) -> None:
        found = Wave.objects.filter(slug=wave).first()
        if found is None:
            raise CommandError(f"unknown wave {wave!r}")
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        try:
            preview = roster_import(
                wave=found, rows=roster_read(file.read_bytes()), by="import_roster"
            )
        except RowErrors as error:
            raise CommandError(
                f"{file}: nothing was imported.\n" + "\n".join(error.errors)
            ) from None
        languages = ", ".join(f"{code}: {count}" for code, count in preview.languages)
        self.stdout.write(
            f"Imported {preview.total} invitation(s) into {found.slug} "
            f"across {len(preview.per_unit)} unit(s) ({languages})."
        )
