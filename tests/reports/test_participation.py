"""Live participation and the leader launch kit: /reports/<slug>/participation/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from reports.models import ParticipationSnapshot
from surveys.models import OrgUnit, Wave
from tests.reports.conftest import fill_wave

pytestmark = pytest.mark.django_db


def url(wave: Wave) -> str:
    return reverse("reports:participation", args=[wave.slug])


def rows(html: str) -> dict[str, str]:
    """Unit name -> the text of its answers cell."""
    import re

    found = {}
    for name, cell in re.findall(
        r'<th scope="row" class="depth-\d">([^<]+)</th>\s*<td class="num">(.*?)</td>', html, re.S
    ):
        found[name] = " ".join(re.sub(r"<[^>]+>", " ", cell).split())
    return found


def test_leader_sees_rounded_counts_for_their_units(
    client: Client, alice: Any, open_filled: Wave
) -> None:
    client.force_login(alice)
    response = client.get(url(open_filled))
    assert response.status_code == 200
    html = response.content.decode()
    cells = rows(html)
    # NORTH: 6 + 12 + 3 = 21 -> "at least 20"; N-ED: 12 -> 10; N-ICU: 3, hidden.
    assert cells["North"] == "at least 20"
    assert cells["North emergency"] == "at least 10"
    assert "—" in cells["North intensive care"] and "not shown" in cells["North intensive care"]
    assert "South" not in cells and "South medicine" not in cells
    table = html[html.index("<table") : html.index("</table>")]
    numbers = re.findall(r"\b\d+\b", re.sub(r"<[^>]+>", " ", table))
    assert "21" not in numbers and "12" not in numbers and "3" not in numbers  # exact counts
    assert "once a day" in html
    snapshot = ParticipationSnapshot.objects.get(wave=open_filled)
    assert snapshot.day.strftime("%Y") in html


def test_launch_kit_uses_the_waves_real_settings(
    client: Client, alice: Any, open_filled: Wave
) -> None:
    client.force_login(alice)
    html = client.get(url(open_filled)).content.decode()
    assert "Leader launch kit" in html
    assert "groups of at least 5 people" in html
    assert "comments only for groups of at least 10" in html
    assert "only for groups of at least 10." in html  # identity breakdowns
    assert "about 3 minutes" in html  # the mini instrument's estimate
    assert "Every question is optional" in html
    assert "988" in html
    assert "/s/spring/" in html  # the open link


def test_numbers_are_a_daily_snapshot(
    client: Client, alice: Any, open_filled: Wave, org: dict[str, OrgUnit]
) -> None:
    client.force_login(alice)
    before = rows(client.get(url(open_filled)).content.decode())
    fill_wave(open_filled, org, {"N-ED": 10}, invited=0)
    assert rows(client.get(url(open_filled)).content.decode()) == before


def test_released_wave_redirects_to_the_report(client: Client, alice: Any, released: Wave) -> None:
    client.force_login(alice)
    response = client.get(url(released))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:report", args=[released.slug])


def test_draft_wave_is_404(client: Client, alice: Any, wave: Wave) -> None:
    client.force_login(alice)
    assert client.get(url(wave)).status_code == 404


def test_leader_outside_the_waves_units_gets_404(
    client: Client, bob: Any, org: dict[str, OrgUnit], mini_version: Any
) -> None:
    from surveys.services.waves import wave_create, wave_set_status

    north_only = wave_create(
        slug="north",
        name="North only",
        instrument_version=mini_version,
        units=[org["NORTH"]],
        open_link_enabled=True,
    )
    wave_set_status(wave=north_only, status="open")
    client.force_login(bob)
    assert client.get(url(north_only)).status_code == 404


def test_no_role_403_anonymous_login_and_wrong_method(
    client: Client, charlie: Any, alice: Any, open_filled: Wave
) -> None:
    assert client.get(url(open_filled)).status_code == 302
    client.force_login(charlie)
    assert client.get(url(open_filled)).status_code == 403
    client.force_login(alice)
    assert client.post(url(open_filled)).status_code == 405
