"""A stored instrument version is read and parsed once per process, not on every page."""

from __future__ import annotations

import pytest

from surveys.instruments import definition as definition_module
from surveys.selectors import staff_wave
from surveys.services.instruments import instrument_version_import

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_parsed(monkeypatch):
    monkeypatch.setattr(definition_module, "_STORED", {})


def test_the_document_is_read_only_the_first_time(open_wave, django_assert_num_queries):
    with django_assert_num_queries(2):  # the wave, then the deferred document
        first = staff_wave(open_wave.slug)
        assert first is not None
        assert first.instrument_version.parsed.sections
    with django_assert_num_queries(1):  # the wave only
        again = staff_wave(open_wave.slug)
        assert again is not None
        assert again.instrument_version.parsed is first.instrument_version.parsed


def test_another_version_is_parsed_on_its_own(open_wave, mini_definition_document):
    original = staff_wave(open_wave.slug).instrument_version.parsed
    changed = {**mini_definition_document, "version": 2, "estimated_minutes": 42}
    version = instrument_version_import(document=changed)
    assert version.checksum != open_wave.instrument_version.checksum
    assert version.parsed.estimated_minutes == 42
    assert staff_wave(open_wave.slug).instrument_version.parsed is original
