"""A leader's journey in Chromium: read the report, download the PDF, publish an action."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from reports.models import ReportRender
from reports.services.renders import render_run
from surveys.models import OrgUnit, Wave
from tests.conftest import axe_violations, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def released_wave(wave: Wave, org: dict[str, OrgUnit]) -> Wave:
    """A released wave with enough synthetic answers for shown and hidden figures."""
    import numpy as np

    from reports import aggregation, stats
    from surveys.services.synthetic import responses_create_synthetic
    from surveys.services.waves import wave_set_status

    stats.clear_cache()
    aggregation._TABLES.clear()
    wave = wave_set_status(wave=wave, status="open")
    responses_create_synthetic(
        wave=wave,
        units=[org["NORTH"], org["N-ED"], org["N-ICU"], org["S-MED"]],
        counts=[8, 25, 3, 20],
        strain=[0.1, 0.5, -0.2, 0.3],
        rng=np.random.default_rng(5),
        comment_rate=0.5,
    )
    wave = wave_set_status(wave=wave, status="closed")
    return wave_set_status(wave=wave, status="released")


def test_leader_reads_downloads_and_publishes(
    page: Page, live_server: Any, login: Any, released_wave: Wave, tmp_path: Path, settings: Any
) -> None:
    login("alice")
    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    page.get_by_role("link", name="Report for North").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("North")
    expect(page.get_by_role("img", name="Continuum profile of North")).to_be_visible()
    expect(page.get_by_role("heading", name="Units below this one at a glance")).to_be_visible()

    violations = axe_violations(page)
    assert not violations, describe_violations(violations)

    # The PDF is prepared by the worker; here it runs when the test says so.
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "email"],
        }
    }
    page.get_by_role("button", name="PDF", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("PDF report")
    expect(page.get_by_role("status")).to_contain_text("Your PDF is being prepared")
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    assert render_run(render_id=str(ReportRender.objects.get().pk)) == "done"
    ready = page.get_by_role("link", name="Download spring-NORTH.pdf")
    expect(ready).to_be_visible(timeout=20_000)  # the page's script saw it finish
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    with page.expect_download() as download_info:
        ready.click()
    download = download_info.value
    assert download.suggested_filename == "spring-NORTH.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("North")

    page.get_by_role("link", name="North emergency").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("North emergency")
    page.get_by_role("link", name="Write and publish the action plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Action plan for North emergency")
    page.get_by_role("combobox", name="What it addresses").select_option("burnout")
    page.get_by_role("textbox", name="Commitment").fill(
        "Protect the night-shift break, every night."
    )
    page.get_by_role("textbox", name="Owner (role)").fill("Charge nurse")
    page.locator("#id_due_on").fill("2030-03-31")
    page.get_by_role("button", name="Add to the plan").click()
    expect(page.get_by_text("Added to the plan.")).to_be_visible()

    violations = axe_violations(page)
    assert not violations, describe_violations(violations)

    page.get_by_role("button", name="Publish to staff").click()
    expect(page.get_by_text("Published: the unit's staff can see it now.")).to_be_visible()

    page.get_by_role("link", name="See what staff see").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You said, we did: North emergency")
    expect(page.get_by_text("Protect the night-shift break, every night.")).to_be_visible()
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_staff_page_of_a_sibling_unit_shows_nothing_of_it(
    page: Page, live_server: Any, released_wave: Wave, alice: Any, org: dict[str, OrgUnit]
) -> None:
    import datetime

    from reports.services.actions import action_create, action_publish

    item = action_create(
        wave=released_wave,
        unit=org["N-ED"],
        by=alice,
        commitment="North emergency only.",
        owner_role="Unit manager",
        due_on=datetime.date(2030, 1, 1),
    )
    action_publish(item=item, by=alice)
    page.goto(f"{live_server.url}/actions/{released_wave.slug}/S-MED/")
    expect(page.get_by_text("No actions have been published for this unit yet.")).to_be_visible()
    expect(page.get_by_text("North emergency only.")).to_have_count(0)
