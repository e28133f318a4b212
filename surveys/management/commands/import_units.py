from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from surveys.csvrows import RowErrors, read_csv
from surveys.services.units import UnitRow, units_import


class Command(BaseCommand):
    help = (
        "Create or update org units from a CSV file: code,name,parent_code[,leader_email]. "
        "All or nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        try:
            rows = read_csv(
                file.read_bytes(),
                required=("code", "name", "parent_code"),
                optional=("leader_email",),
            )
            report = units_import(
                rows=[
                    UnitRow(
                        row.line,
                        row.get("code"),
                        row.get("name"),
                        row.get("parent_code"),
                        row.get("leader_email"),
                    )
                    for row in rows
                ],
                by="import_units",
            )
        except RowErrors as error:
            raise CommandError(
                f"{file}: nothing was imported.\n" + "\n".join(error.errors)
            ) from None
        self.stdout.write(
            f"Imported {file}: {report.created} created, {report.updated} updated, "
            f"{report.leaders_assigned} leader assignment(s)."
        )
