"""The leader's action plan pages: /reports/<slug>/u/<code>/actions/..."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from reports.models import ActionItem
from reports.services.actions import action_create
from surveys.models import OrgUnit, Wave

pytestmark = pytest.mark.django_db

FORM = {
    "domain_code": "burnout",
    "commitment": "Protect the 30-minute break on every night shift.",
    "owner_role": "Charge nurse",
    "due_on": "2030-03-31",
    "status": "planned",
}


def list_url(wave: Wave, code: str = "N-ED") -> str:
    return reverse("reports:actions", args=[wave.slug, code])


def item_url(name: str, item: ActionItem) -> str:
    return reverse(f"reports:{name}", args=[item.wave.slug, item.unit.code, item.pk])


@pytest.fixture
def item(alice: Any, released: Wave, org: dict[str, OrgUnit]) -> ActionItem:
    return action_create(
        wave=released,
        unit=org["N-ED"],
        by=alice,
        commitment="Debriefs after hard cases.",
        owner_role="Unit manager",
        due_on=datetime.date(2030, 1, 1),
    )


def test_leader_creates_an_action(client: Client, alice: Any, released: Wave) -> None:
    client.force_login(alice)
    page = client.get(list_url(released))
    assert page.status_code == 200
    assert 'name="commitment"' in page.content.decode()
    response = client.post(list_url(released), FORM)
    assert response.status_code == 302
    created = ActionItem.objects.get()
    assert (created.unit.code, created.domain_code, created.owner_role) == (
        "N-ED",
        "burnout",
        "Charge nurse",
    )
    assert created.published_on is None
    html = client.get(list_url(released)).content.decode()
    assert "Protect the 30-minute break" in html and "Publish to staff" in html


def test_invalid_form_shows_errors(client: Client, alice: Any, released: Wave) -> None:
    client.force_login(alice)
    response = client.post(list_url(released), {**FORM, "owner_role": "", "domain_code": "x"})
    assert response.status_code == 200
    assert not ActionItem.objects.exists()
    assert "is-invalid" in response.content.decode()


def test_edit_status_publish_unpublish_delete(client: Client, alice: Any, item: ActionItem) -> None:
    client.force_login(alice)
    assert client.get(item_url("action_edit", item)).status_code == 200
    response = client.post(item_url("action_edit", item), {**FORM, "commitment": "Changed."})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.commitment == "Changed."

    client.post(item_url("action_status", item), {"status": "in_progress"})
    item.refresh_from_db()
    assert item.status == "in_progress"

    client.post(item_url("action_publish", item), {"publish": "1"})
    item.refresh_from_db()
    assert item.is_published
    client.post(item_url("action_publish", item), {"publish": "0"})
    item.refresh_from_db()
    assert not item.is_published

    confirm = client.get(item_url("action_delete", item))
    assert confirm.status_code == 200 and "Delete this commitment?" in confirm.content.decode()
    assert ActionItem.objects.filter(pk=item.pk).exists()  # GET never deletes
    client.post(item_url("action_delete", item))
    assert not ActionItem.objects.filter(pk=item.pk).exists()


def test_wrong_methods(client: Client, alice: Any, item: ActionItem) -> None:
    client.force_login(alice)
    assert client.get(item_url("action_publish", item)).status_code == 405
    assert client.get(item_url("action_status", item)).status_code == 405
    assert client.put(list_url(item.wave)).status_code == 405
    assert client.delete(item_url("action_delete", item)).status_code == 405


def test_sibling_leader_cannot_reach_another_units_plan(
    client: Client, bob: Any, item: ActionItem
) -> None:
    client.force_login(bob)
    assert client.get(list_url(item.wave)).status_code == 404
    assert client.post(list_url(item.wave), FORM).status_code == 404
    for name in ("action_edit", "action_delete"):
        assert client.get(item_url(name, item)).status_code == 404
    assert client.post(item_url("action_publish", item), {"publish": "1"}).status_code == 404
    assert client.post(item_url("action_status", item), {"status": "done"}).status_code == 404
    assert client.post(item_url("action_delete", item)).status_code == 404
    item.refresh_from_db()
    assert item.status == "planned" and not item.is_published


def test_an_item_is_reached_only_through_its_own_unit(
    client: Client, alice: Any, item: ActionItem
) -> None:
    client.force_login(alice)
    wrong = reverse("reports:action_edit", args=[item.wave.slug, "N-ICU", item.pk])
    assert client.get(wrong).status_code == 404


def test_roles_without_the_right_get_403(
    client: Client, analyst: Any, charlie: Any, item: ActionItem
) -> None:
    for user in (analyst, charlie):
        client.force_login(user)
        assert client.get(list_url(item.wave)).status_code == 403
        assert client.post(item_url("action_publish", item), {"publish": "1"}).status_code == 403


def test_hr_may_manage_any_plan(client: Client, hr: Any, item: ActionItem) -> None:
    client.force_login(hr)
    assert client.get(list_url(item.wave)).status_code == 200


def test_anonymous_is_sent_to_log_in(client: Client, item: ActionItem) -> None:
    response = client.get(list_url(item.wave))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_no_plan_before_results_are_released(client: Client, alice: Any, open_filled: Wave) -> None:
    client.force_login(alice)
    assert client.get(list_url(open_filled)).status_code == 404
