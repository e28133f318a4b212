"""Account sessions end 8 hours after signing in and after 30 minutes without activity."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.middleware import SEEN_AT, SIGNED_IN_AT
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def shift(client: Client, **ago: int) -> None:
    """Pretend the session was signed in / last seen this many seconds ago."""
    session = client.session
    now = int(time.time())
    if "signed_in" in ago:
        session[SIGNED_IN_AT] = now - ago["signed_in"]
    if "seen" in ago:
        session[SEEN_AT] = now - ago["seen"]
    session.save()


def test_the_defaults_are_eight_hours_and_thirty_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_IDLE_SECONDS == 30 * 60


def test_signing_in_starts_both_clocks(client, alice):
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    session = client.session
    assert abs(session[SIGNED_IN_AT] - time.time()) < 5
    assert session[SEEN_AT] == session[SIGNED_IN_AT]


def test_thirty_idle_minutes_sign_a_leader_out(client, alice, org):
    client.force_login(alice)
    assert client.get("/reports/").status_code == 200
    shift(client, seen=30 * 60 + 1)

    response = client.get("/reports/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    follow = client.get(response.url)
    assert "You were signed out to protect your account" in follow.content.decode()


def test_activity_keeps_the_session_open(client, alice, org):
    client.force_login(alice)
    shift(client, seen=29 * 60)
    assert client.get("/reports/").status_code == 200
    assert abs(client.session[SEEN_AT] - time.time()) < 5  # the idle clock restarted
    shift(client, seen=10)
    before = client.session[SEEN_AT]
    client.get("/reports/")
    assert client.session[SEEN_AT] == before  # not rewritten on every request


def test_eight_hours_after_signing_in_the_session_ends_even_if_active(client, hr):
    client.force_login(hr)
    shift(client, signed_in=8 * 60 * 60 + 1, seen=5)
    response = client.get("/hr/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_the_idle_limit_comes_from_the_setting(client, hr, settings):
    settings.SESSION_IDLE_SECONDS = 120
    client.force_login(hr)
    shift(client, seen=119)
    assert client.get("/hr/").status_code == 200
    shift(client, seen=121)
    assert client.get("/hr/").status_code == 302


def test_an_old_session_without_clocks_gets_them(client, hr):
    client.force_login(hr)
    session = client.session
    del session[SIGNED_IN_AT], session[SEEN_AT]
    session.save()
    assert client.get("/hr/").status_code == 200
    assert SIGNED_IN_AT in client.session


def test_logging_out_deletes_the_session(client, hr):
    client.force_login(hr)
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    # The old cookie is worth nothing now.
    replay = Client()
    replay.cookies["sessionid"] = key
    assert replay.get("/hr/").status_code == 302


def test_staff_answering_a_survey_get_no_session(client, invitation_token):
    client.get(f"/s/i/{invitation_token}/")
    client.get("/s/spring/")
    assert "sessionid" not in client.cookies
    assert Session.objects.count() == 0
