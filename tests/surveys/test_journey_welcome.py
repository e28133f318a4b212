"""The welcome page and the privacy notice, generated from the wave's real settings."""

from __future__ import annotations

import pytest

from surveys.models import Wave
from surveys.privacy import privacy_notice
from surveys.services.waves import wave_update_thresholds
from tests.journey_helpers import enter

pytestmark = pytest.mark.django_db


def test_the_welcome_page_says_what_happens_before_anything_is_asked(
    client, default_invitation_token
):
    enter(client, default_invitation_token)
    body = client.get("/s/autumn/").content.decode()
    assert "<h1>Autumn wellbeing check</h1>" in body
    assert "It takes about 13 minutes." in body
    assert "There are 8 short sections, one per page." in body
    assert "Every question is optional" in body
    assert "Content note" in body
    assert "The effects of caring for others; Your values and hard times shared at work" in body
    assert "no date or time, no name, no e-mail, no IP address" in body
    assert "stored separately from your other answers" in body
    assert "Your personal result" in body and "gone when you close your browser" in body


def test_the_notice_uses_the_wave_thresholds(client, default_open_wave):
    wave_update_thresholds(
        wave=default_open_wave, min_group_size=7, min_comment_group_size=12,
        min_equity_group_size=15,
    )  # fmt: skip
    body = client.get("/s/autumn/").content.decode()
    assert "groups of at least 7 people who answered" in body
    assert "Comments are shown to leaders only for groups of at least 12 people" in body
    assert "organization-wide equity results, for groups of at least 15 people" in body
    assert "Response rates are shown only where at least 5 people were invited." in body
    privacy = client.get("/s/autumn/privacy/").content.decode()
    assert "groups of at least 7 people who answered" in privacy
    assert "Privacy notice: Autumn wellbeing check" in privacy


def test_the_notice_facts_come_from_the_wave(default_open_wave, settings):
    settings.CONTINUUM_ORGANIZATION_NAME = "Coastal Health"
    notice = privacy_notice(Wave.objects.get(pk=default_open_wave.pk))
    assert notice.organization == "Coastal Health"
    assert notice.min_group_size == 5 and notice.min_comment_group_size == 10
    assert notice.has_comments and notice.has_self_id and notice.has_cares
    assert notice.min_invited_for_rate == 5


def test_the_welcome_page_shows_what_leaders_did_after_the_last_wave(
    client, org, mini_version, hr, alice, bob
):
    """ "You said, we did": the respondent's unit and the units above it, published only."""
    import datetime

    from reports.services.actions import action_create, action_publish
    from surveys.models import Invitation
    from surveys.services.waves import wave_create, wave_set_status
    from surveys.tokens import new_token, token_hash

    before = wave_create(
        slug="before", name="Before", instrument_version=mini_version, units=[org["ORG"]],
        open_link_enabled=True,
    )  # fmt: skip
    for status in ("open", "closed", "released"):
        before = wave_set_status(wave=before, status=status)
    due = datetime.date(2027, 3, 1)

    def commit(unit: str, text: str, by, publish: bool = True) -> None:
        item = action_create(
            wave=before, unit=org[unit], by=by, commitment=text, owner_role="Manager", due_on=due
        )
        if publish:
            action_publish(item=item, by=by)

    commit("N-ED", "Debriefs after every code", alice)
    commit("NORTH", "Float pool for nights", alice)
    commit("S-MED", "New break room in South", bob)
    commit("N-ED", "Not ready to share", alice, publish=False)

    now = wave_create(
        slug="now", name="Now", instrument_version=mini_version, units=[org["ORG"]],
        open_link_enabled=True,
    )  # fmt: skip
    wave_set_status(wave=now, status="open")
    token = new_token()
    Invitation.objects.create(
        wave=now, unit=org["N-ED"], email="d@example.org", token_hash=token_hash(token)
    )

    client.get(f"/s/i/{token}/")
    body = client.get("/s/now/").content.decode()
    assert "You said, we did" in body
    assert "Debriefs after every code" in body
    assert "Float pool for nights" in body  # from NORTH, the unit above N-ED
    assert "New break room in South" not in body  # a sibling's commitment
    assert "Not ready to share" not in body  # never unpublished ones


def test_without_published_actions_there_is_no_you_said_we_did(client, default_open_wave):
    assert "You said, we did" not in client.get("/s/autumn/").content.decode()


def test_after_submitting_the_welcome_page_points_to_the_result(client, invitation_token):
    enter(client, invitation_token)
    client.post("/s/spring/start/")
    client.post("/s/spring/page/4/", {"action": "submit"})
    body = client.get("/s/spring/").content.decode()
    assert "Your answers have been received" in body
    assert "Start the survey" not in body and "<select" not in body


def test_the_support_page_lists_every_resource(client, settings):
    settings.CONTINUUM_EAP_NAME = "Coastal EFAP"
    settings.CONTINUUM_EAP_PHONE = "1-800-555-0199"
    settings.CONTINUUM_EAP_URL = "https://efap.example.org/"
    response = client.get("/s/support/")
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        'href="tel:988"' in body and "24 hours a day, 7 days a week, in English or French" in body
    )
    assert 'href="tel:+18552423310"' in body and "1-855-242-3310" in body
    assert "Coastal EFAP" in body and 'href="tel:1-800-555-0199"' in body
    assert 'href="https://efap.example.org/"' in body
    assert 'target="_blank"' not in body
