"""POST /hr/waves/<slug>/stage/: every transition of the timeline, and every refusal."""

from __future__ import annotations

import pytest

from surveys.models import AuditEntry, Wave
from surveys.services.waves import wave_create, wave_set_status
from tests.hr_helpers import OUTSIDERS, assert_login_redirect

pytestmark = pytest.mark.django_db
URL = "/hr/waves/spring/stage/"


def move(client, status: str, *, confirm: bool = True, follow: bool = True):
    data = {"status": status}
    if confirm:
        data["confirm"] = "1"
    return client.post(URL, data, follow=follow)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def status() -> str:
    return Wave.objects.get(slug="spring").status


@pytest.mark.parametrize(
    ("path", "target", "label"),
    [
        ([], "open", "Open"),
        (["open"], "closed", "Closed"),
        (["open", "closed"], "open", "Open"),
        (["open", "closed"], "released", "Reports released"),
        (["open", "closed"], "archived", "Archived"),
        (["open", "closed", "released"], "archived", "Archived"),
    ],
)
def test_each_allowed_transition(client, hr, wave, path, target, label):
    for step in path:
        wave_set_status(wave=wave, status=step)
    client.force_login(hr)

    response = move(client, target)

    assert response.redirect_chain == [("/hr/waves/spring/", 302)]
    assert status() == target
    assert messages_of(response) == [f"The wave is now at the stage: {label}."]
    entry = AuditEntry.objects.filter(action=f"wave.{target}").latest("id")
    assert entry.actor == hr


@pytest.mark.parametrize(
    ("path", "target", "message"),
    [
        ([], "closed", "A wave cannot go from Draft to Closed."),
        ([], "released", "A wave cannot go from Draft to Reports released."),
        (["open"], "released", "A wave cannot go from Open to Reports released."),
        (["open"], "draft", "A wave cannot go from Open to Draft."),
        (["open", "closed", "archived"], "open", "A wave cannot go from Archived to Open."),
        (
            ["open", "closed", "released"],
            "closed",
            "A wave cannot go from Reports released to Closed.",
        ),
        ([], "finished", "Unknown status finished."),
    ],
)
def test_refused_transitions_are_explained(client, hr, wave, path, target, message):
    for step in path:
        wave_set_status(wave=wave, status=step)
    before = status()
    client.force_login(hr)

    response = move(client, target)

    assert messages_of(response) == [message]
    assert status() == before
    assert 'role="alert"' in response.content.decode()


def test_a_wave_cannot_open_without_a_roster_or_open_link(client, hr, org, mini_version):
    wave_create(slug="spring", name="Spring", instrument_version=mini_version, units=[org["ORG"]])
    client.force_login(hr)

    response = move(client, "open")

    assert messages_of(response) == ["Import a roster or turn on the open link."]
    assert status() == "draft"


def test_a_wave_cannot_open_with_a_closing_date_in_the_past(client, hr, wave):
    Wave.objects.filter(pk=wave.pk).update(closes_on="2020-01-01")
    client.force_login(hr)

    response = move(client, "open")

    assert messages_of(response) == ["The closing date is in the past."]
    assert status() == "draft"


def test_the_confirmation_box_is_required(client, hr, wave):
    client.force_login(hr)

    response = move(client, "open", confirm=False)

    assert messages_of(response) == ["Tick the confirmation box to change the wave's stage."]
    assert status() == "draft"


def test_missing_wave(client, hr):
    client.force_login(hr)
    assert (
        client.post("/hr/waves/nope/stage/", {"status": "open", "confirm": "1"}).status_code == 404
    )


def test_wrong_method(client, hr, wave):
    client.force_login(hr)
    assert client.get(URL).status_code == 405
    assert status() == "draft"


def test_anonymous_is_sent_to_login(client, wave):
    assert_login_redirect(move(client, "open", follow=False), URL)
    assert status() == "draft"


@pytest.mark.parametrize("name", OUTSIDERS)
def test_other_roles_are_refused(client, request, name, wave):
    client.force_login(request.getfixturevalue(name))

    assert move(client, "open", follow=False).status_code == 403
    assert status() == "draft"
