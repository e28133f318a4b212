from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from surveys.models import Instrument, InstrumentVersion, OrgUnit
from surveys.services.waves import WaveError, wave_create


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Create a draft survey wave."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument(
            "--instrument", required=True, help="instrument code, optionally CODE:VERSION"
        )
        parser.add_argument("--units", required=True, help="comma-separated unit codes")
        parser.add_argument("--opens", type=_date)
        parser.add_argument("--closes", type=_date)
        parser.add_argument("--open-link", action="store_true")
        parser.add_argument("--min-group-size", type=int)
        parser.add_argument("--min-comment-group-size", type=int)
        parser.add_argument("--min-equity-group-size", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        code, _sep, version = options["instrument"].partition(":")
        instrument = Instrument.objects.filter(code=code).first()
        if instrument is None:
            raise CommandError(f"unknown instrument {code!r}")
        versions = InstrumentVersion.objects.filter(instrument=instrument)
        if version:
            if not version.isdigit():
                raise CommandError(f"{version!r} is not a version number")
            versions = versions.filter(version=int(version))
        instrument_version = versions.order_by("-version").first()
        if instrument_version is None:
            raise CommandError(f"instrument {options['instrument']!r} has no such version")
        codes = [part.strip() for part in options["units"].split(",") if part.strip()]
        units = list(OrgUnit.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {unit.code for unit in units})
        if unknown:
            raise CommandError(f"unknown unit code(s): {', '.join(unknown)}")
        try:
            wave = wave_create(
                slug=options["slug"],
                name=options["name"] or options["slug"],
                instrument_version=instrument_version,
                units=units,
                opens_on=options["opens"],
                closes_on=options["closes"],
                open_link_enabled=options["open_link"],
                min_group_size=options["min_group_size"],
                min_comment_group_size=options["min_comment_group_size"],
                min_equity_group_size=options["min_equity_group_size"],
                by="create_wave",
            )
        except WaveError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Created wave {wave.slug} ({wave.get_status_display()}).")
