"""The default instrument shipped with Continuum (surveys/instruments/data/continuum-v1.json).

Plain checks on the data file itself: no database and no Django settings are needed.
"""

from __future__ import annotations

import json
import pathlib
from functools import cache

from surveys.instruments.definition import (
    PREFER_NOT_TO_ANSWER,
    Definition,
    Item,
    iter_texts,
    load_definition,
)

DEFAULT_INSTRUMENT = (
    pathlib.Path(__file__).resolve().parents[2]
    / "surveys"
    / "instruments"
    / "data"
    / "continuum-v1.json"
)
INDIGENOUS_CODES = {"first_nations", "metis", "inuit"}
RACE_CODES = {"black", "east_asian", "south_asian", "white"}
# Short labels that are legitimately the same in both languages (e.g. "Métis", "Inuit").
MAX_IDENTICAL_SHORT_LABELS = 5
SHORT_LABEL = 12


@cache
def definition() -> Definition:
    return load_definition(json.loads(DEFAULT_INSTRUMENT.read_text(encoding="utf-8")))


def self_id_items() -> list[Item]:
    return [item for section in definition().sections_of_kind("self_id") for item in section.items]


def option_codes(item: Item) -> set[str]:
    return {option.code for option in item.options}


def test_default_instrument_loads() -> None:
    loaded = definition()

    assert loaded.code == "continuum"
    assert loaded.version == 1
    assert 12 <= loaded.estimated_minutes <= 15


def test_item_count_is_between_45_and_60() -> None:
    assert 45 <= len(definition().items) <= 60


def test_every_section_kind_is_present() -> None:
    kinds = {section.kind for section in definition().sections}

    assert kinds == {"assessment", "cares", "workplace", "self_id", "comment"}


def test_stages_run_from_stress_to_collective_trauma() -> None:
    codes = [stage.code for stage in definition().stages]

    assert codes[0] == "stress"
    assert codes[-1] == "collective_trauma"
    assert len(codes) == 8


def test_indigenous_identity_is_asked_before_racial_identity() -> None:
    items = self_id_items()
    indigenous = [i for i, item in enumerate(items) if option_codes(item) >= INDIGENOUS_CODES]
    race = [i for i, item in enumerate(items) if option_codes(item) >= RACE_CODES]

    assert len(indigenous) == 1
    assert len(race) == 1
    assert indigenous[0] < race[0]
    assert items[indigenous[0]].type == "multi"
    assert items[race[0]].type == "multi"


def test_indigenous_identity_options_combine_or_exclude_as_the_standard_says() -> None:
    item = next(item for item in self_id_items() if option_codes(item) >= INDIGENOUS_CODES)
    exclusive = {option.code for option in item.options if option.exclusive}

    assert exclusive == {"not_indigenous", "dont_know", PREFER_NOT_TO_ANSWER}


def test_every_self_id_question_offers_prefer_not_to_answer() -> None:
    items = self_id_items()

    assert items
    for item in items:
        assert item.type in ("single", "multi"), item.code
        option = next((o for o in item.options if o.code == PREFER_NOT_TO_ANSWER), None)
        assert option is not None, item.code
        if item.type == "multi":
            assert option.exclusive, item.code


def test_every_cares_item_has_a_self_rating_wording() -> None:
    items = [item for section in definition().sections_of_kind("cares") for item in section.items]

    assert len(items) == 10
    for item in items:
        assert item.self_text is not None, item.code
        assert item.self_text.en != item.text.en, item.code


def test_exactly_one_free_text_item_in_the_comment_section() -> None:
    text_items = definition().text_items

    assert len(text_items) == 1
    assert text_items[0].section in {s.code for s in definition().sections_of_kind("comment")}
    assert text_items[0].max_length == 1500


def test_every_stage_is_scored_by_at_least_one_domain() -> None:
    used = {domain.stage for domain in definition().domains}

    for stage in definition().stages:
        assert stage.code in used, stage.code


def test_every_domain_scores_two_to_four_items() -> None:
    for domain in definition().domains:
        assert 2 <= len(domain.items) <= 4, domain.code


def test_every_text_has_english_and_french() -> None:
    for text in iter_texts(definition()):
        assert text.en.strip()
        assert text.fr.strip()


def test_disclaimer_says_it_is_not_a_diagnosis() -> None:
    disclaimer = definition().disclaimer

    assert "diagnosis" in disclaimer.en
    assert "diagnostic" in disclaimer.fr


def test_item_texts_are_translated_not_copied() -> None:
    for item in definition().items:
        assert item.text.en != item.text.fr, item.code
        if item.help:
            assert item.help.en != item.help.fr, item.code
        if item.self_text:
            assert item.self_text.en != item.self_text.fr, item.code


def test_only_a_few_short_labels_are_the_same_in_both_languages() -> None:
    identical = [text.en for text in iter_texts(definition()) if text.en == text.fr]

    assert len(identical) <= MAX_IDENTICAL_SHORT_LABELS, identical
    for text in identical:
        assert len(text) <= SHORT_LABEL, text
