"""Every URL × every role: the status each role gets, from an explicit table.

`TABLE` below classifies every named URL pattern of the project (the admin has
its own test at the end). `test_every_url_pattern_is_in_the_table` fails when a
URL is added without a row here, so every future page gets classified too.

Roles: `anonymous`; `respondent` (no account, answering the open wave through
their invitation link); `charlie` (an account without a role); `alice` (leader of
NORTH: N-ED, N-ICU below); `bob` (leader of SOUTH: S-MED below); `analyst`; `hr`.
The data behind the URLs is described in tests/security_world.py.

Expected values: an HTTP status, or LOGIN for a redirect to the sign-in page.
POST-only URLs are requested with an empty POST (the CSRF check is tested
separately in tests/test_csrf.py); everything else with GET. Each request comes
from a fresh client of its role, so no case depends on another's cookies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.security_world import ROLES, World, build_world, client_for

pytestmark = pytest.mark.django_db

LOGIN = "login"
ACCOUNTS = ("charlie", "alice", "bob", "analyst", "hr")


def everyone(status: int) -> dict[str, Any]:
    return dict.fromkeys(ROLES, status)


def signed_in(**statuses: Any) -> dict[str, Any]:
    """Sign-in first for people without an account; the given status for each account."""
    default = statuses.pop("default", None)
    table = {"anonymous": LOGIN, "respondent": LOGIN}
    for role in ACCOUNTS:
        table[role] = statuses.get(role, default)
    assert None not in table.values(), table
    return table


def hr_only(hr: int = 200) -> dict[str, Any]:
    """The HR pages: 403 for every other account, before any lookup (no probing)."""
    return signed_in(default=403, hr=hr)


def reports(**statuses: Any) -> dict[str, Any]:
    """Report pages: 403 for an account without a reporting role (charlie)."""
    return signed_in(charlie=403, **statuses)


@dataclass(frozen=True)
class Case:
    name: str  # the URL pattern's name, namespace included
    path: str  # formatted with the World's fields
    expected: dict[str, Any]
    method: str = "GET"
    why: str = field(default="", compare=False)


NORTH_ITEM = "/reports/spring/u/NORTH/actions/{action_pk}/"
SOUTH_ITEM = "/reports/spring/u/S-MED/actions/{action_pk_south}/"

TABLE: list[Case] = [
    # -- home, sign-in --------------------------------------------------------------------
    Case("home", "/", everyone(200)),
    Case("accounts:login", "/accounts/login/", everyone(200)),
    Case("accounts:login_code", "/accounts/login/code/", everyone(LOGIN), why="no password yet"),
    Case("accounts:two_factor", "/accounts/two-step/", signed_in(default=200)),
    Case("admin_login", "/admin/login/", everyone(LOGIN), why="one sign-in page for all"),
    Case("set_language", "/i18n/setlang/", everyone(302), why="GET changes nothing"),
    # -- the staff journey: public, no account --------------------------------------------
    Case("surveys:invitation", "/s/i/{token}/", everyone(302)),
    Case("surveys:invitation", "/s/i/not-a-real-token/", everyone(404)),
    Case("surveys:resume_link", "/s/r/{resume_code}/", everyone(302)),
    Case("surveys:resume", "/s/resume/", everyone(200)),
    Case("surveys:support", "/s/support/", everyone(200)),
    Case("surveys:welcome", "/s/autumn/", everyone(200)),
    Case("surveys:welcome", "/s/spring/", everyone(410), why="closed and released"),
    Case("surveys:welcome", "/s/winter/", everyone(404), why="draft"),
    Case("surveys:privacy", "/s/autumn/privacy/", everyone(200)),
    Case(
        "surveys:page",
        "/s/autumn/page/1/",
        {**everyone(302), "respondent": 200},
        why="only a started journey has pages; others go to the welcome page",
    ),
    Case("surveys:saved", "/s/autumn/saved/", everyone(302), why="nothing saved in this browser"),
    Case("surveys:result", "/s/autumn/result/", everyone(404), why="no result in this browser"),
    Case("surveys:withdraw", "/s/autumn/withdraw/", everyone(200)),
    Case("surveys:withdraw", "/s/winter/withdraw/", everyone(404)),
    Case(
        "surveys:self_rating",
        "/s/autumn/self-rating/NORTH/",
        signed_in(default=404, alice=200),
        why="only the leader of that very unit",
    ),
    Case("surveys:self_rating", "/s/autumn/self-rating/S-MED/", signed_in(default=404)),
    Case("surveys:self_rating", "/s/autumn/self-rating/SOUTH/", signed_in(default=404, bob=200)),
    Case("surveys:self_rating", "/s/autumn/self-rating/N-ED/", signed_in(default=404)),
    # -- "You said, we did": public --------------------------------------------------------
    Case("public_actions:unit", "/actions/spring/NORTH/", everyone(200)),
    Case("public_actions:unit", "/actions/spring/NOPE/", everyone(404)),
    Case("public_actions:unit", "/actions/winter/NORTH/", everyone(404), why="draft wave"),
    # -- HR ---------------------------------------------------------------------------------
    Case("hr:dashboard", "/hr/", hr_only()),
    Case("hr:wave_create", "/hr/waves/new/", hr_only()),
    Case("hr:wave_detail", "/hr/waves/autumn/", hr_only()),
    Case("hr:wave_detail", "/hr/waves/nope/", hr_only(404), why="403 before any lookup"),
    Case("hr:wave_edit", "/hr/waves/autumn/edit/", hr_only()),
    Case("hr:wave_privacy", "/hr/waves/autumn/privacy/", hr_only()),
    Case("hr:roster_upload", "/hr/waves/autumn/roster/", hr_only()),
    Case("hr:roster_preview", "/hr/waves/autumn/roster/{upload0}/", hr_only()),
    Case("hr:paper_upload", "/hr/waves/autumn/paper/", hr_only()),
    Case("hr:instruments", "/hr/instruments/", hr_only()),
    Case("hr:instrument_import", "/hr/instruments/import/", hr_only()),
    Case("hr:instrument_preview", "/hr/instruments/{code}/v{version}/", hr_only()),
    Case("hr:instrument_preview", "/hr/instruments/{code}/v99/", hr_only(404)),
    Case("hr:instrument_download", "/hr/instruments/{code}/v{version}/download/", hr_only()),
    Case("hr:audit", "/hr/audit/", hr_only()),
    # -- reports ------------------------------------------------------------------------------
    Case("reports:waves", "/reports/", reports(default=200)),
    Case("reports:report", "/reports/spring/", reports(default=200)),
    Case("reports:report", "/reports/winter/", reports(default=404), why="draft"),
    Case("reports:export", "/reports/spring/export/csv/", reports(default=200)),
    Case(
        "reports:participation",
        "/reports/autumn/participation/",
        reports(default=200),
        why="open wave: live participation",
    ),
    Case("reports:participation", "/reports/spring/participation/", reports(default=302)),
    Case("reports:equity", "/reports/spring/equity/", reports(default=403, analyst=200)),
    Case(
        "reports:equity_export",
        "/reports/spring/equity/export/csv/",
        reports(default=403, analyst=200),
    ),
    Case(
        "reports:render",
        "/reports/pdf/{render_pk}/",
        signed_in(default=404, alice=200),
        why="a prepared PDF exists only for the person who asked (alice)",
    ),
    Case(
        "reports:render_state", "/reports/pdf/{render_pk}/state/", signed_in(default=404, alice=200)
    ),
    Case(
        "reports:render_download",
        "/reports/pdf/{render_pk}/download/",
        signed_in(default=404, alice=200),
    ),
    Case("reports:unit", "/reports/spring/u/N-ED/", reports(default=200, bob=404)),
    Case("reports:unit", "/reports/spring/u/S-MED/", reports(default=200, alice=404)),
    Case("reports:unit", "/reports/spring/u/NOPE/", reports(default=404)),
    Case(
        "reports:unit_export",
        "/reports/spring/u/N-ED/export/csv/",
        reports(default=200, bob=404),
    ),
    Case(
        "reports:unit_export",
        "/reports/spring/u/S-MED/export/csv/",
        reports(default=200, alice=404),
    ),
    Case(
        "reports:actions",
        "/reports/spring/u/NORTH/actions/",
        reports(alice=200, bob=404, analyst=403, hr=200),
        why="leaders of the unit (or above) and HR write; analysts read only",
    ),
    Case(
        "reports:actions",
        "/reports/spring/u/S-MED/actions/",
        reports(alice=404, bob=200, analyst=403, hr=200),
    ),
    Case("reports:action_edit", NORTH_ITEM, reports(alice=200, bob=404, analyst=403, hr=200)),
    Case(
        "reports:action_edit",
        "/reports/spring/u/S-MED/actions/{action_pk}/",
        reports(alice=404, bob=404, analyst=403, hr=404),
        why="NORTH's item under bob's unit: no way to reach another unit's item",
    ),
    Case(
        "reports:action_delete",
        NORTH_ITEM + "delete/",
        reports(alice=200, bob=404, analyst=403, hr=200),
    ),
    Case(
        "reports:action_delete",
        SOUTH_ITEM + "delete/",
        reports(alice=404, bob=200, analyst=403, hr=200),
    ),
    # -- POST-only (empty POST), after every GET ---------------------------------------------
    Case(
        "surveys:start",
        "/s/autumn/start/",
        {**everyone(400), "respondent": 302},
        method="POST",
        why="no unit chosen; the respondent's journey already started",
    ),
    Case("hr:wave_transition", "/hr/waves/autumn/stage/", hr_only(302), method="POST"),
    Case("hr:wave_checklist", "/hr/waves/autumn/checklist/", hr_only(302), method="POST"),
    Case("hr:send_invitations", "/hr/waves/autumn/send/invitations/", hr_only(302), method="POST"),
    Case("hr:send_reminders", "/hr/waves/autumn/send/reminders/", hr_only(302), method="POST"),
    Case(
        "hr:roster_confirm",
        "/hr/waves/autumn/roster/{upload1}/confirm/",
        hr_only(302),
        method="POST",
    ),
    Case(
        "hr:roster_cancel",
        "/hr/waves/autumn/roster/{upload2}/cancel/",
        hr_only(302),
        method="POST",
    ),
    Case("hr:paper_confirm", "/hr/waves/autumn/paper/confirm/", hr_only(400), method="POST"),
    Case(
        "reports:action_status",
        NORTH_ITEM + "status/",
        reports(alice=302, bob=404, analyst=403, hr=302),
        method="POST",
    ),
    Case(
        "reports:action_publish",
        NORTH_ITEM + "publish/",
        reports(alice=302, bob=404, analyst=403, hr=302),
        method="POST",
    ),
    Case(
        "reports:action_publish",
        "/reports/spring/u/S-MED/actions/{action_pk}/publish/",
        reports(alice=404, bob=404, analyst=403, hr=404),
        method="POST",
    ),
    Case("reports:pdf", "/reports/spring/export/pdf/", reports(default=302), method="POST"),
    Case(
        "reports:unit_pdf",
        "/reports/spring/u/N-ED/export/pdf/",
        reports(default=302, bob=404),
        method="POST",
    ),
    Case(
        "reports:equity_pdf",
        "/reports/spring/equity/export/pdf/",
        reports(default=403, analyst=302),
        method="POST",
    ),
    Case("accounts:logout", "/accounts/logout/", signed_in(default=302), method="POST"),
]


def pattern_names(patterns: list[Any], namespace: str = "") -> set[str]:
    """Every named URL pattern under the root resolver, namespaces included (not the admin)."""
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            names |= pattern_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"unnamed URL pattern {pattern.pattern}: give it a name"
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def test_every_url_pattern_is_in_the_table():
    in_table = {case.name for case in TABLE}
    patterns = pattern_names(get_resolver().url_patterns)
    assert patterns - in_table == set(), "classify these new URLs in TABLE"
    assert in_table - patterns == set(), "these rows name URLs that no longer exist"
    for case in TABLE:
        assert set(case.expected) == set(ROLES), case


def path_of(case: Case, world: World) -> str:
    code, version = world.instrument
    return case.path.format(
        token=world.token,
        resume_code=world.resume_code,
        action_pk=world.action_pk,
        action_pk_south=world.action_pk_south,
        upload0=world.upload_ids[0],
        upload1=world.upload_ids[1],
        upload2=world.upload_ids[2],
        code=code,
        version=version,
        render_pk=world.render_pk,
    )


def outcome(response: Any) -> Any:
    if response.status_code == 302 and response.url.startswith("/accounts/login/"):
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_the_table_says(
    role, org, mini_version, hr, alice, bob, analyst, charlie, settings
):
    # Asking for a PDF is what is tested here; the worker's render is tested elsewhere.
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", "email"],
        }
    }
    users = {"hr": hr, "alice": alice, "bob": bob, "analyst": analyst, "charlie": charlie}
    world = build_world(org=org, version=mini_version, hr=hr, alice=alice, bob=bob)
    wrong = []
    for case in sorted(TABLE, key=lambda c: c.method == "POST"):
        client = client_for(role, world, users)
        path = path_of(case, world)
        response = client.post(path) if case.method == "POST" else client.get(path)
        got = outcome(response)
        if got != case.expected[role]:
            wrong.append(f"{case.method} {case.path}: expected {case.expected[role]}, got {got}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_is_closed_to_everyone_but_staff(
    role, invitation_token, hr, alice, bob, analyst, charlie
):
    users = {"hr": hr, "alice": alice, "bob": bob, "analyst": analyst, "charlie": charlie}
    client = Client()
    if role == "respondent":
        assert client.get(f"/s/i/{invitation_token}/").status_code == 302
    elif role in users:
        client.force_login(users[role])
    for path in ("/admin/", "/admin/accounts/user/", "/admin/surveys/wave/", "/admin/axes/"):
        response = client.get(path)
        assert response.status_code == 302, path
        if response.url.startswith("/admin/login/"):
            response = client.get(response.url)
        assert response.url.startswith("/accounts/login/"), path


def test_the_admin_opens_for_staff_accounts(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 20)
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
    assert Client().get("/admin/").status_code == 302
