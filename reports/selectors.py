"""Reads for the report pages that enforce who may see what.

Numbers never come from here: every figure comes from the gate
(`reports.aggregation`). These selectors answer "which waves, which units,
which action items" for a viewer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db.models import Q, QuerySet

from reports.aggregation import REPORTABLE, available_to
from reports.models import ActionItem, ReportRender
from reports.viewers import Role, Viewer
from surveys.instruments.encoding import ANSWER_DTYPE, UNSCORED, answers_matrix, score_matrix
from surveys.models import LeaderSelfRating, Leadership, OrgUnit, Wave
from surveys.selectors import ancestors, is_org_wide, subtrees, wave_scope


@dataclass(frozen=True)
class WaveEntry:
    """A wave as listed for one viewer, with what they can open for it."""

    wave: Wave
    report_available: bool
    participation_available: bool
    units: tuple[OrgUnit, ...]  # a leader's own top units in the wave (empty for org-wide roles)


def _leader_condition(viewer: Viewer) -> Q:
    condition = Q(pk__in=[])
    for path in viewer.unit_paths:
        condition |= Q(path__startswith=path)
    return condition


def wave_visible_to(*, wave: Wave, viewer: Viewer) -> bool:
    """Whether a viewer has anything to see in a wave: org-wide roles, or a led unit in scope."""
    if wave.status == Wave.Status.DRAFT:
        return False
    if viewer.org_wide:
        return True
    return wave_scope(wave).filter(_leader_condition(viewer)).exists()


def report_waves(*, viewer: Viewer) -> list[WaveEntry]:
    """Every non-draft wave the viewer has a report or live participation for, newest first."""
    waves = (
        Wave.objects.exclude(status=Wave.Status.DRAFT)
        .select_related("instrument_version")
        .prefetch_related("units")
        .order_by("-opens_on", "-created_on", "slug")
    )
    entries = []
    for wave in waves:
        units: tuple[OrgUnit, ...] = ()
        if not viewer.org_wide:
            roots = list(wave.units.all())
            in_scope = subtrees(roots).filter(_leader_condition(viewer))
            if not in_scope.exists():
                continue
            # Their own units in the wave, or the wave's units when they lead something above it.
            units = tuple(in_scope.filter(path__in=viewer.unit_paths)) or tuple(
                root for root in roots if viewer.may_see(root)
            )
        entries.append(
            WaveEntry(
                wave=wave,
                report_available=available_to(wave, viewer),
                participation_available=wave.status in (Wave.Status.OPEN, Wave.Status.CLOSED),
                units=units,
            )
        )
    return entries


def visible_ancestors(*, unit: OrgUnit, viewer: Viewer) -> list[OrgUnit]:
    """The unit's ancestors the viewer may open, root first (for the breadcrumb)."""
    return [other for other in ancestors(unit) if viewer.may_see(other)]


def cares_self_ratings(*, wave: Wave, unit: OrgUnit) -> dict[str, int | None]:
    """The unit leaders' CARES self-rating per CARES domain code, 0–100 like staff scores.

    Self-ratings are not anonymous by design (a leader rates themselves); when
    a unit has several leaders who rated themselves, their scores are averaged.
    Empty when nobody rated themselves, and the report then shows no gap column.
    """
    rows = [
        bytes(blob)
        for blob in LeaderSelfRating.objects.filter(wave=wave, unit=unit).values_list(
            "answers", flat=True
        )
    ]
    definition = wave.instrument_version.parsed
    width = len(definition.slot_items) * ANSWER_DTYPE.itemsize
    rows = [row for row in rows if len(row) == width]
    if not rows:
        return {}
    scores = score_matrix(definition, answers_matrix(rows, len(definition.slot_items)))
    result: dict[str, int | None] = {}
    for domain in definition.domains_of_kind("cares"):
        values = scores[:, domain.index]
        values = values[values != UNSCORED].astype(float)
        result[domain.code] = int(np.floor(values.mean() + 0.5)) if len(values) else None
    return result


# -- action plans -------------------------------------------------------------------
def may_write_actions(*, user: object, unit: OrgUnit) -> bool:
    """HR admins, and leaders of the unit or of a unit above it, may write its action plan."""
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_hr_admin", False):
        return True
    return Leadership.objects.filter(user=user, unit__in=[unit, *ancestors(unit)]).exists()


def writer_role(*, user: object, unit: OrgUnit) -> str | None:
    """The role under which a user writes a unit's action plan, or None."""
    if getattr(user, "is_hr_admin", False):
        return Role.HR
    return Role.LEADER if may_write_actions(user=user, unit=unit) else None


def actions_for_unit(*, wave: Wave, unit: OrgUnit, published_only: bool) -> QuerySet[ActionItem]:
    """One unit's own action items of one wave (all of them for its writers)."""
    items = ActionItem.objects.filter(wave=wave, unit=unit).select_related(
        "wave__instrument_version", "unit"
    )
    return items.filter(published_on__isnull=False) if published_only else items


def previous_wave(wave: Wave) -> Wave | None:
    """The most recent earlier wave of the same instrument that had reports."""
    earlier = Wave.objects.filter(
        instrument_version__instrument_id=wave.instrument_version.instrument_id,
        status__in=REPORTABLE,
    ).exclude(pk=wave.pk)
    if wave.opens_on:
        # Waves opened the same day count in creation order.
        earlier = earlier.filter(
            Q(opens_on__lt=wave.opens_on) | Q(opens_on=wave.opens_on, pk__lt=wave.pk)
        )
    else:
        earlier = earlier.filter(pk__lt=wave.pk)
    return earlier.order_by("-opens_on", "-pk").first()


def published_actions_for(*, wave: Wave, unit: OrgUnit) -> QuerySet[ActionItem]:
    """Published action items that the staff of `unit` should see.

    Those of the unit itself and of every unit above it (a team's staff also
    see their program's and division's commitments), from this wave and from
    the previous wave of the same instrument, so that the next wave's welcome
    page can say what was done. Never an unpublished item, never a sibling's.
    """
    waves = [wave]
    before = previous_wave(wave)
    if before is not None:
        waves.append(before)
    units = [unit, *ancestors(unit)]
    return (
        ActionItem.objects.filter(wave__in=waves, unit__in=units, published_on__isnull=False)
        .select_related("wave__instrument_version", "unit")
        .order_by("-wave__opens_on", "unit__depth", "due_on", "pk")
    )


def report_roles(*, user: object) -> list[str]:
    """Every reporting role a user holds, in the order `viewer_for` prefers them."""
    roles = []
    if getattr(user, "is_equity_analyst", False):
        roles.append(Role.ANALYST)
    if getattr(user, "is_hr_admin", False):
        roles.append(Role.HR)
    if Leadership.objects.filter(user_id=getattr(user, "pk", None)).exists():
        roles.append(Role.LEADER)
    return roles


def has_report_role(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (
        is_org_wide(user) or Leadership.objects.filter(user_id=getattr(user, "pk", None)).exists()
    )


def render_of(*, render_id: object, user: object) -> ReportRender | None:
    """One of this person's prepared PDFs; another person's do not exist for them."""
    if not getattr(user, "is_authenticated", False):
        return None
    return ReportRender.objects.filter(pk=render_id, requested_by=user).first()
