"""The unit report page: /reports/<slug>/ and /reports/<slug>/u/<code>/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from reports.aggregation import wave_report
from reports.exporters import tidy_rows
from reports.viewers import viewer_for
from surveys.models import OrgUnit, Wave
from tests.reports.conftest import figure_cells, fill_wave, number_of, release

pytestmark = pytest.mark.django_db


def url(wave: Wave, code: str | None = None) -> str:
    if code is None:
        return reverse("reports:report", args=[wave.slug])
    return reverse("reports:unit", args=[wave.slug, code])


def get(client: Client, user: Any, address: str) -> Any:
    client.force_login(user)
    return client.get(address)


def test_leader_sees_their_top_unit_by_default(client: Client, alice: Any, released: Wave) -> None:
    response = get(client, alice, url(released))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>North</h1>" in html
    # Children link to their own reports; the parent is not a link (alice does not lead ORG).
    assert reverse("reports:unit", args=[released.slug, "N-ED"]) in html
    assert reverse("reports:unit", args=[released.slug, "ORG"]) not in html
    for anchor in ("participation", "profile", "scores", "heatmap", "trend", "cares", "comments"):
        assert f'id="{anchor}"' in html
    # Every chart is inline SVG with a text alternative, and no inline style (strict CSP).
    assert html.count('role="img"') >= 3
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "style=" not in main
    assert "<script" not in main


def test_leader_opens_a_unit_below_theirs(client: Client, alice: Any, released: Wave) -> None:
    response = get(client, alice, url(released, "N-ED"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>North emergency</h1>" in html
    assert 'id="heatmap"' not in html  # no units below N-ED
    # Back up to NORTH, which alice may open.
    assert reverse("reports:unit", args=[released.slug, "NORTH"]) in html


def test_wrong_method(client: Client, alice: Any, released: Wave) -> None:
    client.force_login(alice)
    assert client.post(url(released)).status_code == 405
    assert client.post(url(released, "N-ED")).status_code == 405


def test_sibling_leader_cannot_reach_another_subtree(
    client: Client, bob: Any, released: Wave
) -> None:
    client.force_login(bob)
    for code in ("NORTH", "N-ED", "N-ICU", "ORG"):
        assert client.get(url(released, code)).status_code == 404
    assert client.get(url(released, "S-MED")).status_code == 200


def test_unknown_unit_and_wave_are_404(client: Client, alice: Any, released: Wave) -> None:
    client.force_login(alice)
    assert client.get(url(released, "NOPE")).status_code == 404
    assert client.get(reverse("reports:report", args=["no-such-wave"])).status_code == 404


def test_account_without_a_reporting_role_gets_403(
    client: Client, charlie: Any, released: Wave
) -> None:
    client.force_login(charlie)
    assert client.get(url(released)).status_code == 403
    assert client.get(url(released, "N-ED")).status_code == 403


def test_anonymous_is_sent_to_log_in(client: Client, released: Wave) -> None:
    response = client.get(url(released, "N-ED"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_open_wave_says_results_are_not_released(
    client: Client, alice: Any, open_filled: Wave
) -> None:
    response = get(client, alice, url(open_filled))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Results are not released yet" in html
    assert reverse("reports:participation", args=[open_filled.slug]) in html
    assert 'data-figure="' not in html


def test_not_released_page_still_hides_other_subtrees(
    client: Client, bob: Any, open_filled: Wave
) -> None:
    client.force_login(bob)
    assert client.get(url(open_filled, "N-ED")).status_code == 404


def test_draft_wave_is_404(client: Client, alice: Any, wave: Wave) -> None:
    assert get(client, alice, url(wave)).status_code == 404


def test_hr_sees_the_organization_without_breakdowns(
    client: Client, hr: Any, released: Wave
) -> None:
    response = get(client, hr, url(released))
    html = response.content.decode()
    assert "<h1>Organization</h1>" in html
    assert "D1" not in {key.split("|")[1] for key, _kind, _text in figure_cells(html)}
    assert reverse("reports:equity", args=[released.slug]) not in html


def test_hr_previews_a_closed_wave_leaders_do_not(
    client: Client, hr: Any, alice: Any, open_filled: Wave
) -> None:
    from surveys.services.waves import wave_set_status

    closed = wave_set_status(wave=open_filled, status="closed")
    html = get(client, hr, url(closed)).content.decode()
    assert "not released to leaders yet" in html
    assert "Results are not released yet" in get(client, alice, url(closed)).content.decode()


def test_every_number_on_screen_is_the_gates(client: Client, alice: Any, released: Wave) -> None:
    html = get(client, alice, url(released)).content.decode()
    gate = wave_report(wave=released, viewer=viewer_for(alice))
    figures = {"|".join((r.unit_code, r.breakdown, r.group, r.measure)): r for r in tidy_rows(gate)}
    cells = figure_cells(html)
    assert len(cells) >= 45
    for key, kind, text in cells:
        row = figures[key]
        shown = number_of(text)
        if row.respondents is None:
            assert shown is None and "—" in text, key
        elif kind == "count":
            assert shown == row.respondents, key
        else:
            assert shown == pytest.approx(row.value), key


def test_suppressed_unit_is_hidden_everywhere_on_screen(
    client: Client, alice: Any, released: Wave
) -> None:
    html = get(client, alice, url(released)).content.decode()
    hidden_icu = [text for key, _kind, text in figure_cells(html) if key.startswith("N-ICU|")]
    assert hidden_icu and all(number_of(text) is None for text in hidden_icu)
    assert any(
        number_of(text) is not None
        for key, _k, text in figure_cells(html)
        if key.startswith("N-ED|")
    )


def _heat_cells(markup: str, code: str) -> list[str]:
    """The heatmap cells of one unit, with the unit's own code taken out of the markup."""
    cells = re.findall(
        rf'<td class="heat[^"]*" data-figure="{re.escape(code)}\|[^>]*>.*?</td>', markup
    )
    return [cell.replace(f'"{code}|', '"UNIT|') for cell in cells]


