"""The compact answer encoding and domain scoring, checked against hand-computed values.

Mini instrument: stress = A1, A2 (min 1); burnout = A3, A4 reversed (min 2);
cares_connect = B1. Scale freq5 runs 0–4, so each step is 25 points.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import numpy as np
import pytest

from surveys.instruments.definition import Definition, load_definition
from surveys.instruments.encoding import (
    MISSING,
    AnswerError,
    answers_matrix,
    decode_answers,
    decode_scores,
    encode_answers,
    normalize_answers,
    score_answers,
    score_matrix,
)
from tests.conftest import mini_document

SLOTS = ["A1", "A2", "A3", "A4", "B1", "D1", "D2"]
NOTHING = dict.fromkeys(SLOTS)


@cache
def mini() -> Definition:
    return load_definition(mini_document())


def with_scale_values(values: list[int]) -> Definition:
    """The mini instrument with its scale's option values replaced."""
    document = copy.deepcopy(mini_document())
    for option, value in zip(document["scales"][0]["options"], values, strict=True):
        option["value"] = value
    return load_definition(document)


def round_trip(definition: Definition, answers: dict[str, Any]) -> dict[str, Any]:
    return decode_answers(definition, encode_answers(definition, answers).tobytes())


# -- encoding ----------------------------------------------------------------------


def test_slots_cover_every_answerable_item_but_not_free_text() -> None:
    assert [item.code for item in mini().slot_items] == SLOTS
    assert encode_answers(mini(), {}).tobytes() == b"\xff\xff" * len(SLOTS)


def test_round_trip_of_every_item_type() -> None:
    answers = {
        "A1": 4,
        "A2": 0,
        "A4": 2,
        "B1": 3,
        "D1": "man",
        "D2": ["first_nations", "metis"],
    }

    assert round_trip(mini(), answers) == {**NOTHING, **answers}


def test_round_trip_returns_scale_values_not_positions() -> None:
    definition = with_scale_values([10, 20, 30, 40, 50])

    assert round_trip(definition, {"A1": 10, "A3": 50})["A1"] == 10
    assert round_trip(definition, {"A1": 10, "A3": 50})["A3"] == 50


def test_multi_choice_keeps_the_instrument_order_and_accepts_one_code() -> None:
    assert round_trip(mini(), {"D2": ["metis", "first_nations"]})["D2"] == [
        "first_nations",
        "metis",
    ]
    assert round_trip(mini(), {"D2": "metis"})["D2"] == ["metis"]
    assert round_trip(mini(), {"D2": ["prefer_not_to_answer"]})["D2"] == ["prefer_not_to_answer"]


def test_skipped_answers_decode_as_none() -> None:
    assert round_trip(mini(), {"A1": None, "D1": "", "D2": []}) == NOTHING


def test_normalize_answers_accepts_form_strings() -> None:
    normalized = normalize_answers(mini(), {"A1": "3", "D1": "woman", "D2": "metis"})

    assert normalized == {**NOTHING, "A1": 3, "D1": "woman", "D2": ["metis"]}


def test_answers_matrix_stacks_rows() -> None:
    rows = [encode_answers(mini(), {"A1": n}).tobytes() for n in range(3)]

    matrix = answers_matrix(rows, len(SLOTS))

    assert matrix.shape == (3, len(SLOTS))
    assert matrix[:, 0].tolist() == [0, 1, 2]
    assert (matrix[:, 1:] == MISSING).all()


@pytest.mark.parametrize(
    ("answers", "code", "message"),
    [
        ({"D1": "other"}, "D1", "D1: unknown option 'other'"),
        ({"D1": ["woman"]}, "D1", "D1: expects one option code"),
        ({"D2": ["metis", "martian"]}, "D2", "D2: unknown option 'martian'"),
        ({"A1": 5}, "A1", "A1: 5 is not on the scale (0, 1, 2, 3, 4)"),
        ({"A1": -1}, "A1", "A1: -1 is not on the scale (0, 1, 2, 3, 4)"),
        ({"A1": "often"}, "A1", "A1: 'often' is not a number on the scale"),
        (
            {"D2": ["not_indigenous", "metis"]},
            "D2",
            "D2: 'not_indigenous' cannot be combined with other answers",
        ),
        (
            {"D2": ["first_nations", "prefer_not_to_answer"]},
            "D2",
            "D2: 'prefer_not_to_answer' cannot be combined with other answers",
        ),
        ({"Z9": 1}, "Z9", "Z9: is not an answerable item of this instrument"),
        ({"E1": "free text"}, "E1", "E1: is not an answerable item of this instrument"),
    ],
)
def test_bad_answers_are_refused(answers: dict[str, Any], code: str, message: str) -> None:
    with pytest.raises(AnswerError) as raised:
        encode_answers(mini(), answers)

    assert raised.value.item_code == code
    assert str(raised.value) == message


