"""Optional two-step sign-in (TOTP): enrol, sign in with the code, turn it off."""

from __future__ import annotations

import base64
import time

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.views import PENDING
from surveys.models import AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/accounts/two-step/"
CODE_STEP = "/accounts/login/code/"


def code_for(key: bytes, steps_ahead: int = 0) -> str:
    """The app's code, `steps_ahead` 30-second steps from now (a used step is refused)."""
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def enrol(client: Client, user) -> bytes:
    client.force_login(user)
    assert client.get(PAGE).status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(PAGE, {"code": code_for(device.bin_key)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device.bin_key


def sign_in(client: Client, username: str, next_url: str = "") -> object:
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def test_enrolment_shows_the_key_and_an_inline_qr_code_then_needs_a_first_code(
    client, hr, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no pause after the wrong code below
    client.force_login(hr)
    response = client.get(PAGE)
    html = response.content.decode()
    device = TOTPDevice.objects.get(user=hr)
    assert not device.confirmed
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    src = html.split('src="data:image/svg+xml;base64,', 1)[1].split('"', 1)[0]
    assert base64.b64decode(src).lstrip().startswith(b"<svg")
    assert "issuer=Continuum" in device.config_url
    assert response["Cache-Control"].startswith("max-age=0")  # never cached

    # The same pending key on a second visit: the QR code does not change under the user.
    client.get(PAGE)
    assert TOTPDevice.objects.get(user=hr).pk == device.pk

    wrong = client.post(PAGE, {"code": "000000" if code_for(device.bin_key) != "000000" else "1"})
    assert wrong.status_code == 400
    assert not TOTPDevice.objects.get(user=hr).confirmed

    enrolled = Client()
    enrol(enrolled, hr)
    assert AuditEntry.objects.filter(action="account.two_factor_on").count() == 1
    page = enrolled.get(PAGE).content.decode()
    assert "Two-step sign-in is on" in page
    assert secret not in page.replace(" ", "")  # the key is never shown again


def test_signing_in_asks_for_the_code_after_the_password(client, hr):
    key = enrol(Client(), hr)

    response = sign_in(client, "hr", next_url="/hr/")
    assert response.status_code == 302 and response.url == CODE_STEP
    assert "_auth_user_id" not in client.session  # not signed in yet
    assert client.get("/hr/").status_code == 302
    assert client.get("/reports/").status_code == 302
    assert client.get(CODE_STEP).status_code == 200

    response = client.post(CODE_STEP, {"code": code_for(key, 1)})
    assert response.status_code == 302 and response.url == "/hr/"
    assert client.session["_auth_user_id"] == str(hr.pk)
    assert client.get("/hr/").status_code == 200
    assert client.get("/reports/").status_code == 200


@pytest.mark.parametrize("wrong", ["123456", "12345", "abcdef"])
def test_a_wrong_code_is_refused(client, hr, wrong, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    key = enrol(Client(), hr)
    if wrong in (code_for(key, -1), code_for(key), code_for(key, 1), code_for(key, 2)):
        pytest.skip("the wrong code happens to be a right one this half-minute")
    sign_in(client, "hr")
    response = client.post(CODE_STEP, {"code": wrong})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    assert client.get("/hr/").status_code == 302
    # The right code still works afterwards.
    assert client.post(CODE_STEP, {"code": code_for(key, 1)}).status_code == 302
    assert client.get("/hr/").status_code == 200


def test_wrong_codes_count_towards_the_username_lockout(client, analyst, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    key = enrol(Client(), analyst)
    sign_in(client, "analyst")
    bad = "000000" if "000000" not in {code_for(key, s) for s in range(-1, 3)} else "999999"
    for _ in range(4):
        assert client.post(CODE_STEP, {"code": bad}).status_code == 400
    assert AccessAttempt.objects.get(username="analyst").failures_since_start == 4
    response = client.post(CODE_STEP, {"code": bad})
    assert response.status_code == 429
    assert "Sign-in is paused" in response.content.decode()
    # The half-finished sign-in is gone, and the password alone no longer helps.
    assert PENDING not in client.session
    assert sign_in(Client(), "analyst").status_code == 429


def test_a_repeated_code_is_refused(client, hr):
    """The code used to confirm the app cannot be used again to sign in."""
    client_for_enrol = Client()
    client_for_enrol.force_login(hr)
    client_for_enrol.get(PAGE)
    device = TOTPDevice.objects.get(user=hr)
    used = code_for(device.bin_key)
    client_for_enrol.post(PAGE, {"code": used})
    sign_in(client, "hr")
    assert client.post(CODE_STEP, {"code": used}).status_code == 400


def test_without_a_device_there_is_no_second_step(client, analyst):
    response = sign_in(client, "analyst")
    assert response.status_code == 302 and response.url == "/"
    assert client.session["_auth_user_id"] == str(analyst.pk)
    assert client.get(CODE_STEP).status_code == 302  # nothing to do there


def test_a_session_that_skipped_the_code_cannot_reach_hr_or_reports(hr):
    enrol(Client(), hr)
    other = Client()
    other.force_login(hr)  # a session that never passed the code step
    response = other.get("/hr/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in other.session  # signed out altogether
    other.force_login(hr)
    assert other.get("/reports/").status_code == 302
    other.force_login(hr)
    assert other.get("/admin/").status_code == 302


def test_the_admin_sign_in_goes_through_the_same_page(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/admin/"


def test_the_code_step_expires_after_five_minutes(client, hr):
    key = enrol(Client(), hr)
    sign_in(client, "hr")
    session = client.session
    session[PENDING] = {**session[PENDING], "at": int(time.time()) - 301}
    session.save()
    response = client.post(CODE_STEP, {"code": code_for(key, 1)})
    assert response.status_code == 302 and response.url == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_turning_it_off_needs_the_password(hr):
    key = enrol(client := Client(), hr)
    response = client.post(PAGE, {"password": "not my password"})
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=hr, confirmed=True).exists()
    assert AccessAttempt.objects.get(username="hr").failures_since_start == 1

    response = client.post(PAGE, {"password": PASSWORD})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=hr).exists()
    assert AuditEntry.objects.filter(action="account.two_factor_off").exists()
    # And signing in needs the password only again.
    fresh = Client()
    assert sign_in(fresh, "hr").url == "/"
    assert key  # the old key is simply forgotten


def test_leaders_may_enrol_too(client, alice):
    enrol(client, alice)
    assert sign_in(Client(), "alice").url == CODE_STEP


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_an_administrator_can_turn_it_off_for_a_lost_phone(hr):
    from io import StringIO

    from django.core.management import CommandError, call_command

    enrol(Client(), hr)
    out = StringIO()
    call_command("disable_two_factor", "hr", stdout=out)
    assert "Two-step sign-in is off for hr" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=hr).exists()
    assert sign_in(Client(), "hr").url == "/"
    with pytest.raises(CommandError, match="No account"):
        call_command("disable_two_factor", "nobody")
