from __future__ import annotations

import datetime
from functools import lru_cache
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.services import user_make_hr_admin
from surveys import demo
from surveys.models import Invitation, OrgUnit, Wave
from surveys.services.instruments import default_instrument_version
from surveys.services.synthetic import responses_create_synthetic
from surveys.services.units import leadership_assign, unit_create
from surveys.services.waves import wave_create, wave_set_status, wave_update
from surveys.tokens import invitation_token, new_token_salt, token_hash

User = get_user_model()


class Command(BaseCommand):
    help = "Load a realistic demo organization with three waves of synthetic responses."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=20261123)
        parser.add_argument(
            "--quiet-links", action="store_true", help="do not print invitation links"
        )

    def handle(self, *args: Any, seed: int, quiet_links: bool, **options: Any) -> None:
        if OrgUnit.objects.filter(code=demo.ROOT[0]).exists():
            self.stdout.write("Demo data is already loaded.")
        else:
            with transaction.atomic():
                self._load(np.random.default_rng(seed))
            self.stdout.write(self.style.SUCCESS("Demo organization loaded."))
        self._print_logins()
        if not quiet_links:
            self._print_invitation_links()

    # -- loading ----------------------------------------------------------------
    def _load(self, rng: np.random.Generator) -> None:
        hr = user_make_hr_admin(user=_user("hr", "Harriet", "Reyes"))
        _user("analyst", "Amir", "Nasser", is_equity_analyst=True)
        version = default_instrument_version(by=hr)

        units, strain, headcount = self._units(rng, hr)
        scope = [units[0]]
        today = datetime.date.today()
        for index, (slug, name, status, shift) in enumerate(demo.WAVES):
            opens = today - datetime.timedelta(days=180 * (len(demo.WAVES) - 1 - index) + 10)
            wave = wave_create(
                slug=slug,
                name=name,
                instrument_version=version,
                units=scope,
                open_link_enabled=status == "open",
                by=hr,
            )
            rate = rng.uniform(0.3, 0.7, len(units)) * (0.6 if status == "open" else 1.0)
            responded = np.minimum(headcount, rng.binomial(headcount, rate))
            self._invitations(wave, units, headcount, responded, purged=status != "open")
            wave_set_status(wave=wave, status="open", by=hr)
            responses_create_synthetic(
                wave=wave,
                units=units,
                counts=responded.tolist(),
                strain=(np.asarray(strain) + shift).tolist(),
                rng=rng,
            )
            if status == "released":
                wave_set_status(wave=wave, status="closed", by=hr)
                wave_set_status(wave=wave, status="released", by=hr)
            # Dates are set last: a wave cannot be opened with a closing date in the past.
            closes = opens + datetime.timedelta(days=28)
            wave_update(wave=wave, opens_on=opens, closes_on=closes, by=hr)
            Invitation.objects.filter(wave=wave).update(sent_on=opens)
            if status != "open":  # long past their retention period: the roster is purged
                Wave.objects.filter(pk=wave.pk).update(
                    roster_purged_on=closes
                    + datetime.timedelta(days=settings.ROSTER_RETENTION_DAYS)
                )

    def _units(
        self, rng: np.random.Generator, hr: Any
    ) -> tuple[list[OrgUnit], list[float], np.ndarray]:
        units: list[OrgUnit] = []
        strain: list[float] = []
        heads: list[int] = []

        def add(
            code: str, name: str, parent: OrgUnit | None, level_strain: float, people: int
        ) -> OrgUnit:
            unit = unit_create(code=code, name=name, parent=parent, by=hr)
            units.append(unit)
            strain.append(level_strain)
            heads.append(people)
            return unit

        root = add(demo.ROOT[0], demo.ROOT[1], None, 0.0, 0)  # everyone belongs to a division
        for division_code, (division_name, division_strain) in demo.DIVISIONS.items():
            division = add(
                division_code, division_name, root, division_strain, int(rng.integers(2, 6))
            )
            for program_code, program_name, program_strain in demo.PROGRAMS[division_code]:
                base = division_strain + program_strain
                code = f"{division_code}-{program_code}"
                # A few people sit directly in each program, outside any team.
                program = add(code, program_name, division, base, int(rng.integers(1, 7)))
                for team_code, team_name in demo.TEAMS:
                    # dan's team is always one of the small ones: his reports show suppression.
                    small = rng.random() < 0.12 or f"{code}-{team_code}" == demo.SMALL_TEAM
                    people = int(rng.integers(3, 6)) if small else int(rng.integers(14, 70))
                    add(
                        f"{code}-{team_code}",
                        f"{program_name}: {team_name}",
                        program,
                        base + float(rng.normal(0, 0.2)),
                        people,
                    )
        by_code = {unit.code: unit for unit in units}
        for unit in units:
            username = next(
                (name for name, code in demo.NAMED_LEADERS.items() if code == unit.code), None
            )
            if username:
                first = username.capitalize()
                leader = _user(username, first, "Demo")
            else:
                leader = _user(f"leader.{unit.code.lower()}", unit.name[:30], "Leader")
            leadership_assign(user=leader, unit=by_code[unit.code], by=hr)
        return units, strain, np.asarray(heads)

    def _invitations(
        self,
        wave: Wave,
        units: list[OrgUnit],
        headcount: np.ndarray,
        responded: np.ndarray,
        *,
        purged: bool,
    ) -> None:
        rows = []
        serial = 0
        for unit, people, done in zip(units, headcount.tolist(), responded.tolist(), strict=True):
            for person in range(people):
                serial += 1
                completed = person < done
                # Tokens derive from a salt, as in a real roster import, so links can be reprinted.
                salt = "" if purged else new_token_salt()
                rows.append(
                    Invitation(
                        wave=wave,
                        unit=unit,
                        email="" if purged else f"staff{serial:04d}@demo.continuum.invalid",
                        language="fr" if serial % 7 == 0 else "en",
                        token_salt=salt,
                        token_hash=token_hash(invitation_token(salt)) if salt else None,
                        status=Invitation.Status.COMPLETED
                        if completed
                        else Invitation.Status.PENDING,
                    )
                )
        Invitation.objects.bulk_create(rows, batch_size=2000)

    # -- output -----------------------------------------------------------------
    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        self.stdout.write("  hr       HR admin: waves, rosters, invitations, audit log at /hr/")
        self.stdout.write(
            "  analyst  equity analyst: organization-wide self-identification breakdowns"
        )
        self.stdout.write("  alice    leader of Acute Care (and everything below it)")
        self.stdout.write("  bob      leader of Mental Health and Substance Use")
        self.stdout.write("  carol    leader of the Emergency Department")
        self.stdout.write("  dan      leader of one small team (mostly suppressed figures)")

    def _print_invitation_links(self) -> None:
        wave = Wave.objects.filter(status=Wave.Status.OPEN, slug=demo.WAVES[-1][0]).first()
        if wave is None:
            return
        pending = list(
            Invitation.objects.filter(wave=wave, status=Invitation.Status.PENDING, unit__depth=3)
            .exclude(email="")
            .select_related("unit")
            .order_by("unit__path", "pk")[::150][:3]
        )
        if not pending:
            return
        self.stdout.write("")
        self.stdout.write("Demo invitation links for the open wave (each works once):")
        for invitation in pending:
            token = invitation_token(invitation.token_salt)
            self.stdout.write(f"  {settings.SITE_URL}/s/i/{token}/  ({invitation.unit.name})")
        self.stdout.write(f"Open link: {settings.SITE_URL}/s/{wave.slug}/")


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    # Hashing once keeps seeding fast; every demo account shares the demo password.
    return make_password(demo.DEMO_PASSWORD)


def _user(username: str, first: str, last: str, **roles: bool) -> Any:
    user, _created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@demo.continuum.invalid",
            "password": _demo_password_hash(),
            **roles,
        },
    )
    return user
