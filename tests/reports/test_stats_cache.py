"""The stored per-wave statistics: reused across processes, never stale."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from reports import stats
from reports.models import WaveStatsCache
from reports.tasks import warm_wave_stats
from surveys.csvrows import read_csv
from surveys.models import Wave
from surveys.services.paper import paper_responses_import
from surveys.services.waves import wave_set_status

pytestmark = pytest.mark.django_db


def _no_reading(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("responses were read again")


def test_a_new_process_reuses_stored_statistics_without_reading_responses(released, monkeypatch):
    first = stats.wave_stats(released)
    assert WaveStatsCache.objects.filter(wave=released).count() == 1

    stats.clear_cache()  # as in a freshly started server process
    monkeypatch.setattr(stats, "_load_matrices", _no_reading)
    again = stats.wave_stats(Wave.objects.get(pk=released.pk))
    for name in ("respondents", "invited", "domain_n", "domain_sum", "domain_bands", "item_counts"):
        assert np.array_equal(getattr(first, name), getattr(again, name)), name


def test_changed_responses_make_the_stored_statistics_stale(released, org):
    before = stats.wave_stats(released)
    key_before = WaveStatsCache.objects.get(wave=released).key
    Wave.objects.filter(pk=released.pk).update(status=Wave.Status.CLOSED)
    closed = Wave.objects.get(pk=released.pk)
    rows = read_csv("unit_code,A1\nS-MED,4\n", required=("unit_code",), optional=("A1",))
    paper_responses_import(wave=closed, rows=rows)
    stats.clear_cache()
    after = stats.wave_stats(closed)
    assert after.response_count == before.response_count + 1
    assert WaveStatsCache.objects.get(wave=released).key != key_before
    assert WaveStatsCache.objects.filter(wave=released).count() == 1  # overwritten, not piled up


def test_reopening_a_wave_drops_its_stored_statistics(wave, org):
    open_wave = wave_set_status(wave=wave, status="open")
    closed = wave_set_status(wave=open_wave, status="closed")
    stats.wave_stats(closed)
    assert WaveStatsCache.objects.filter(wave=closed).exists()
    wave_set_status(wave=closed, status="open")
    assert not WaveStatsCache.objects.filter(wave=closed).exists()


def test_release_warms_the_statistics_in_the_background(
    wave, org, django_capture_on_commit_callbacks
):
    wave = wave_set_status(wave=wave_set_status(wave=wave, status="open"), status="closed")
    assert not WaveStatsCache.objects.filter(wave=wave).exists()
    with django_capture_on_commit_callbacks(execute=True):
        wave_set_status(wave=wave, status="released")
    assert WaveStatsCache.objects.filter(wave=wave).exists()


def test_warming_does_nothing_for_a_wave_that_is_not_released(open_wave):
    assert warm_wave_stats.call(open_wave.pk) == 0
    assert not WaveStatsCache.objects.filter(wave=open_wave).exists()
