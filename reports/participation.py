"""Live participation of an open wave, through the same rules as every report.

What a leader sees while a wave is open: per unit, how many have answered
and the response rate, from a once-a-day snapshot, with counts rounded down
to a multiple of 5 and hidden under the wave's threshold by the same
hierarchy suppression as scores. Nobody can tell who answered, or when.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.routers import reporting
from reports.aggregation import HIDDEN, Figure, UnitNotVisible
from reports.models import ParticipationSnapshot
from reports.stats import invitation_counts, response_counts
from reports.suppression import suppress_hierarchy
from reports.tree import tree_for_wave
from reports.viewers import Viewer
from surveys.models import MIN_INVITED_FOR_RATE, OrgUnit, Wave

ROUND_TO = 5


@dataclass(frozen=True)
class ParticipationRow:
    code: str
    name: str
    depth: int
    invited: int
    respondents: Figure  # rounded down to a multiple of 5
    rate: Figure  # percent, from the rounded count, to the nearest 5

    @property
    def rate_bar(self) -> int:
        return int(self.rate.value or 0) if self.rate.shown else 0


@dataclass(frozen=True)
class Participation:
    wave: Wave
    as_of: object
    rows: list[ParticipationRow]
    min_group_size: int


def _snapshot(wave: Wave) -> ParticipationSnapshot:
    today = timezone.localdate()
    # On the primary: a snapshot just taken must be found again at once.
    snapshots = ParticipationSnapshot.objects.db_manager("default")
    snapshot = snapshots.filter(wave=wave, day=today).first()
    if snapshot is not None:
        return snapshot
    counts = {str(unit_id): n for unit_id, n in response_counts(wave).items()}
    try:
        with transaction.atomic():
            return snapshots.create(wave=wave, day=today, counts=counts)
    except IntegrityError:  # another request took today's snapshot first
        return snapshots.get(wave=wave, day=today)


@reporting
def participation(*, wave: Wave, viewer: Viewer, unit: OrgUnit | None = None) -> Participation:
    """Participation for the viewer's units (or one unit's subtree) of an open or closed wave."""
    tree = tree_for_wave(wave)
    snapshot = _snapshot(wave)
    own = np.zeros(tree.size, dtype=np.int64)
    for unit_id, count in snapshot.counts.items():
        node = tree.index.get(int(unit_id))
        if node is not None:
            own[node] = count
    invited_own = np.zeros(tree.size, dtype=np.int64)
    for unit_id, count in invitation_counts(wave).items():
        node = tree.index.get(unit_id)
        if node is not None:
            invited_own[node] = count
    respondents = tree.rollup(own)
    invited = tree.rollup(invited_own)
    shown = suppress_hierarchy(tree, respondents[:, None], np.array([wave.min_group_size]))[:, 0]

    if unit is not None:
        if not viewer.may_see(unit) or unit.pk not in tree.index:
            raise UnitNotVisible
        nodes = tree.subtree(tree.index[unit.pk])
    elif viewer.org_wide:
        nodes = list(range(tree.size))
    else:
        nodes = [
            n
            for n, path in enumerate(tree.paths)
            if any(path.startswith(p) for p in viewer.unit_paths)
        ]
        if not nodes:
            raise UnitNotVisible
    rows = []
    for node in nodes:
        count = int(respondents[node])
        if shown[node]:
            rounded = count - count % ROUND_TO
            figure = Figure(rounded, float(rounded))
            rate = (
                Figure(rounded, float(round(rounded / invited[node] * 100 / ROUND_TO) * ROUND_TO))
                if invited[node] >= MIN_INVITED_FOR_RATE
                else HIDDEN
            )
        else:
            figure, rate = HIDDEN, HIDDEN
        rows.append(
            ParticipationRow(
                code=tree.codes[node],
                name=tree.names[node],
                depth=int(tree.depth[node]),
                invited=int(invited[node]),
                respondents=figure,
                rate=rate,
            )
        )
    return Participation(
        wave=wave, as_of=snapshot.day, rows=rows, min_group_size=wave.min_group_size
    )
