"""The privacy notice staff read before answering, built from a wave's real settings.

One function feeds every place the notice appears (the welcome page, the
standalone privacy page, and the HR preview), so what staff are told is
always what the wave actually does.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings

from surveys.models import MIN_INVITED_FOR_RATE, Wave
from surveys.services.drafts import DRAFT_DAYS


@dataclass(frozen=True)
class PrivacyNotice:
    organization: str
    wave_name: str
    closes_on: datetime.date | None
    min_group_size: int
    min_comment_group_size: int
    min_equity_group_size: int
    min_invited_for_rate: int
    open_link: bool
    has_comments: bool
    has_self_id: bool
    has_cares: bool
    draft_days: int


def privacy_notice(wave: Wave) -> PrivacyNotice:
    definition = wave.instrument_version.parsed
    return PrivacyNotice(
        organization=settings.CONTINUUM_ORGANIZATION_NAME,
        wave_name=wave.name,
        closes_on=wave.closes_on,
        min_group_size=wave.min_group_size,
        min_comment_group_size=wave.min_comment_group_size,
        min_equity_group_size=wave.min_equity_group_size,
        min_invited_for_rate=MIN_INVITED_FOR_RATE,
        open_link=wave.open_link_enabled,
        has_comments=bool(definition.text_items),
        has_self_id=bool(definition.sections_of_kind("self_id")),
        has_cares=bool(definition.sections_of_kind("cares")),
        draft_days=DRAFT_DAYS,
    )
