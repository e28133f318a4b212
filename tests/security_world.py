"""One organization with something behind every URL, and a client for every role.

Used by the authorization matrix and the CSRF walk. Built on the shared cast
(tests/conftest.py): hr, alice (leader of NORTH), bob (leader of SOUTH), analyst,
charlie (no role).

- `spring`: released, with answers (tests/reports/conftest.py's counts) and one
  action item for NORTH.
- `autumn`: open, open link on, one pending invitation (its token), one saved draft
  (its resume code) and one staged roster upload.
- `winter`: a draft wave.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.test import Client

from surveys.models import Invitation, RosterUpload
from surveys.tokens import new_token, token_hash

ROLES = ("anonymous", "respondent", "charlie", "alice", "bob", "analyst", "hr")


@dataclass
class World:
    token: str
    resume_code: str
    action_pk: int
    action_pk_south: int
    upload_ids: list[str]
    instrument: tuple[str, int]
    render_pk: str  # a PDF prepared for alice


def clear_report_caches() -> None:
    """Per-process report caches are keyed by primary keys, which SQLite reuses."""
    from reports import aggregation, charts, stats

    stats.clear_cache()
    aggregation._TABLES.clear()
    charts._stacked_svg.cache_clear()
    charts._dots_svg.cache_clear()


def build_world(*, org: dict[str, Any], version: Any, hr: Any, alice: Any, bob: Any) -> World:
    from reports.services.actions import action_create
    from surveys.services.drafts import DraftState, draft_save
    from surveys.services.waves import wave_create, wave_set_status
    from tests.reports.conftest import COUNTS, fill_wave, release

    clear_report_caches()
    spring = wave_create(
        slug="spring",
        name="Spring check-in",
        instrument_version=version,
        units=[org["ORG"]],
        open_link_enabled=True,
    )
    spring = wave_set_status(wave=spring, status="open")
    fill_wave(spring, org, COUNTS)
    spring = release(spring)
    due = datetime.date.today() + datetime.timedelta(days=60)
    north_item = action_create(
        wave=spring,
        unit=org["NORTH"],
        by=alice,
        commitment="Protected breaks on every shift",
        owner_role="Unit manager",
        due_on=due,
    )
    south_item = action_create(
        wave=spring,
        unit=org["S-MED"],
        by=bob,
        commitment="A quiet room",
        owner_role="Unit manager",
        due_on=due,
    )

    autumn = wave_create(
        slug="autumn",
        name="Autumn check-in",
        instrument_version=version,
        units=[org["ORG"]],
        open_link_enabled=True,
    )
    autumn = wave_set_status(wave=autumn, status="open")
    token = new_token()
    Invitation.objects.create(
        wave=autumn, unit=org["N-ED"], email="dana@example.org", token_hash=token_hash(token)
    )
    resume_code, _draft = draft_save(
        wave=autumn, state=DraftState(once_key="a-once-key", unit=org["N-ICU"].pk, reached=1)
    )
    uploads = [
        RosterUpload.objects.create(
            wave=autumn,
            uploaded_by=hr,
            filename="roster.csv",
            content=f"email,unit_code\nperson{number}@example.org,N-ED\n",
        )
        for number in range(3)
    ]
    wave_create(slug="winter", name="Winter", instrument_version=version, units=[org["ORG"]])
    from reports.models import ReportRender

    prepared = ReportRender.objects.create(
        requested_by=alice,
        wave=spring,
        unit=org["NORTH"],
        status=ReportRender.Status.DONE,
        filename="spring-NORTH.pdf",
        content=b"%PDF-1.7 test",
    )
    return World(
        render_pk=str(prepared.pk),
        token=token,
        resume_code=resume_code,
        action_pk=north_item.pk,
        action_pk_south=south_item.pk,
        upload_ids=[str(upload.pk) for upload in uploads],
        instrument=(version.instrument.code, version.version),
    )


def client_for(role: str, world: World, users: dict[str, Any]) -> Client:
    client = Client()
    if role == "respondent":
        # Someone answering the open wave: followed their invitation link, no account.
        assert client.get(f"/s/i/{world.token}/").status_code == 302
    elif role != "anonymous":
        client.force_login(users[role])
    return client
