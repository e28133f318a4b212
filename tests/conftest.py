r"""The shared test cast.

Org tree:            ORG
                   /     \
              NORTH       SOUTH
             /     \          \
          N-ED    N-ICU       S-MED

- hr:      HR admin
- alice:   leader of NORTH (sees NORTH, N-ED, N-ICU)
- bob:     leader of SOUTH (sibling of alice)
- analyst: equity analyst
- charlie: an account with no role at all (the outsider)
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    """The cache holds the guessing and login counters (surveys.ratelimit): start each test
    without any, or one test's failed lookups would slow down the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def mini_document() -> dict[str, Any]:
    return json.loads((FIXTURES / "mini_instrument.json").read_text())


@pytest.fixture
def mini_definition_document() -> dict[str, Any]:
    return mini_document()


def _user(django_user_model: Any, username: str, **extra: Any) -> Any:
    return django_user_model.objects.create_user(
        username=username, email=f"{username}@example.org", password=PASSWORD, **extra
    )


@pytest.fixture
def hr(django_user_model: Any) -> Any:
    return _user(django_user_model, "hr", is_hr_admin=True)


@pytest.fixture
def analyst(django_user_model: Any) -> Any:
    return _user(django_user_model, "analyst", is_equity_analyst=True)


@pytest.fixture
def alice(django_user_model: Any) -> Any:
    return _user(django_user_model, "alice")


@pytest.fixture
def bob(django_user_model: Any) -> Any:
    return _user(django_user_model, "bob")


@pytest.fixture
def charlie(django_user_model: Any) -> Any:
    return _user(django_user_model, "charlie")


@pytest.fixture
def org(db: Any, alice: Any, bob: Any) -> dict[str, Any]:
    from surveys.services.units import leadership_assign, unit_create

    root = unit_create(code="ORG", name="Organization")
    north = unit_create(code="NORTH", name="North", parent=root)
    south = unit_create(code="SOUTH", name="South", parent=root)
    units = {
        "ORG": root,
        "NORTH": north,
        "SOUTH": south,
        "N-ED": unit_create(code="N-ED", name="North emergency", parent=north),
        "N-ICU": unit_create(code="N-ICU", name="North intensive care", parent=north),
        "S-MED": unit_create(code="S-MED", name="South medicine", parent=south),
    }
    leadership_assign(user=alice, unit=north)
    leadership_assign(user=bob, unit=south)
    return units


@pytest.fixture
def mini_version(db: Any) -> Any:
    from surveys.services.instruments import instrument_version_import

    return instrument_version_import(document=mini_document())


@pytest.fixture
def wave(org: dict[str, Any], mini_version: Any) -> Any:
    """A draft wave over the whole org with the mini instrument and the open link on."""
    from surveys.services.waves import wave_create

    return wave_create(
        slug="spring",
        name="Spring check-in",
        instrument_version=mini_version,
        units=[org["ORG"]],
        open_link_enabled=True,
    )


@pytest.fixture
def open_wave(wave: Any) -> Any:
    from surveys.services.waves import wave_set_status

    return wave_set_status(wave=wave, status="open")


@pytest.fixture
def invitation_token(open_wave: Any, org: dict[str, Any]) -> str:
    """A pending invitation in N-ED; returns the token (only its hash is stored)."""
    from surveys.models import Invitation
    from surveys.tokens import new_token, token_hash

    token = new_token()
    Invitation.objects.create(
        wave=open_wave, unit=org["N-ED"], email="dana@example.org", token_hash=token_hash(token)
    )
    return token


# -- browser tests --------------------------------------------------------------
CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Drive Debian's Chromium; `playwright install` cannot download browsers here."""
    if not CHROMIUM:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing under CI=true: .ci/run must install Debian's chromium")
        pytest.skip("Chromium not found: `apt-get install chromium` to run the browser tests")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the current page (WCAG 2.x A/AA and best practices)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return results.response["violations"]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
    )


@pytest.fixture
def login(page: Any, live_server: Any) -> Any:
    """Log a user in through the real login form."""

    def do_login(username: str, password: str = PASSWORD) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

    return do_login


@pytest.fixture
def default_open_wave(org: dict[str, Any]) -> Any:
    """An open wave over the whole org with the project's default instrument (8 sections,
    content notes, CARES, self-identification and a comment), open link on."""
    from surveys.services.instruments import default_instrument_version
    from surveys.services.waves import wave_create, wave_set_status

    wave = wave_create(
        slug="autumn",
        name="Autumn wellbeing check",
        instrument_version=default_instrument_version(),
        units=[org["ORG"]],
        open_link_enabled=True,
    )
    return wave_set_status(wave=wave, status="open")


@pytest.fixture
def default_invitation_token(default_open_wave: Any, org: dict[str, Any]) -> str:
    """A pending invitation in N-ICU for the default-instrument wave."""
    from surveys.models import Invitation
    from surveys.tokens import new_token, token_hash

    token = new_token()
    Invitation.objects.create(
        wave=default_open_wave,
        unit=org["N-ICU"],
        email="erin@example.org",
        token_hash=token_hash(token),
    )
    return token