def test_value_must_be_on_a_scale_with_gaps() -> None:
    definition = with_scale_values([1, 2, 3, 5, 8])

    assert round_trip(definition, {"A1": 8})["A1"] == 8
    with pytest.raises(AnswerError, match=r"A1: 4 is not on the scale \(1, 2, 3, 5, 8\)"):
        encode_answers(definition, {"A1": 4})


# -- scoring -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # stress: (100 + 50) / 2
        ({"A1": 4, "A2": 2}, {"stress": 75, "burnout": None, "cares_connect": None}),
        # burnout: A3 = 100, A4 reversed 0 -> 100
        ({"A3": 4, "A4": 0}, {"stress": None, "burnout": 100, "cares_connect": None}),
        # burnout: A3 = 0, A4 reversed 4 -> 0
        ({"A3": 0, "A4": 4}, {"stress": None, "burnout": 0, "cares_connect": None}),
        # burnout: (50 + (100 - 25)) / 2 = 62.5 -> 63 (halves round up)
        ({"A3": 2, "A4": 1}, {"stress": None, "burnout": 63, "cares_connect": None}),
        # stress needs one answer; burnout needs two
        ({"A1": 1, "A3": 4}, {"stress": 25, "burnout": None, "cares_connect": None}),
        ({"B1": 3}, {"stress": None, "burnout": None, "cares_connect": 75}),
        # choice items never change scores
        (
            {"A1": 2, "D1": "woman", "D2": ["metis"]},
            {"stress": 50, "burnout": None, "cares_connect": None},
        ),
    ],
)
def test_domain_scores(answers: dict[str, Any], expected: dict[str, int | None]) -> None:
    assert score_answers(mini(), answers) == expected


def test_everything_skipped_scores_nothing() -> None:
    assert score_answers(mini(), {}) == {"stress": None, "burnout": None, "cares_connect": None}
    assert score_answers(mini(), NOTHING) == {
        "stress": None,
        "burnout": None,
        "cares_connect": None,
    }


def test_scoring_uses_the_position_on_the_scale() -> None:
    definition = with_scale_values([1, 2, 3, 5, 8])

    # A1 = 5 is the 4th of 5 options: (5 - 1) / (8 - 1) * 100 = 57.1 -> 57; A2 = 8 -> 100.
    assert score_answers(definition, {"A1": 5})["stress"] == 57
    assert score_answers(definition, {"A1": 5, "A2": 8})["stress"] == 79


def test_score_matrix_scores_many_rows_like_one() -> None:
    people = [
        {"A1": 4, "A2": 2, "A3": 4, "A4": 0, "B1": 3},
        {"A3": 4},
        {},
        {"A1": 0, "A2": 0, "A3": 1, "A4": 3, "B1": 0},
    ]
    matrix = np.vstack([encode_answers(mini(), answers) for answers in people])

    scores = score_matrix(mini(), matrix)

    assert scores.shape == (4, 3)
    for row, answers in zip(scores, people, strict=True):
        assert decode_scores(mini(), row.tobytes()) == score_answers(mini(), answers)
    assert decode_scores(mini(), scores[0].tobytes()) == {
        "stress": 75,
        "burnout": 100,
        "cares_connect": 75,
    }
    assert decode_scores(mini(), scores[3].tobytes()) == {
        "stress": 0,
        "burnout": 25,
        "cares_connect": 0,
    }


# -- bands -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "band"),
    [(0, "low"), (39, "low"), (40, "moderate"), (59, "moderate"), (60, "high"), (100, "high")],
)
def test_band_boundaries(score: int, band: str) -> None:
    assert mini().domain("stress").band_for(score).code == band


def test_band_carries_its_texts() -> None:
    high = mini().domain("stress").band_for(75)

    assert high.label.get("en") == "High"
    assert high.label.get("fr") == "Élevé"
    assert high.meaning.get("en") == "High strain."
