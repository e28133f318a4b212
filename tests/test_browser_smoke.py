"""The public pages render accessibly in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import axe_violations, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_and_login_pages_pass_axe(page: Page, live_server):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Continuum")
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)

    page.get_by_role("link", name="Leaders and HR: log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_login_works_and_french_is_available(page: Page, live_server, login, alice):
    login("alice")
    expect(page.get_by_text("Signed in as alice")).to_be_visible()
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
