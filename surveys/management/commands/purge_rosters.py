from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from surveys.services.retention import roster_purge


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Empty the e-mail addresses and invitation links of waves closed for more than "
        "ROSTER_RETENTION_DAYS days. Counts and responses are kept. `run_worker` runs this daily."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--today", type=_date, help="purge as if today were this day")

    def handle(self, *args: Any, today: datetime.date | None, **options: Any) -> None:
        results = roster_purge(today=today or timezone.localdate(), by="purge_rosters")
        if not results:
            self.stdout.write(
                f"Nothing to purge (retention: {settings.ROSTER_RETENTION_DAYS} days)."
            )
        for result in results:
            self.stdout.write(
                f"Purged {result.purged} invitation(s) of {result.wave.slug} "
                f"({result.pending} pending, {result.completed} completed)."
            )
