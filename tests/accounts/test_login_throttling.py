"""Login throttling (django-axes): by username only, and nothing about the client is kept."""

from __future__ import annotations

import datetime
import logging

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"
AGENT = "Mozilla/5.0 (distinctive-test-agent)"
LOCKED = "Sign-in is paused for this account"


def attempt(client: Client, username: str, password: str = "wrong", **extra: str):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=extra.get("address", ADDRESS),
        HTTP_USER_AGENT=AGENT,
    )


def test_five_wrong_passwords_pause_the_username(client, alice):
    for _ in range(4):
        response = attempt(client, "alice")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    response = attempt(client, "alice")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "15 minutes" in response.content.decode()

    # Even the right password is refused while the username is paused.
    response = attempt(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_pause_ends_after_fifteen_minutes(client, alice):
    for _ in range(5):
        attempt(client, "alice")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))

    response = attempt(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_the_lockout_is_by_username_not_by_address(alice, bob):
    for _ in range(5):
        attempt(Client(), "alice")
    # Same address, another username: signs in.
    assert attempt(Client(), "bob", PASSWORD).status_code == 302
    # Another address, the paused username: still paused.
    assert attempt(Client(), "alice", PASSWORD, address="198.51.100.5").status_code == 429


def test_unknown_usernames_are_paused_the_same_way(client):
    """Whether a username exists cannot be learnt from the lockout."""
    for _ in range(5):
        response = attempt(client, "nobody-by-this-name")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()


def test_a_successful_sign_in_clears_the_count(client, alice):
    for _ in range(4):
        attempt(client, "alice")
    assert attempt(client, "alice", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert attempt(client, "alice").status_code == 200


def test_the_lockout_page_is_in_french(client, alice):
    client.cookies["django_language"] = "fr"
    for _ in range(5):
        response = attempt(client, "alice")
    assert response.status_code == 429
    assert "La connexion à ce compte est suspendue" in response.content.decode()


def test_no_address_user_agent_or_typed_value_is_stored_or_logged(client, alice, bob, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("", "axes", "django"):
        caplog.set_level(logging.DEBUG, logger=name)
    for _ in range(6):
        attempt(client, "alice", "wrong-secret-password")
    other = Client()
    assert attempt(other, "bob", PASSWORD).status_code == 302
    other.post("/accounts/logout/", REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)

    row = AccessAttempt.objects.get()
    assert row.username == "alice" and row.failures_since_start == 6
    assert row.ip_address is None
    assert row.user_agent == "" and row.http_accept == ""
    assert "wrong-secret-password" not in row.post_data
    assert AccessLog.objects.count() == 0  # no record of successful sign-ins
    assert AccessFailureLog.objects.count() == 0

    # Nowhere in the database: every text column of every table.
    for model in apps.get_models():
        for values in model.objects.values():
            text = repr(values)
            assert ADDRESS not in text, model
            assert "distinctive-test-agent" not in text, model
            assert "wrong-secret-password" not in text, model

    axes_lines = [r.getMessage() for r in caplog.records if r.name.startswith("axes")]
    assert any("login failure" in line for line in axes_lines)
    for record in caplog.records:
        line = record.getMessage()
        assert ADDRESS not in line
        assert "distinctive-test-agent" not in line
        assert "wrong-secret-password" not in line
    for line in axes_lines:
        assert "alice" not in line and "bob" not in line
