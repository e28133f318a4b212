"""Released waves with synthetic answers for the report tests.

With the shared cast's tree (tests/conftest.py) and the default threshold 5,
`released` gives:

- NORTH (alice): 6 people directly in NORTH, 12 in N-ED, 3 in N-ICU. N-ICU is
  below the threshold, so it is hidden; NORTH's residual (6 + 3) is safe, so
  N-ED stays shown.
- SOUTH (bob): 20 people in S-MED.
- 20 invitations per unit, so response rates show.
"""

from __future__ import annotations

import csv
import html.parser
import io
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from surveys.models import Invitation, OrgUnit, Wave

COUNTS = {"NORTH": 6, "N-ED": 12, "N-ICU": 3, "S-MED": 20}
STRAIN = {"NORTH": 0.1, "N-ED": 0.5, "N-ICU": -0.2, "S-MED": 0.3}


@pytest.fixture(autouse=True)
def _fresh_report_caches() -> Iterator[None]:
    """Per-process caches are keyed by primary keys, which SQLite reuses between tests."""
    from reports import aggregation, charts, stats

    def clear() -> None:
        stats.clear_cache()
        aggregation._TABLES.clear()
        charts._stacked_svg.cache_clear()
        charts._dots_svg.cache_clear()

    clear()
    yield
    clear()


def fill_wave(
    wave: Wave,
    org: dict[str, OrgUnit],
    counts: dict[str, int],
    *,
    seed: int = 7,
    invited: int = 20,
    comment_rate: float = 0.5,
) -> None:
    from surveys.services.synthetic import responses_create_synthetic

    Invitation.objects.bulk_create(
        Invitation(wave=wave, unit=org[code], email="") for code in counts for _ in range(invited)
    )
    codes = [code for code, n in counts.items() if n]
    responses_create_synthetic(
        wave=wave,
        units=[org[code] for code in codes],
        counts=[counts[code] for code in codes],
        strain=[STRAIN.get(code, 0.0) for code in codes],
        rng=np.random.default_rng(seed),
        comment_rate=comment_rate,
    )


def release(wave: Wave) -> Wave:
    from surveys.services.waves import wave_set_status

    for status in ("open", "closed", "released"):
        if wave.status != status:
            wave = wave_set_status(wave=wave, status=status)
    return wave


@pytest.fixture
def released(wave: Wave, org: dict[str, OrgUnit]) -> Wave:
    """The shared `spring` wave, filled and released (see the module docstring)."""
    from surveys.services.waves import wave_set_status

    wave = wave_set_status(wave=wave, status="open")
    fill_wave(wave, org, COUNTS)
    return release(wave)


@pytest.fixture
def open_filled(wave: Wave, org: dict[str, OrgUnit]) -> Wave:
    """The `spring` wave, open, with the same answers as `released`."""
    from surveys.services.waves import wave_set_status

    wave = wave_set_status(wave=wave, status="open")
    fill_wave(wave, org, COUNTS)
    return wave


@pytest.fixture
def earlier_wave(released: Wave, org: dict[str, OrgUnit], mini_version: Any) -> Wave:
    """A released wave of the same instrument that closed before `released`."""
    import datetime

    from surveys.services.waves import wave_create, wave_set_status, wave_update

    earlier = wave_create(
        slug="autumn",
        name="Autumn check-in",
        instrument_version=mini_version,
        units=[org["ORG"]],
        open_link_enabled=True,
    )
    earlier = wave_set_status(wave=earlier, status="open")
    fill_wave(earlier, org, {"NORTH": 7, "N-ED": 15, "N-ICU": 6, "S-MED": 18}, seed=3)
    earlier = release(earlier)
    opens = released.opens_on - datetime.timedelta(days=200)
    return wave_update(wave=earlier, opens_on=opens, closes_on=opens + datetime.timedelta(days=20))


# -- reading numbers back ------------------------------------------------------------
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class FigureCells(html.parser.HTMLParser):
    """Every element with `data-figure`: its key, kind and visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str, str]] = []
        # Open elements: (tag, visually hidden, [key, kind, text parts] or None)
        self._open: list[tuple[str, bool, list[Any] | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        values = dict(attrs)
        hidden = "visually-hidden" in (values.get("class") or "").split()
        figure = (
            [values["data-figure"], values.get("data-kind", ""), []]
            if "data-figure" in values
            else None
        )
        self._open.append((tag, hidden, figure))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            open_tag, _hidden, figure = self._open.pop()
            if figure is not None:
                key, kind, parts = figure
                self.cells.append((key, kind, " ".join("".join(parts).split())))
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if any(hidden for _tag, hidden, _figure in self._open):
            return
        for _tag, _hidden, figure in reversed(self._open):
            if figure is not None:
                figure[2].append(data)
                return


def figure_cells(markup: str) -> list[tuple[str, str, str]]:
    parser = FigureCells()
    parser.feed(markup)
    return parser.cells


def number_of(text: str) -> float | None:
    """The number in a cell's visible text, or None for a hidden cell ("—")."""
    match = NUMBER.search(text.replace(",", "."))
    return float(match.group()) if match else None


def csv_figures(text: str) -> dict[str, dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    return {
        "|".join((row["unit_code"], row["breakdown"], row["group"], row["measure"])): row
        for row in rows
    }
