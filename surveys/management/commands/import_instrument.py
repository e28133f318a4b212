from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from surveys.instruments.definition import InstrumentError
from surveys.services.instruments import DEFAULT_DEFINITION, instrument_version_import_text


class Command(BaseCommand):
    help = "Validate and import an instrument definition (JSON, see docs/instruments.md)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path, nargs="?", default=DEFAULT_DEFINITION)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        try:
            version = instrument_version_import_text(raw=file.read_bytes(), by="import_instrument")
        except InstrumentError as error:
            raise CommandError(f"{file}: not imported.\n" + "\n".join(error.errors)) from None
        self.stdout.write(f"Imported {version}.")
