from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from surveys.models import Wave
from surveys.services.waves import WaveError, wave_set_status


class Command(BaseCommand):
    help = "Move a wave along its lifecycle: draft → open → closed → released → archived."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--wave", required=True)
        parser.add_argument("status", choices=Wave.Status.values)

    def handle(self, *args: Any, wave: str, status: str, **options: Any) -> None:
        found = Wave.objects.filter(slug=wave).first()
        if found is None:
            raise CommandError(f"unknown wave {wave!r}")
        try:
            found = wave_set_status(wave=found, status=status, by="set_wave_status")
        except WaveError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Wave {found.slug} is now {found.get_status_display()}.")
