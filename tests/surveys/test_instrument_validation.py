"""Instrument definitions: every problem is reported with its exact location.

Each test breaks the mini instrument (tests/fixtures/mini_instrument.json) in
one way. The versioning tests at the end need the database.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from surveys.instruments.definition import (
    InstrumentError,
    load_definition,
    parse_definition_text,
)
from surveys.models import AuditEntry, InstrumentVersion
from surveys.services.instruments import InstrumentInUse, instrument_version_import
from surveys.services.waves import wave_set_status
from tests.conftest import mini_document

Document = dict[str, Any]


def broken(change: Callable[[Document], object]) -> list[str]:
    """Apply `change` to a fresh copy of the mini document and return the validation errors."""
    document = copy.deepcopy(mini_document())
    change(document)
    with pytest.raises(InstrumentError) as raised:
        load_definition(document)
    assert raised.value.errors, "an InstrumentError must list its problems"
    return raised.value.errors


def item(document: Document, section: int, position: int) -> Document:
    return document["sections"][section]["items"][position]


def option(code: str, exclusive: bool = False) -> Document:
    return {"code": code, "label": {"en": code, "fr": code}, "exclusive": exclusive}


def test_the_unbroken_mini_document_loads() -> None:
    definition = load_definition(copy.deepcopy(mini_document()))

    assert definition.code == "mini"
    assert [domain.code for domain in definition.domains] == ["stress", "burnout", "cares_connect"]


def test_duplicate_item_code() -> None:
    def change(document: Document) -> None:
        item(document, 0, 1)["code"] = "A1"

    assert (
        "sections[0].items[1]: duplicate item code 'A1' (first used at sections[0].items[0])"
        in broken(change)
    )


def test_duplicate_item_code_across_sections() -> None:
    def change(document: Document) -> None:
        item(document, 1, 0)["code"] = "A3"

    assert (
        "sections[1].items[0]: duplicate item code 'A3' (first used at sections[0].items[2])"
        in broken(change)
    )


def test_domain_naming_an_unknown_item() -> None:
    def change(document: Document) -> None:
        document["domains"][0]["items"] = ["A1", "ZZ9"]

    assert "domains[0].items[1]: names an unknown item 'ZZ9'" in broken(change)


def test_domain_naming_a_non_scale_item() -> None:
    def change(document: Document) -> None:
        document["domains"][0]["items"] = ["A1", "D1"]

    assert "domains[0].items[1]: item 'D1' is not a scale item and cannot be scored" in broken(
        change
    )


def test_domain_mixing_sections() -> None:
    def change(document: Document) -> None:
        document["domains"][0]["items"] = ["A1", "B1"]

    assert "domains[0].items: all items of a domain must come from one section" in broken(change)


def test_missing_french_text() -> None:
    def change(document: Document) -> None:
        del item(document, 0, 1)["text"]["fr"]

    assert broken(change) == ["sections[0].items[1].text.fr: missing French text"]


def test_blank_french_text_counts_as_missing() -> None:
    def change(document: Document) -> None:
        document["domains"][2]["bands"][1]["meaning"]["fr"] = "   "

    assert broken(change) == ["domains[2].bands[1].meaning.fr: missing French text"]


def test_band_thresholds_out_of_order() -> None:
    def change(document: Document) -> None:
        document["domains"][0]["bands"][1]["upper"] = 30

    assert broken(change) == [
        "domains[0].bands[1].upper: band thresholds out of order: each upper bound must be "
        "above the previous one and below 100 (got 30 after 39)"
    ]


def test_band_threshold_of_100_is_out_of_range() -> None:
    def change(document: Document) -> None:
        document["domains"][1]["bands"][1]["upper"] = 100

    assert any(
        error.startswith("domains[1].bands[1].upper: band thresholds out of order")
        for error in broken(change)
    )


def test_wrong_band_codes() -> None:
    def change(document: Document) -> None:
        document["domains"][1]["bands"][1]["code"] = "medium"

    assert broken(change) == [
        "domains[1].bands: must be exactly the bands low, moderate, high in that order"
    ]


def test_missing_band() -> None:
    def change(document: Document) -> None:
        del document["domains"][0]["bands"][1]

    assert "domains[0].bands: must be exactly the bands low, moderate, high in that order" in (
        broken(change)
    )


def test_top_band_with_an_upper_bound() -> None:
    def change(document: Document) -> None:
        document["domains"][0]["bands"][2]["upper"] = 100

    assert broken(change) == [
        "domains[0].bands[2].upper: the top band has no upper bound (it runs to 100)"
    ]


def test_scale_values_must_increase() -> None:
    def change(document: Document) -> None:
        document["scales"][0]["options"][2]["value"] = 1

    assert (
        "scales[0].options[2].value: scale values must increase from one option to the next"
        in broken(change)
    )


def test_unknown_scale() -> None:
    def change(document: Document) -> None:
        item(document, 0, 2)["scale"] = "agree7"

    assert "sections[0].items[2].scale: names an unknown scale 'agree7'" in broken(change)


def test_self_id_single_choice_without_prefer_not_to_answer() -> None:
    def change(document: Document) -> None:
        options = item(document, 2, 0)["options"]
        options[:] = [o for o in options if o["code"] != "prefer_not_to_answer"]

    assert broken(change) == [
        "sections[2].items[0].options: a self-identification question needs an exclusive "
        "'prefer_not_to_answer' option"
    ]


def test_self_id_multi_choice_needs_prefer_not_to_answer_to_be_exclusive() -> None:
    def change(document: Document) -> None:
        item(document, 2, 1)["options"][3]["exclusive"] = False

    assert broken(change) == [
        "sections[2].items[1].options: a self-identification question needs an exclusive "
        "'prefer_not_to_answer' option"
    ]


def test_cares_item_without_self_text() -> None:
    def change(document: Document) -> None:
        del item(document, 1, 0)["self_text"]

    assert broken(change) == ["sections[1].items[0].self_text: text is missing"]


def test_reverse_on_a_non_scale_item() -> None:
    def change(document: Document) -> None:
        item(document, 2, 0)["reverse"] = True

    assert broken(change) == [
        "sections[2].items[0].reverse: only scale items can be reverse-scored"
    ]


def test_too_many_options_on_a_multi_item() -> None:
    def change(document: Document) -> None:
        item(document, 2, 1)["options"] = [option(f"opt{n}") for n in range(15)] + [
            option("prefer_not_to_answer", exclusive=True)
        ]

    assert broken(change) == [
        "sections[2].items[1].options: at most 15 options are allowed, got 16"
    ]


def test_fifteen_options_on_a_multi_item_are_allowed() -> None:
    document = copy.deepcopy(mini_document())
    item(document, 2, 1)["options"] = [option(f"opt{n}") for n in range(14)] + [
        option("prefer_not_to_answer", exclusive=True)
    ]

    assert len(load_definition(document).item("D2").options) == 15


@pytest.mark.parametrize("value", [2, 0, "1", None])
def test_wrong_format_number(value: object) -> None:
    def change(document: Document) -> None:
        document["format"] = value

    assert broken(change) == [f"format: must be 1, got {value!r}"]


def test_unknown_stage() -> None:
    def change(document: Document) -> None:
        document["domains"][1]["stage"] = "trauma"

    assert broken(change) == ["domains[1].stage: names an unknown stage 'trauma'"]


@pytest.mark.parametrize("value", [0, 3])
def test_min_answered_out_of_range(value: int) -> None:
    def change(document: Document) -> None:
        document["domains"][1]["min_answered"] = value

    assert broken(change) == [f"domains[1].min_answered: must be between 1 and 2, got {value}"]


def test_stage_that_is_not_a_code() -> None:
    def change(document: Document) -> None:
        document["domains"][0]["stage"] = ["stress"]

    assert broken(change) == ["domains[0].stage: names an unknown stage ['stress']"]


def test_invalid_instrument_code_is_located_at_the_top_level() -> None:
    def change(document: Document) -> None:
        document["code"] = "mini instrument"

    assert broken(change) == [
        "code: 'mini instrument' is not a valid code "
        "(a letter, then up to 39 letters, digits, . _ -)"
    ]


def test_unknown_item_type() -> None:
    def change(document: Document) -> None:
        item(document, 0, 0)["type"] = "slider"

    assert (
        "sections[0].items[0].type: must be one of scale, single, multi, text, got 'slider'"
        in broken(change)
    )


def test_invalid_json_names_line_and_column() -> None:
    text = '{\n  "format": 1,\n  "code": "mini",,\n}'

    with pytest.raises(InstrumentError) as raised:
        parse_definition_text(text)

    assert raised.value.errors == [
        "The file is not valid JSON: Expecting property name enclosed in double quotes "
        "at line 3, column 18."
    ]


def test_text_that_is_not_utf8() -> None:
    raw = json.dumps(mini_document(), ensure_ascii=False).encode("latin-1")

    with pytest.raises(InstrumentError) as raised:
        parse_definition_text(raw)

    assert raised.value.errors == ["The file is not UTF-8 text; save it as UTF-8 and try again."]


def test_json_that_is_not_an_object() -> None:
    with pytest.raises(InstrumentError) as raised:
        parse_definition_text(b"[1, 2]")

    assert raised.value.errors == ["The definition must be a JSON object."]


def test_valid_json_text_parses() -> None:
    raw = json.dumps(mini_document()).encode()

    assert parse_definition_text(raw) == mini_document()


def test_several_errors_are_all_reported() -> None:
    def change(document: Document) -> None:
        document["format"] = 2
        del item(document, 0, 1)["text"]["fr"]
        item(document, 0, 2)["scale"] = "agree7"
        document["domains"][0]["stage"] = "trauma"
        document["domains"][2]["bands"][2]["upper"] = 99

    errors = broken(change)

    for expected in (
        "format: must be 1, got 2",
        "sections[0].items[1].text.fr: missing French text",
        "sections[0].items[2].scale: names an unknown scale 'agree7'",
        "domains[0].stage: names an unknown stage 'trauma'",
        "domains[2].bands[2].upper: the top band has no upper bound (it runs to 100)",
    ):
        assert expected in errors
    assert len(errors) >= 5


def _paths(node: object, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


_REMOVE = object()


def test_any_malformed_value_is_an_instrument_error_never_a_crash() -> None:
    """Replace or delete every value of the document in turn: always a located error."""
    original = mini_document()
    for path in _paths(original):
        for replacement in (_REMOVE, None, ["x"], {"x": 1}, 1.5):
            document = copy.deepcopy(original)
            parent: Any = document
            for key in path[:-1]:
                parent = parent[key]
            if replacement is _REMOVE:
                del parent[path[-1]]
            else:
                parent[path[-1]] = replacement
            try:
                load_definition(document)
            except InstrumentError:
                pass
            except Exception as error:  # the point: catch any crash
                pytest.fail(f"{path} = {replacement!r} crashed: {error!r}")


# -- versions ----------------------------------------------------------------------


def retitled(title: str = "Mini check-in, revised") -> Document:
    document = mini_document()
    document["title"]["en"] = title
    return document


@pytest.mark.django_db
def test_importing_identical_content_is_a_no_op() -> None:
    first = instrument_version_import(document=mini_document())

    second = instrument_version_import(document=mini_document())

    assert second.pk == first.pk
    assert InstrumentVersion.objects.count() == 1
    assert AuditEntry.objects.filter(action="instrument.import").count() == 1
    assert not AuditEntry.objects.filter(action="instrument.replace").exists()


@pytest.mark.django_db
def test_replacing_an_unused_version(mini_version: InstrumentVersion) -> None:
    old_checksum = mini_version.checksum

    replaced = instrument_version_import(document=retitled())

    assert replaced.pk == mini_version.pk
    stored = InstrumentVersion.objects.get(pk=mini_version.pk)
    assert stored.definition["title"]["en"] == "Mini check-in, revised"
    assert stored.checksum != old_checksum
    assert stored.parsed.title.en == "Mini check-in, revised"
    assert AuditEntry.objects.filter(action="instrument.replace").count() == 1


@pytest.mark.django_db
def test_a_draft_wave_does_not_freeze_its_version(wave: Any) -> None:
    instrument_version_import(document=retitled())

    assert InstrumentVersion.objects.get().definition["title"]["en"] == "Mini check-in, revised"


@pytest.mark.django_db
@pytest.mark.parametrize("status_path", [["open"], ["open", "closed"]])
def test_a_version_used_by_an_opened_wave_cannot_change(
    wave: Any, mini_version: InstrumentVersion, status_path: list[str]
) -> None:
    for status in status_path:
        wave_set_status(wave=wave, status=status)
    before = InstrumentVersion.objects.get(pk=mini_version.pk)

    with pytest.raises(InstrumentInUse) as raised:
        instrument_version_import(document=retitled())

    assert raised.value.errors == [
        "mini version 1 is used by a wave that has opened and cannot change; "
        "import it as version 2 instead."
    ]
    after = InstrumentVersion.objects.get(pk=mini_version.pk)
    assert after.definition == before.definition == mini_document()
    assert after.checksum == before.checksum
    assert not AuditEntry.objects.filter(action="instrument.replace").exists()


@pytest.mark.django_db
def test_the_next_version_can_be_imported_while_the_first_is_in_use(
    open_wave: Any, mini_version: InstrumentVersion
) -> None:
    document = retitled()
    document["version"] = 2

    second = instrument_version_import(document=document)

    assert second.pk != mini_version.pk
    assert sorted(InstrumentVersion.objects.values_list("version", flat=True)) == [1, 2]
    assert InstrumentVersion.objects.get(pk=mini_version.pk).definition == mini_document()


@pytest.mark.django_db
def test_an_invalid_document_stores_nothing() -> None:
    document = mini_document()
    document["format"] = 3

    with pytest.raises(InstrumentError):
        instrument_version_import(document=document)

    assert not InstrumentVersion.objects.exists()


def test_self_identification_section_must_name_its_standard() -> None:
    errors = broken(lambda d: d["sections"][2].pop("standard"))
    assert any(
        e.startswith("sections[2].standard: a self-identification section must name")
        for e in errors
    )


def test_section_standard_is_kept_with_the_definition() -> None:
    definition = load_definition(mini_document())
    assert definition.section("D").standard == "Test standard v1"
