"""CSRF on every form: every POST form a role can reach carries the token, and a POST
without it is refused."""

from __future__ import annotations

import html.parser
import time
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from reports.models import ActionItem
from surveys.models import Wave
from tests.conftest import PASSWORD
from tests.journey_helpers import post_page
from tests.security_world import ROLES, build_world, client_for
from tests.test_authorization_matrix import TABLE, path_of

pytestmark = pytest.mark.django_db


class PostForms(html.parser.HTMLParser):
    """(action, has a csrfmiddlewaretoken field) for every <form method="post">."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, bool]] = []
        self._open: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and (values.get("method") or "get").lower() == "post":
            self._open = [values.get("action") or "(this page)", False]
        elif (
            tag == "input"
            and self._open is not None
            and values.get("name") == "csrfmiddlewaretoken"
            and values.get("value")
        ):
            self._open[1] = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._open is not None:
            self.forms.append((self._open[0], self._open[1]))
            self._open = None


def post_forms(markup: str) -> list[tuple[str, bool]]:
    parser = PostForms()
    parser.feed(markup)
    return parser.forms


def extra_pages(role: str, client: Client, world: Any, users: dict[str, Any]) -> list[Any]:
    """Pages with forms that no plain GET reaches: mid-journey, after a failed login, the
    two-step pages, an HR preview."""
    pages = [client.post("/accounts/login/", {"username": "nobody", "password": "x"})]
    if role == "respondent":
        client.post("/s/autumn/start/")
        pages += [client.get(f"/s/autumn/page/{number}/") for number in (1, 2, 3, 4)]
        post_page(client, "autumn", 1, {"A1": "4"}, "save")
        pages.append(client.get("/s/autumn/saved/"))
        post_page(client, "autumn", 4, {}, "submit")
        pages.append(client.get("/s/autumn/result/"))
        pages.append(client.post("/s/autumn/withdraw/", {"code": "123"}))
    if role == "hr":
        columns = "unit_code,A1,A2,A3,A4\nN-ED,1,2,3,4\n"
        pages.append(
            client.post(
                "/hr/waves/autumn/paper/",
                {"file": SimpleUploadedFile("paper.csv", columns.encode())},
            )
        )
    if role in users:
        pages.append(client.get("/accounts/two-step/"))
        device = TOTPDevice.objects.get(user=users[role], confirmed=False)
        client.post("/accounts/two-step/", {"code": f"{TOTP(device.bin_key).token():06d}"})
        pages.append(client.get("/accounts/two-step/"))  # now the form to turn it off
        other = Client()
        other.post("/accounts/login/", {"username": role, "password": PASSWORD})
        pages.append(other.get("/accounts/login/code/"))
    return pages


@pytest.mark.parametrize("role", ROLES)
def test_every_post_form_a_role_can_reach_carries_the_csrf_token(
    role, org, mini_version, hr, alice, bob, analyst, charlie
):
    users = {"hr": hr, "alice": alice, "bob": bob, "analyst": analyst, "charlie": charlie}
    world = build_world(org=org, version=mini_version, hr=hr, alice=alice, bob=bob)
    seen: list[str] = []
    missing: list[str] = []
    for case in TABLE:
        if case.method != "GET" or case.expected[role] != 200:
            continue
        response = client_for(role, world, users).get(path_of(case, world))
        assert response.status_code == 200, case.path
        if not response["Content-Type"].startswith("text/html"):
            continue  # a download
        for action, has_token in post_forms(response.content.decode()):
            seen.append(f"{case.path} -> {action}")
            if not has_token:
                missing.append(f"{case.path}: form posting to {action}")
    client = client_for(role, world, users)
    for response in extra_pages(role, client, world, users):
        for action, has_token in post_forms(response.content.decode()):
            seen.append(f"{response.request['PATH_INFO']} -> {action}")
            if not has_token:
                missing.append(f"{response.request['PATH_INFO']}: form posting to {action}")
    assert not missing, "\n".join(missing)
    # The walk really met forms: the language switch at least, and each role's own.
    assert len(seen) >= {"anonymous": 10, "respondent": 15, "hr": 40}.get(role, 15), seen


# -- a POST without the token is refused ------------------------------------------------------


@pytest.fixture
def strict_world(org, mini_version, hr, alice, bob):
    return build_world(org=org, version=mini_version, hr=hr, alice=alice, bob=bob)


def strict(user: Any = None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def test_login_without_the_token_is_refused(strict_world, alice):
    client = strict()
    assert (
        client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code
        == 403
    )
    assert "_auth_user_id" not in client.session
    # With the token from the form, the same POST signs in.
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_a_survey_page_submit_without_the_token_is_refused(strict_world):
    client = strict()
    assert client.get(f"/s/i/{strict_world.token}/").status_code == 302
    response = client.post("/s/autumn/page/1/", {"A1": "4", "action": "submit"})
    assert response.status_code == 403
    assert client.post("/s/autumn/start/").status_code == 403
    assert client.post("/s/resume/", {"code": strict_world.resume_code}).status_code == 403
    assert client.post("/s/autumn/withdraw/", {"code": strict_world.resume_code}).status_code == 403


def test_an_hr_stage_change_without_the_token_is_refused(strict_world, hr):
    response = strict(hr).post("/hr/waves/autumn/stage/", {"status": "closed"})
    assert response.status_code == 403
    assert Wave.objects.get(slug="autumn").status == Wave.Status.OPEN
    assert (
        strict(hr)
        .post(f"/hr/waves/autumn/roster/{strict_world.upload_ids[1]}/confirm/")
        .status_code
        == 403
    )


def test_publishing_an_action_without_the_token_is_refused(strict_world, alice):
    path = f"/reports/spring/u/NORTH/actions/{strict_world.action_pk}/publish/"
    assert strict(alice).post(path, {"publish": "1"}).status_code == 403
    assert ActionItem.objects.get(pk=strict_world.action_pk).published_on is None


def test_account_changes_without_the_token_are_refused(strict_world, analyst):
    client = strict(analyst)
    client.get("/accounts/two-step/")
    device = TOTPDevice.objects.get(user=analyst)
    totp = TOTP(device.bin_key)
    totp.time = time.time()
    assert client.post("/accounts/two-step/", {"code": f"{totp.token():06d}"}).status_code == 403
    assert not TOTPDevice.objects.get(user=analyst).confirmed
    assert client.post("/accounts/logout/").status_code == 403
    assert client.get("/accounts/two-step/").status_code == 200  # still signed in