def test_suppressed_and_empty_cells_look_exactly_alike(
    client: Client, alice: Any, wave: Wave, org: dict[str, OrgUnit]
) -> None:
    from surveys.services.waves import wave_set_status

    wave = wave_set_status(wave=wave, status="open")
    # N-ED: nobody answered (empty). N-ICU: 3 answered (suppressed). NORTH itself: 10.
    fill_wave(wave, org, {"NORTH": 10, "N-ED": 0, "N-ICU": 3, "S-MED": 20})
    wave = release(wave)
    html = get(client, alice, url(wave)).content.decode()
    empty, suppressed = _heat_cells(html, "N-ED"), _heat_cells(html, "N-ICU")
    assert empty and len(empty) == len(suppressed)
    assert empty == suppressed
    assert "heat-hidden" in empty[0] and "not shown" in empty[0]


def test_comments_are_shown_above_the_threshold_only(
    client: Client, alice: Any, bob: Any, released: Wave
) -> None:
    south = get(client, bob, url(released)).content.decode()
    assert "<blockquote>" in south  # 20 people in SOUTH: comments shown
    small = get(client, alice, url(released, "N-ED")).content.decode()
    assert "<blockquote>" not in small
    assert "at least 10 people answered" in small


def test_cares_gap_column_only_with_self_ratings(
    client: Client, alice: Any, open_filled: Wave, org: dict[str, Any]
) -> None:
    from reports.selectors import cares_self_ratings
    from surveys.services.self_ratings import leader_self_rating_save

    released = release(open_filled)
    html = get(client, alice, url(released)).content.decode()
    assert "Leader self-rating" not in html
    assert cares_self_ratings(wave=released, unit=org["NORTH"]) == {}

    wave = Wave.objects.get(pk=open_filled.pk)
    Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.OPEN)  # rate before release
    leader_self_rating_save(wave=wave, user=alice, unit=org["NORTH"], answers={"B1": 1})
    Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.RELEASED)
    released = Wave.objects.get(pk=wave.pk)

    assert cares_self_ratings(wave=released, unit=org["NORTH"]) == {"cares_connect": 25}
    assert cares_self_ratings(wave=released, unit=org["SOUTH"]) == {}
    html = get(client, alice, url(released)).content.decode()
    assert "Leader self-rating" in html
    assert "Gap (staff minus self)" in html
    row = html[html.index("Leader self-rating") :]
    assert ">25<" in row.replace(" ", "")


def test_trend_lists_earlier_waves(client: Client, alice: Any, earlier_wave: Wave) -> None:
    released = Wave.objects.get(slug="spring")
    html = get(client, alice, url(released)).content.decode()
    assert 'id="chart-trend-title"' in html
    assert html.index("Autumn check-in") < html.index("Spring check-in</th>")
    keys = {key for key, _kind, _text in figure_cells(html)}
    assert "NORTH|wave|autumn|respondents" in keys


def test_first_wave_explains_that_trend_comes_later(
    client: Client, alice: Any, released: Wave
) -> None:
    html = get(client, alice, url(released)).content.decode()
    assert "chart-trend" not in html
    assert "Change over time appears here after the next wave" in html


def test_action_plan_section_for_leaders(client: Client, alice: Any, released: Wave) -> None:
    html = get(client, alice, url(released)).content.decode()
    assert reverse("reports:actions", args=[released.slug, "NORTH"]) in html


def test_analyst_reads_the_report_but_cannot_write_actions(
    client: Client, analyst: Any, released: Wave
) -> None:
    html = get(client, analyst, url(released, "NORTH")).content.decode()
    assert "<h1>North</h1>" in html
    assert reverse("reports:actions", args=[released.slug, "NORTH"]) not in html


def test_french_page(client: Client, alice: Any, released: Wave) -> None:
    client.force_login(alice)
    client.cookies["django_language"] = "fr"
    html = client.get(url(released), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'lang="fr"' in html
    assert "Qui a répondu" in html
