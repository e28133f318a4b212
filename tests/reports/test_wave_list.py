"""The report home: /reports/ lists the waves a viewer has something to see in."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from surveys.models import OrgUnit, Wave

pytestmark = pytest.mark.django_db

URL = "/reports/"


def test_url() -> None:
    assert reverse("reports:waves") == URL


def test_leader_sees_released_and_open_waves(
    client: Client, alice: Any, released: Wave, org: dict[str, OrgUnit], mini_version: Any
) -> None:
    from surveys.services.waves import wave_create, wave_set_status

    live = wave_create(
        slug="live",
        name="Live check-in",
        instrument_version=mini_version,
        units=[org["NORTH"]],
        open_link_enabled=True,
    )
    wave_set_status(wave=live, status="open")
    wave_create(
        slug="draft", name="Draft check-in", instrument_version=mini_version, units=[org["ORG"]]
    )
    client.force_login(alice)
    html = client.get(URL).content.decode()
    assert "Spring check-in" in html and "Live check-in" in html
    assert "Draft check-in" not in html
    assert reverse("reports:report", args=["spring"]) in html
    assert "Report for North" in html
    assert reverse("reports:participation", args=["live"]) in html
    assert reverse("reports:equity", args=["spring"]) not in html


def test_a_wave_outside_a_leaders_units_is_not_listed(
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
    html = client.get(URL).content.decode()
    assert "North only" not in html
    assert "Nothing to show yet" in html


def test_analyst_gets_the_equity_link(client: Client, analyst: Any, released: Wave) -> None:
    client.force_login(analyst)
    html = client.get(URL).content.decode()
    assert reverse("reports:equity", args=["spring"]) in html
    assert "Organization report" in html


def test_closed_wave_is_listed_as_not_released_for_leaders(
    client: Client, alice: Any, open_filled: Wave
) -> None:
    from surveys.services.waves import wave_set_status

    wave_set_status(wave=open_filled, status="closed")
    client.force_login(alice)
    html = client.get(URL).content.decode()
    assert "Results are not released yet." in html
    assert "Final participation" in html


def test_wrong_method(client: Client, alice: Any) -> None:
    client.force_login(alice)
    assert client.post(URL).status_code == 405


def test_no_role_gets_403(client: Client, charlie: Any) -> None:
    client.force_login(charlie)
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_log_in(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_navigation_offers_reports_to_reporting_roles_only(
    client: Client, alice: Any, charlie: Any, hr: Any, analyst: Any, org: Any
) -> None:
    for user, shown in ((alice, True), (hr, True), (analyst, True), (charlie, False)):
        client.force_login(user)
        html = client.get("/").content.decode()
        assert (f'href="{URL}"' in html) is shown, user
