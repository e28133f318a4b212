"""The compact response encoding and domain scoring.

Answers: one little-endian uint16 per answerable item (its `slot`):
- scale item: the index of the chosen option (0 = first option);
- single choice: the index of the chosen option;
- multiple choice: a bitmask of chosen option indexes (bit i = option i);
- `MISSING` when skipped or "prefer not to answer" on a scale item.
Scores: one uint8 per domain, 0–100, `UNSCORED` when too few items were answered.

Whole waves decode with one `numpy.frombuffer`, which is what makes reports fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from surveys.instruments.definition import Definition, Item

MISSING = 0xFFFF
UNSCORED = 0xFF
ANSWER_DTYPE = np.dtype("<u2")
SCORE_DTYPE = np.dtype("u1")

AnswerValue = int | str | list[str] | None


class AnswerError(ValueError):
    """An answer does not fit its item (unknown option, out-of-range value...)."""

    def __init__(self, item_code: str, message: str) -> None:
        self.item_code = item_code
        super().__init__(f"{item_code}: {message}")


def encode_item(item: Item, value: AnswerValue) -> int:
    """Encode one answer. Scale answers are given as the option *value*, choices as codes."""
    if value is None or value == "" or value == []:
        return MISSING
    if item.type == "scale":
        assert item.scale is not None
        try:
            number = int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise AnswerError(item.code, f"{value!r} is not a number on the scale") from None
        for index, option in enumerate(item.scale.options):
            if option.value == number:
                return index
        allowed = ", ".join(str(option.value) for option in item.scale.options)
        raise AnswerError(item.code, f"{number} is not on the scale ({allowed})")
    if item.type == "single":
        if not isinstance(value, str):
            raise AnswerError(item.code, "expects one option code")
        try:
            return item.option_index(value)
        except KeyError:
            raise AnswerError(item.code, f"unknown option {value!r}") from None
    if item.type == "multi":
        codes = [value] if isinstance(value, str) else list(value)  # type: ignore[arg-type]
        mask = 0
        exclusive_chosen = []
        for code in codes:
            try:
                index = item.option_index(code)
            except KeyError:
                raise AnswerError(item.code, f"unknown option {code!r}") from None
            if item.options[index].exclusive:
                exclusive_chosen.append(code)
            mask |= 1 << index
        if exclusive_chosen and len(set(codes)) > 1:
            raise AnswerError(
                item.code, f"{exclusive_chosen[0]!r} cannot be combined with other answers"
            )
        return mask
    raise AnswerError(item.code, "free-text items are not stored in the answers")


def decode_item(item: Item, raw: int) -> AnswerValue:
    if raw == MISSING:
        return None
    if item.type == "scale":
        assert item.scale is not None
        return item.scale.options[raw].value
    if item.type == "single":
        return item.options[raw].code
    return [option.code for index, option in enumerate(item.options) if raw & (1 << index)]


def encode_answers(definition: Definition, answers: Mapping[str, AnswerValue]) -> np.ndarray:
    """One response's answers as a uint16 row; unknown item codes are an error."""
    slot_items = definition.slot_items
    row = np.full(len(slot_items), MISSING, dtype=ANSWER_DTYPE)
    known = {item.code for item in slot_items}
    for code in answers:
        if code not in known:
            raise AnswerError(code, "is not an answerable item of this instrument")
    for item in slot_items:
        assert item.slot is not None
        row[item.slot] = encode_item(item, answers.get(item.code))
    return row


def decode_answers(definition: Definition, blob: bytes) -> dict[str, AnswerValue]:
    row = np.frombuffer(blob, dtype=ANSWER_DTYPE)
    return {
        item.code: decode_item(item, int(row[item.slot]))
        for item in definition.slot_items
        if item.slot is not None
    }


def answers_matrix(blobs: Iterable[bytes], slots: int) -> np.ndarray:
    """Stack many answer blobs into an (n, slots) uint16 matrix without a Python loop per value."""
    joined = b"".join(bytes(blob) for blob in blobs)
    return np.frombuffer(joined, dtype=ANSWER_DTYPE).reshape(-1, slots)


def scores_matrix(blobs: Iterable[bytes], domains: int) -> np.ndarray:
    joined = b"".join(bytes(blob) for blob in blobs)
    return np.frombuffer(joined, dtype=SCORE_DTYPE).reshape(-1, domains)


def _item_points(item: Item) -> np.ndarray:
    """0–100 points for each option index of a scale item, reversed where the item says so."""
    assert item.scale is not None
    values = np.array([option.value for option in item.scale.options], dtype=float)
    points = (values - values[0]) / (values[-1] - values[0]) * 100.0
    return 100.0 - points if item.reverse else points


def score_matrix(definition: Definition, answers: np.ndarray) -> np.ndarray:
    """Domain scores (n, domains) uint8 for an (n, slots) answers matrix, vectorized.

    A domain's score is the mean of its answered items' 0–100 points, rounded,
    when at least `min_answered` of its items were answered; otherwise UNSCORED.
    """
    answers = np.atleast_2d(answers)
    n = answers.shape[0]
    scores = np.full((n, len(definition.domains)), UNSCORED, dtype=SCORE_DTYPE)
    for domain in definition.domains:
        columns = []
        for code in domain.items:
            item = definition.item(code)
            assert item.slot is not None
            raw = answers[:, item.slot].astype(np.int64)
            answered = raw != MISSING
            points = _item_points(item)
            column = np.full(n, np.nan)
            column[answered] = points[raw[answered]]
            columns.append(column)
        stacked = np.column_stack(columns)
        answered_count = np.sum(~np.isnan(stacked), axis=1)
        with np.errstate(invalid="ignore"):
            means = np.nanmean(np.where(answered_count[:, None] > 0, stacked, 0.0), axis=1)
        ok = answered_count >= domain.min_answered
        # Half-up rounding, as people expect (62.5 shows as 63), not numpy's half-to-even.
        scores[ok, domain.index] = np.floor(means[ok] + 0.5).astype(SCORE_DTYPE)
    return scores


def score_answers(
    definition: Definition, answers: Mapping[str, AnswerValue]
) -> dict[str, int | None]:
    """Domain scores of one person's answers, for their private result page."""
    row = encode_answers(definition, answers)
    scores = score_matrix(definition, row)[0]
    return {
        domain.code: None if scores[domain.index] == UNSCORED else int(scores[domain.index])
        for domain in definition.domains
    }


def decode_scores(definition: Definition, blob: bytes) -> dict[str, int | None]:
    row = np.frombuffer(blob, dtype=SCORE_DTYPE)
    return {
        domain.code: None if row[domain.index] == UNSCORED else int(row[domain.index])
        for domain in definition.domains
    }


def normalize_answers(definition: Definition, answers: Mapping[str, Any]) -> dict[str, AnswerValue]:
    """Round-trip through the encoding: validates and canonicalizes form input."""
    row = encode_answers(definition, answers)
    return {
        item.code: decode_item(item, int(row[item.slot]))
        for item in definition.slot_items
        if item.slot is not None
    }
