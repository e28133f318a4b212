"""Guessing limits on the secret endpoints and the login form (surveys.ratelimit)."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.apps import apps
from django.test import Client, RequestFactory

from surveys import ratelimit
from surveys.services.drafts import DraftState, draft_save
from surveys.tokens import new_code, new_token

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"
OTHER = "198.51.100.20"


@pytest.fixture
def low_limits(settings):
    settings.RATELIMIT_PER_CLIENT = 3
    settings.RATELIMIT_GLOBAL = 1000
    return settings


def bad_link(client: Client, address: str = ADDRESS):
    return client.get(f"/s/i/{new_token()}/", REMOTE_ADDR=address)


def test_unknown_invitation_links_are_limited_per_client(low_limits, invitation_token):
    client = Client()
    for _ in range(3):
        assert bad_link(client).status_code == 404
    response = bad_link(client)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Please wait a few minutes" in html
    assert 'href="tel:988"' in html  # support stays one tap away
    assert response["Referrer-Policy"] == "no-referrer"
    assert 0 < int(response["Retry-After"]) <= 600
    # While over the limit this client gets no lookup at all, even with a real link...
    assert client.get(f"/s/i/{invitation_token}/", REMOTE_ADDR=ADDRESS).status_code == 429
    # ...but other people are not affected.
    assert Client().get(f"/s/i/{invitation_token}/", REMOTE_ADDR=OTHER).status_code == 302


def test_only_failed_lookups_count(low_limits, invitation_token):
    client = Client()
    for _ in range(20):
        assert client.get(f"/s/i/{invitation_token}/", REMOTE_ADDR=ADDRESS).status_code == 302
    assert bad_link(client).status_code == 404


def test_resume_links_codes_and_invitations_share_one_budget(low_limits, open_wave):
    client = Client()
    assert bad_link(client).status_code == 404
    assert client.get(f"/s/r/{new_code()}/", REMOTE_ADDR=ADDRESS).status_code == 404
    assert client.post("/s/resume/", {"code": new_code()}, REMOTE_ADDR=ADDRESS).status_code == 404
    assert client.post("/s/resume/", {"code": new_code()}, REMOTE_ADDR=ADDRESS).status_code == 429
    assert client.get(f"/s/r/{new_code()}/", REMOTE_ADDR=ADDRESS).status_code == 429
    # Reading the form is not a guess.
    assert client.get("/s/resume/", REMOTE_ADDR=ADDRESS).status_code == 200
    # A real resume code from another client still works.
    code, _draft = draft_save(wave=open_wave, state=DraftState(unit=None, once_key="k"))
    assert Client().get(f"/s/r/{code}/", REMOTE_ADDR=OTHER).status_code == 302


def test_a_malformed_code_is_not_a_lookup(low_limits, open_wave):
    client = Client()
    for _ in range(5):
        response = client.post("/s/resume/", {"code": "123"}, REMOTE_ADDR=ADDRESS)
        assert response.status_code == 200


def test_receipt_code_guesses_are_limited(low_limits, open_wave):
    client = Client()
    for _ in range(3):
        response = client.post("/s/spring/withdraw/", {"code": new_code()}, REMOTE_ADDR=ADDRESS)
        assert response.status_code == 200
        assert "No answers were withdrawn" in response.content.decode()
    response = client.post("/s/spring/withdraw/", {"code": new_code()}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 429
    assert "Support is available now" in response.content.decode()
    assert client.get("/s/spring/withdraw/", REMOTE_ADDR=ADDRESS).status_code == 200


def test_the_global_ceiling_stops_everyone(settings, invitation_token):
    settings.RATELIMIT_PER_CLIENT = 100
    settings.RATELIMIT_GLOBAL = 5
    for number in range(5):
        assert bad_link(Client(), address=f"192.0.2.{number}").status_code == 404
    assert bad_link(Client(), address="192.0.2.200").status_code == 429
    assert Client().get(f"/s/i/{invitation_token}/", REMOTE_ADDR=OTHER).status_code == 429


def test_the_limit_lifts_when_the_window_ends(low_limits, monkeypatch, invitation_token):
    now = 1_800_000_000.0
    monkeypatch.setattr(ratelimit.time, "time", lambda: now)
    client = Client()
    for _ in range(3):
        bad_link(client)
    assert bad_link(client).status_code == 429
    now += 600
    assert client.get(f"/s/i/{invitation_token}/", REMOTE_ADDR=ADDRESS).status_code == 302


def test_failed_logins_are_limited_per_client_whatever_the_username(low_limits, alice):
    client = Client()
    for name in ("alice", "bob", "carol"):
        response = client.post(
            "/accounts/login/", {"username": name, "password": "x"}, REMOTE_ADDR=ADDRESS
        )
        assert response.status_code == 200
    response = client.post(
        "/accounts/login/", {"username": "dave", "password": "x"}, REMOTE_ADDR=ADDRESS
    )
    assert response.status_code == 429
    assert "too many unsuccessful sign-in attempts" in response.content.decode()
    assert client.get("/accounts/login/", REMOTE_ADDR=ADDRESS).status_code == 200


def test_the_429_page_is_in_french(low_limits, open_wave):
    client = Client()
    client.cookies["django_language"] = "fr"
    for _ in range(4):
        response = bad_link(client)
    assert response.status_code == 429
    assert "Veuillez patienter quelques minutes" in response.content.decode()


# -- how a client is known ------------------------------------------------------------


def request_from(address: str, forwarded: str = "") -> object:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR=address, **extra)


def test_the_client_key_is_a_keyed_hash_that_changes_every_day(monkeypatch, settings):
    key = ratelimit.client_key(request_from(ADDRESS))
    assert len(key) == 32 and ADDRESS not in key
    assert key == ratelimit.client_key(request_from(ADDRESS))
    assert key != ratelimit.client_key(request_from(OTHER))

    tomorrow = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    monkeypatch.setattr(ratelimit.timezone, "now", lambda: tomorrow)
    assert ratelimit.client_key(request_from(ADDRESS)) != key

    monkeypatch.undo()
    settings.SECRET_KEY = "another-secret-key-entirely-for-this-test"
    assert ratelimit.client_key(request_from(ADDRESS)) != key


def test_behind_trusted_proxies_the_forwarded_address_is_the_client(settings):
    forwarded = "10.9.9.9, 203.0.113.5, 192.0.2.1"  # spoofed, client, first proxy
    assert ratelimit.client_address(request_from("127.0.0.1", forwarded)) == "127.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert ratelimit.client_address(request_from("127.0.0.1", forwarded)) == "192.0.2.1"
    settings.TRUSTED_PROXY_COUNT = 2
    assert ratelimit.client_address(request_from("127.0.0.1", forwarded)) == "203.0.113.5"
    settings.TRUSTED_PROXY_COUNT = 5  # fewer hops than proxies: not trusted
    assert ratelimit.client_address(request_from("127.0.0.1", forwarded)) == "127.0.0.1"


def test_the_counters_live_only_in_the_cache(low_limits, open_wave, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    client = Client()
    for _ in range(5):
        bad_link(client)
        client.post("/s/spring/withdraw/", {"code": new_code()}, REMOTE_ADDR=ADDRESS)
    key = ratelimit.client_key(request_from(ADDRESS))
    for model in apps.get_models():
        for values in model.objects.values():
            assert ADDRESS not in repr(values) and key not in repr(values), model
    for record in caplog.records:
        assert ADDRESS not in record.getMessage() and key not in record.getMessage()
