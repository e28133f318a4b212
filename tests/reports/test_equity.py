"""Equity breakdowns: /reports/<slug>/equity/ (equity analysts only)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from reports.aggregation import wave_report
from reports.viewers import Role, viewer_for
from surveys.models import AuditEntry, OrgUnit, Wave
from tests.reports.conftest import csv_figures, figure_cells, fill_wave, number_of, release

pytestmark = pytest.mark.django_db


def url(wave: Wave) -> str:
    return reverse("reports:equity", args=[wave.slug])


@pytest.fixture
def large(wave: Wave, org: dict[str, OrgUnit]) -> Wave:
    """Enough people for breakdowns at the equity threshold (10)."""
    from surveys.services.waves import wave_set_status

    wave = wave_set_status(wave=wave, status="open")
    fill_wave(wave, org, {"NORTH": 30, "N-ED": 60, "N-ICU": 40, "S-MED": 70}, seed=11)
    return release(wave)


def test_analyst_sees_breakdowns_matching_the_gate(
    client: Client, analyst: Any, large: Wave
) -> None:
    client.force_login(analyst)
    response = client.get(url(large))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Gender" in html and "Indigenous identity" in html
    assert "at least 10 people" in html  # the equity threshold, explained
    assert "remainder rule" in html
    gate = wave_report(wave=large, viewer=viewer_for(analyst, Role.ANALYST))
    groups = {f"{gate.focus.code}||{b.code}|{g.code}": g for b in gate.breakdowns for g in b.groups}
    cells = {key: (kind, number_of(text)) for key, kind, text in figure_cells(html)}
    shown_groups = 0
    for key, group in groups.items():
        prefix = key.split("||")[0] + "|" + key.split("||")[1]
        respondents = cells[f"{prefix}|respondents"][1]
        if group.respondents.shown:
            shown_groups += 1
            assert respondents == group.respondents.n
        else:
            assert respondents is None
    assert shown_groups >= 2
    # "Prefer not to answer" is never a group of its own.
    assert not any("prefer_not_to_answer" in key for key in cells)


def test_hidden_groups_when_too_small(client: Client, analyst: Any, released: Wave) -> None:
    client.force_login(analyst)
    html = client.get(url(released)).content.decode()
    # 41 people in all: no group and its remainder both reach 10 in every question.
    gate = wave_report(wave=released, viewer=viewer_for(analyst, Role.ANALYST))
    for breakdown in gate.breakdowns:
        for group in breakdown.groups:
            key = f"{gate.focus.code}|{breakdown.code}|{group.code}|respondents"
            text = next(t for k, _kind, t in figure_cells(html) if k == key)
            assert (number_of(text) is None) is (not group.respondents.shown)


def test_leaders_and_hr_get_403(
    client: Client, alice: Any, hr: Any, charlie: Any, released: Wave
) -> None:
    for user in (alice, hr, charlie):
        client.force_login(user)
        assert client.get(url(released)).status_code == 403
        assert (
            client.get(reverse("reports:equity_export", args=[released.slug, "csv"])).status_code
            == 403
        )


def test_anonymous_is_sent_to_log_in(client: Client, released: Wave) -> None:
    assert client.get(url(released)).status_code == 302


def test_wrong_method(client: Client, analyst: Any, released: Wave) -> None:
    client.force_login(analyst)
    assert client.post(url(released)).status_code == 405


def test_draft_or_unknown_wave_is_404(client: Client, analyst: Any, wave: Wave) -> None:
    client.force_login(analyst)
    assert client.get(url(wave)).status_code == 404
    assert client.get(reverse("reports:equity", args=["nope"])).status_code == 404


def test_not_released_yet(client: Client, analyst: Any, open_filled: Wave) -> None:
    client.force_login(analyst)
    assert "Results are not released yet" in client.get(url(open_filled)).content.decode()


def test_exports_hold_the_breakdowns_on_screen(client: Client, analyst: Any, large: Wave) -> None:
    client.force_login(analyst)
    cells = {
        key: number_of(text)
        for key, _kind, text in figure_cells(client.get(url(large)).content.decode())
    }
    response = client.get(reverse("reports:equity_export", args=[large.slug, "csv"]))
    rows = csv_figures(b"".join(response.streaming_content).decode())
    assert set(rows) == set(cells)
    for key, shown in cells.items():
        if shown is None:
            assert rows[key]["status"] == "suppressed"
        else:
            assert float(rows[key]["value"]) == pytest.approx(shown)
    page = client.post(reverse("reports:equity_pdf", args=[large.slug]))["Location"]
    pdf = client.get(page + "download/")
    assert pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("reports:equity_export", args=[large.slug, "xlsx"]))
    assert xlsx.status_code == 200
    assert (
        list(AuditEntry.objects.filter(action="report.export").values_list("data__page", flat=True))
        == ["equity"] * 3
    )
