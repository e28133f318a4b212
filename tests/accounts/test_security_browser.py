"""The security pages in a real browser, each checked with axe: two-step enrolment, the
code step, the lockout page and the 429 pages."""

from __future__ import annotations

import base64
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.conftest import axe_violations, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def code_from(secret: str, steps_ahead: int = 0) -> str:
    key = secret.replace(" ", "")
    totp = TOTP(base64.b32decode(key + "=" * (-len(key) % 8)))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_an_hr_admin_turns_on_two_step_sign_in_and_signs_in_with_a_code(
    page: Page, live_server, login, hr
):
    login("hr")
    page.get_by_role("link", name="Two-step sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step sign-in")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_accessible(page)

    secret = page.locator("code.user-select-all").inner_text()
    page.get_by_label("Six-digit code").fill("000000" if code_from(secret) != "000000" else "1")
    page.get_by_role("button", name="Turn two-step sign-in on").click()
    expect(page.get_by_role("alert")).to_contain_text("That code did not work")
    assert_accessible(page)  # the page with its error

    time.sleep(1.1)  # django-otp pauses a second after a wrong code
    page.get_by_label("Six-digit code").fill(code_from(secret))
    page.get_by_role("button", name="Turn two-step sign-in on").click()
    expect(page.get_by_role("status")).to_contain_text("Two-step sign-in is on")
    assert_accessible(page)

    page.get_by_role("button", name="Log out").click()
    login("hr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    assert_accessible(page)
    page.get_by_label("Six-digit code").fill(code_from(secret, 1))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="HR", exact=True)).to_be_visible()
    page.goto(f"{live_server.url}/hr/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "/accounts/login/" not in page.url


def test_the_lockout_page(page: Page, live_server, login, alice):
    for _ in range(5):
        login("alice", "not the password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in is paused for this account")
    assert_accessible(page)


def test_the_too_many_attempts_pages(page: Page, live_server, login, settings, open_wave):
    settings.RATELIMIT_PER_CLIENT = 1
    page.goto(f"{live_server.url}/s/i/not-a-real-invitation/")
    page.goto(f"{live_server.url}/s/i/another-wrong-one/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Please wait a few minutes")
    expect(page.get_by_role("link", name="988").first).to_be_visible()
    assert_accessible(page)

    login("somebody", "wrong")
    login("somebody-else", "wrong")
    expect(page.get_by_role("heading", level=1)).to_have_text("Please wait a few minutes")
    assert_accessible(page)
