"""The HR admin runs a whole wave in Chromium: create, roster, open, invite, close, release.

Test settings run tasks immediately, so the invitations land in the locmem
outbox during the request; tests/surveys/test_worker.py covers the worker.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from surveys.models import AuditEntry, Invitation, Wave
from tests.conftest import axe_violations, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_hr_admin_runs_a_wave_end_to_end(
    page: Page, live_server, login, hr, org, mini_version, tmp_path
):
    login("hr")
    page.get_by_role("link", name="HR", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Survey waves")
    assert_accessible(page)

    page.get_by_role("link", name="New wave").click()
    page.locator("#id_name").fill("Spring pulse")
    page.locator("#id_slug").fill("spring-pulse")
    page.get_by_label("Instrument version").select_option(label="Mini check-in (mini) v1")
    page.get_by_label("Organization (ORG)").check()
    page.get_by_role("button", name="Create the wave").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring pulse")
    expect(page.get_by_text("The wave was created as a draft.")).to_be_visible()

    roster = tmp_path / "roster.csv"
    roster.write_text(
        "email,unit_code,language\nana@example.org,N-ED,en\nben@example.org,N-ICU,fr\n"
        "cy@example.org,S-MED,\n",
        encoding="utf-8",
    )
    page.get_by_role("link", name="Import a roster").click()
    page.get_by_label("Roster file (CSV)").set_input_files(roster)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("roster.csv: 3 people to invite.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Import 3 invitations").click()
    expect(page.get_by_text("3 people were added to the roster.")).to_be_visible()

    page.get_by_label("Yes, open the wave now").check()
    page.get_by_role("button", name="Open the wave").click()
    expect(page.get_by_text("The wave is now at the stage: Open.")).to_be_visible()
    expect(page.locator('[aria-current="step"]')).to_contain_text("Open")
    assert_accessible(page)

    page.get_by_label("Yes, send the invitations").check()
    page.get_by_role("button", name="Send invitations").click()
    expect(page.get_by_text("3 invitations are queued for sending.")).to_be_visible()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "ana@example.org",
        "ben@example.org",
        "cy@example.org",
    ]
    assert Invitation.objects.filter(sent_on__isnull=False).count() == 3

    page.get_by_label("Yes, close the wave now").check()
    page.get_by_role("button", name="Close the wave").click()
    expect(page.get_by_text("The wave is now at the stage: Closed.")).to_be_visible()
    page.get_by_label("Yes, release the reports now").check()
    page.get_by_role("button", name="Release reports to leaders").click()
    expect(page.get_by_text("The wave is now at the stage: Reports released.")).to_be_visible()
    expect(page.locator('[aria-current="step"]')).to_contain_text("Reports released")
    assert_accessible(page)

    assert Wave.objects.get(slug="spring-pulse").status == "released"
    assert {
        "wave.create",
        "roster.import",
        "wave.open",
        "invitations.send",
        "wave.closed",
        "wave.released",
    } <= set(AuditEntry.objects.filter(actor=hr).values_list("action", flat=True))


def test_checklist_and_audit_log_in_the_browser(page: Page, live_server, login, hr, open_wave):
    login("hr")
    expect(page.get_by_text("Signed in as hr")).to_be_visible()
    page.goto(f"{live_server.url}/hr/waves/spring/")
    # The step's name is visually hidden, so the browser puts a space before the colon.
    page.get_by_role("button", name=re.compile(r"^Mark as done\s*: Leaders briefed$")).click()
    expect(page.get_by_text("Marked as done: Leaders briefed.")).to_be_visible()
    expect(page.get_by_text("by hr.")).to_be_visible()

    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("cell", name="checklist.done")).to_be_visible()
    assert_accessible(page)


def test_listed_waves_forms_with_errors_and_the_instrument_preview_pass_axe(
    page: Page, live_server, login, hr, open_wave
):
    login("hr")
    page.get_by_role("link", name="HR", exact=True).click()
    expect(page.get_by_role("link", name="Spring check-in")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="New wave").click()
    page.locator("#id_min_group_size").fill("2")
    page.get_by_role("button", name="Create the wave").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text(
        "Units in scope: This field is required."
    )
    assert_accessible(page)

    page.get_by_role("link", name="Instruments").click()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Preview")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mini check-in v1")
    assert_accessible(page)
