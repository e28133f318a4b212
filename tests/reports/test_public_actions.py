"""The staff page "You said, we did": /actions/<wave-slug>/<unit-code>/ (no login)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from reports.models import ActionItem
from reports.selectors import published_actions_for
from reports.services.actions import action_create, action_publish
from surveys.models import OrgUnit, Wave

pytestmark = pytest.mark.django_db


def url(wave: Wave, code: str) -> str:
    return reverse("public_actions:unit", args=[wave.slug, code])


def commit(wave: Wave, unit: OrgUnit, by: Any, text: str, *, publish: bool = True) -> ActionItem:
    item = action_create(
        wave=wave,
        unit=unit,
        by=by,
        commitment=text,
        owner_role="Unit manager",
        due_on=datetime.date(2030, 6, 30),
        domain_code="stress",
    )
    return action_publish(item=item, by=by) if publish else item


@pytest.fixture
def plans(alice: Any, bob: Any, released: Wave, org: dict[str, OrgUnit]) -> dict[str, ActionItem]:
    return {
        "north": commit(released, org["NORTH"], alice, "North-wide: a float nurse on nights."),
        "ed": commit(released, org["N-ED"], alice, "ED: debriefs after every code."),
        "icu_draft": commit(released, org["N-ICU"], alice, "ICU draft idea.", publish=False),
        "south": commit(released, org["S-MED"], bob, "South medicine: new rota."),
    }


def test_staff_see_their_units_and_its_parents_published_actions(
    client: Client, released: Wave, plans: dict[str, ActionItem]
) -> None:
    response = client.get(url(released, "N-ED"))  # anonymous: staff have no accounts
    assert response.status_code == 200
    html = response.content.decode()
    assert "ED: debriefs after every code." in html
    assert "North-wide: a float nurse on nights." in html
    assert "From North" in html  # inherited commitments say where they come from
    assert "South medicine" not in html
    assert "ICU draft idea." not in html


def test_a_sibling_unit_sees_none_of_them(
    client: Client, released: Wave, plans: dict[str, ActionItem]
) -> None:
    html = client.get(url(released, "S-MED")).content.decode()
    assert "South medicine: new rota." in html
    assert "ED: debriefs" not in html and "North-wide" not in html


def test_unpublished_actions_never_show(
    client: Client, released: Wave, plans: dict[str, ActionItem]
) -> None:
    html = client.get(url(released, "N-ICU")).content.decode()
    assert "ICU draft idea." not in html
    assert "North-wide" in html
    action_publish(item=plans["north"], by=plans["north"].created_by, publish=False)
    html = client.get(url(released, "N-ICU")).content.decode()
    assert "North-wide" not in html
    assert "No actions have been published for this unit yet." in html


def test_the_next_wave_shows_the_previous_waves_actions(
    released: Wave, plans: dict[str, ActionItem], org: dict[str, OrgUnit], mini_version: Any
) -> None:
    from surveys.services.waves import wave_create, wave_set_status

    later = wave_create(
        slug="next",
        name="Next check-in",
        instrument_version=mini_version,
        units=[org["ORG"]],
        open_link_enabled=True,
    )
    later = wave_set_status(wave=later, status="open")
    items = list(published_actions_for(wave=later, unit=org["N-ED"]))
    assert {item.commitment for item in items} == {
        "ED: debriefs after every code.",
        "North-wide: a float nurse on nights.",
    }
    # The include the staff welcome page uses renders them.
    html = render_to_string(
        "reports/includes/published_actions.html", {"items": items, "unit": org["N-ED"]}
    )
    assert "ED: debriefs" in html and "After Spring check-in" in html


def test_unknown_or_out_of_scope_is_404(
    client: Client,
    released: Wave,
    org: dict[str, OrgUnit],
    mini_version: Any,
) -> None:
    from surveys.services.waves import wave_create, wave_set_status

    assert client.get(url(released, "NOPE")).status_code == 404
    assert client.get(reverse("public_actions:unit", args=["nope", "N-ED"])).status_code == 404
    north_only = wave_create(
        slug="north-draft", name="Draft", instrument_version=mini_version, units=[org["NORTH"]]
    )
    assert client.get(url(north_only, "N-ED")).status_code == 404  # a draft wave
    north_only.open_link_enabled = True
    north_only.save()
    wave_set_status(wave=north_only, status="open")
    assert client.get(url(north_only, "S-MED")).status_code == 404  # not in the wave


def test_wrong_method(client: Client, released: Wave, org: dict[str, OrgUnit]) -> None:
    assert client.post(url(released, "N-ED")).status_code == 405
