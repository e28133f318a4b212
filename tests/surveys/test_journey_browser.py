"""The whole staff journey in Chromium on a phone: invitation, survey, private result, withdrawal.

axe-core checks the welcome page, a survey page, the page with a content note
and the result page (WCAG 2.x A/AA and best practices): zero violations.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from surveys.models import Invitation, Response
from surveys.tokens import new_token, token_hash
from tests.conftest import axe_violations, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": PHONE, "is_mobile": True, "has_touch": True}


def _invite(wave: Any, unit: Any, language: str = "en") -> str:
    token = new_token()
    Invitation.objects.create(
        wave=wave,
        unit=unit,
        email=f"{token[:8]}@example.org",
        language=language,
        token_hash=token_hash(token),
    )
    return token


def _assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def _group(page: Page, question: str) -> Any:
    return page.get_by_role("group", name=question)


def test_the_whole_journey_in_english_on_a_phone(page: Page, live_server, default_open_wave, org):
    token = _invite(default_open_wave, org["N-ICU"])
    page.goto(f"{live_server.url}/s/i/{token}/")

    # The token is swapped out of the address at once.
    expect(page).to_have_url(f"{live_server.url}/s/autumn/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Autumn wellbeing check")
    expect(page.get_by_text("It takes about 13 minutes.")).to_be_visible()
    _assert_accessible(page)

    # Keyboard: the support link comes right after the skip link, before the survey.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Get support now")).to_be_focused()

    page.get_by_role("button", name="Start the survey").click()
    expect(page).to_have_url(re.compile(r"/s/autumn/page/1/$"))
    expect(page.get_by_text("Section 1 of 8")).to_be_visible()
    _group(page, "I had more work than I could get done in the time I had.").get_by_label(
        "Very often or always"
    ).check()
    _group(page, "I felt tense or on edge because of work.").get_by_label(
        "Often", exact=True
    ).check()
    _group(page, "By the end of a shift or workday, I had no energy left.").get_by_label(
        "Prefer not to answer"
    ).check()
    _assert_accessible(page)
    page.get_by_role("button", name="Next").click()

    # The section with a content note shows it first.
    expect(page).to_have_url(re.compile(r"/page/2/$"))
    expect(page.get_by_role("note")).to_contain_text("Content note")
    _assert_accessible(page)

    # Back keeps the answers.
    page.get_by_role("button", name="Back").click()
    expect(
        _group(page, "I had more work than I could get done in the time I had.").get_by_label(
            "Very often or always"
        )
    ).to_be_checked()
    expect(
        _group(page, "By the end of a shift or workday, I had no energy left.").get_by_label(
            "Prefer not to answer"
        )
    ).to_be_checked()
    page.get_by_role("button", name="Next").click()
    for number in range(2, 8):
        expect(page).to_have_url(re.compile(rf"/page/{number}/$"))
        page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(r"/page/8/$"))
    page.get_by_label("What one change would help you most?").fill("More time between patients")
    page.get_by_role("button", name="Submit my answers").click()

    expect(page).to_have_url(f"{live_server.url}/s/autumn/result/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your private result")
    expect(page.get_by_role("img", name=re.compile("stress–trauma continuum"))).to_be_visible()
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_visible()
    expect(page.get_by_text("reflection tool, not a diagnosis")).to_be_visible()
    _assert_accessible(page)
    receipt = page.locator("[data-receipt-code]").inner_text()
    assert Response.objects.count() == 1
    # Works at 320 CSS pixels wide (WCAG reflow): nothing scrolls sideways.
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    page.get_by_role("link", name="Withdraw my answers").click()
    page.get_by_label("Receipt code").fill(receipt)
    page.get_by_role("button", name="Withdraw my answers").click()
    expect(page.get_by_role("status")).to_contain_text("withdrawn and deleted")
    assert Response.objects.count() == 0


def test_the_whole_journey_in_french_on_a_phone(page: Page, live_server, default_open_wave, org):
    token = _invite(default_open_wave, org["S-MED"])
    page.goto(f"{live_server.url}/s/i/{token}/")
    expect(page).to_have_url(f"{live_server.url}/s/autumn/")
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(
        page.get_by_text("Toutes les questions sont facultatives", exact=False).first
    ).to_be_visible()
    _assert_accessible(page)

    page.get_by_role("button", name="Commencer le sondage").click()
    expect(page.get_by_text("Section 1 sur 8")).to_be_visible()
    _group(
        page, "J'ai eu plus de travail que je ne pouvais en faire dans le temps dont je disposais."
    )
    page.locator("#id_A01_4").check()
    page.locator("#id_A02_4").check()
    _assert_accessible(page)
    page.get_by_role("button", name="Suivant").click()
    expect(page.get_by_role("note")).to_contain_text("Avertissement de contenu")
    _assert_accessible(page)
    for _number in range(2, 8):
        page.get_by_role("button", name="Suivant").click()
    page.get_by_role("button", name="Soumettre mes réponses").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Votre résultat confidentiel")
    expect(page.locator(".support-urgent")).to_be_visible()  # stress at the top of the scale
    _assert_accessible(page)
    receipt = page.locator("[data-receipt-code]").inner_text()
    page.get_by_role("link", name="Retirer mes réponses").click()
    page.get_by_label("Code de reçu").fill(receipt.lower())
    page.get_by_role("button", name="Retirer mes réponses").click()
    expect(page.get_by_role("status")).to_contain_text("retirées et supprimées")
    assert Response.objects.count() == 0


def test_switching_language_mid_page_keeps_the_answers(
    page: Page, live_server, default_open_wave, org
):
    token = _invite(default_open_wave, org["N-ED"])
    page.goto(f"{live_server.url}/s/i/{token}/")
    page.get_by_role("button", name="Start the survey").click()
    page.locator("#id_A01_3").check()
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page).to_have_url(re.compile(r"/page/1/$"))
    expect(page.locator("#id_A01_3")).to_be_checked()


def test_the_other_staff_pages_pass_axe(page: Page, live_server, default_open_wave, org, login):
    base = live_server.url
    page.goto(f"{base}/s/i/{'x' * 43}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("We could not find this invitation")
    _assert_accessible(page)
    for path, heading in [
        ("/s/support/", "Get support now"),
        ("/s/autumn/privacy/", "Privacy notice: Autumn wellbeing check"),
        ("/s/resume/", "Continue with a resume code"),
        ("/s/autumn/withdraw/", "Withdraw your answers"),
    ]:
        page.goto(base + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        _assert_accessible(page)

    token = _invite(default_open_wave, org["N-ED"])
    page.goto(f"{base}/s/i/{token}/")
    page.get_by_role("button", name="Start the survey").click()
    page.get_by_role("button", name="Save and continue later").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers are saved")
    _assert_accessible(page)

    login("alice")
    page.goto(f"{base}/s/autumn/self-rating/NORTH/")
    expect(page.get_by_text("This rating is not anonymous")).to_be_visible()
    _assert_accessible(page)
