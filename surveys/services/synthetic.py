"""Synthetic responses for the demo and the benchmarks, written in bulk.

Answers are drawn so that units differ believably: each unit has a strain
level that raises risk-domain items and lowers protective ones. These are
fake people; nothing here is used for real waves.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import numpy as np
from django.db import transaction

from surveys.instruments.definition import Definition
from surveys.instruments.encoding import ANSWER_DTYPE, MISSING, score_matrix
from surveys.models import Comment, OrgUnit, Response, Wave

DEMO_COMMENTS = (
    "More predictable schedules so we can actually rest between shifts.",
    "Debriefs after hard cases, every time, not only when someone asks.",
    "Enough staff on nights so nobody works alone with a full ward.",
    "Leaders who check in and follow through on what they hear.",
    "A quiet room to step away for ten minutes after a code.",
    "Des horaires plus stables pour pouvoir récupérer entre les quarts.",
    "Un vrai suivi quand on signale un problème de sécurité.",
    "Recognition that the last years were hard for all of us.",
    "Faster replacement when someone is off sick.",
    "Access to counselling that fits around shift work.",
)


# Plausible shares (percent) for demo answers, by item and option code; other
# choices get gently decreasing shares. Invented for the demo, not statistics.
DEMO_SHARES: dict[str, dict[str, float]] = {
    "D01": {"first_nations": 3.5, "metis": 2.5, "inuit": 0.6, "not_indigenous": 84, "dont_know": 3},
    "D02": {
        "black": 3,
        "east_asian": 14,
        "indigenous": 5,
        "latin_american": 2.5,
        "middle_eastern": 2.5,
        "south_asian": 12,
        "southeast_asian": 11,
        "white": 46,
        "another_racial_identity": 2,
    },
    "D03": {"woman": 76, "man": 18, "non_binary": 1.2, "another_gender": 0.6},
    "D04": {"yes": 8, "no": 82, "dont_know": 3},
    "D05": {"yes": 12, "no": 80, "dont_know": 3},
    "C11": {"no": 70, "yes": 18, "not_sure": 8},
    "C12": {"no": 62, "yes": 26, "not_sure": 8},
}
PREFER_NOT_SHARE = 4.0


def _shares(item_code: str, codes: list[str]) -> np.ndarray:
    known = DEMO_SHARES.get(item_code, {})
    fallback = np.linspace(3.0, 1.0, len(codes)) * 10
    weights = np.array(
        [
            PREFER_NOT_SHARE if code == "prefer_not_to_answer" else known.get(code, fallback[i])
            for i, code in enumerate(codes)
        ]
    )
    return weights / weights.sum()


def _item_directions(definition: Definition) -> dict[str, str]:
    directions: dict[str, str] = {}
    for domain in definition.domains:
        for code in domain.items:
            directions[code] = domain.direction
    return directions


def synthetic_answers(
    definition: Definition, strain: np.ndarray, rng: np.random.Generator, *, skip_rate: float = 0.04
) -> np.ndarray:
    """An (n, slots) answers matrix for people whose units have the given strain (about -1..1)."""
    n = strain.shape[0]
    slot_items = definition.slot_items
    matrix = np.full((n, len(slot_items)), MISSING, dtype=ANSWER_DTYPE)
    directions = _item_directions(definition)
    person = strain + rng.normal(0, 0.6, n)
    for item in slot_items:
        assert item.slot is not None
        if item.type == "scale":
            assert item.scale is not None
            k = len(item.scale.options)
            sign = 1.0 if directions.get(item.code, "risk") == "risk" else -1.0
            centre = (k - 1) / 2 + sign * person * (k - 1) / 3
            value = np.clip(np.rint(centre + rng.normal(0, 0.7, n)), 0, k - 1).astype(int)
            if item.reverse:
                value = (k - 1) - value
            matrix[:, item.slot] = value
        elif item.type == "single":
            shares = _shares(item.code, [option.code for option in item.options])
            matrix[:, item.slot] = rng.choice(len(item.options), size=n, p=shares)
        else:
            # Select-all: one answer each, a second for some; exclusive answers stand alone.
            shares = _shares(item.code, [option.code for option in item.options])
            first = rng.choice(len(item.options), size=n, p=shares)
            mask = np.left_shift(1, first).astype(np.int64)
            plain = [i for i, option in enumerate(item.options) if not option.exclusive]
            plain_shares = shares[plain] / shares[plain].sum()
            extra = np.asarray(plain)[rng.choice(len(plain), size=n, p=plain_shares)]
            exclusive = np.array([item.options[i].exclusive for i in first])
            second = (rng.random(n) < 0.08) & ~exclusive
            mask[second] |= np.left_shift(1, extra[second])
            matrix[:, item.slot] = mask
    skipped = rng.random(matrix.shape) < skip_rate
    matrix[skipped] = MISSING
    return matrix


@transaction.atomic
def responses_create_synthetic(
    *,
    wave: Wave,
    units: Sequence[OrgUnit],
    counts: Sequence[int],
    strain: Sequence[float],
    rng: np.random.Generator,
    comment_rate: float = 0.15,
    batch_size: int = 5000,
) -> int:
    """Bulk-create synthetic responses: `counts[i]` people in `units[i]` with strain `strain[i]`."""
    definition = wave.instrument_version.parsed
    unit_index = np.repeat(np.arange(len(units)), counts)
    rng.shuffle(unit_index)
    person_strain = np.asarray(strain, dtype=float)[unit_index]
    answers = synthetic_answers(definition, person_strain, rng)
    scores = score_matrix(definition, answers)
    comment_items = definition.text_items
    created = 0
    for start in range(0, len(unit_index), batch_size):
        stop = min(start + batch_size, len(unit_index))
        Response.objects.bulk_create(
            [
                Response(
                    id=uuid.uuid4(),
                    wave=wave,
                    unit=units[unit_index[i]],
                    answers=answers[i].tobytes(),
                    scores=scores[i].tobytes(),
                )
                for i in range(start, stop)
            ],
            batch_size=batch_size,
        )
        if comment_items and comment_rate > 0:
            writers = [i for i in range(start, stop) if rng.random() < comment_rate]
            Comment.objects.bulk_create(
                [
                    Comment(
                        wave=wave,
                        unit=units[unit_index[i]],
                        item_code=comment_items[0].code,
                        text=DEMO_COMMENTS[int(rng.integers(len(DEMO_COMMENTS)))],
                    )
                    for i in writers
                ]
            )
        created += stop - start
    return created
