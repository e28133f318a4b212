"""Submitting from the last page: exactly one response, clear messages, nothing lost."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.test import Client

from surveys import journey
from surveys.models import Comment, Invitation, Response
from surveys.services.waves import wave_set_status
from tests.journey_helpers import cookie_journey, enter, post_page

pytestmark = pytest.mark.django_db

SLUG = "spring"


@pytest.fixture
def on_last_page(client, invitation_token):
    enter(client, invitation_token)
    client.post(f"/s/{SLUG}/start/")
    post_page(client, SLUG, 1, {"A1": "4", "A2": "3"}, "next")
    post_page(client, SLUG, 2, {"B1": "1"}, "next")
    post_page(client, SLUG, 3, {"D1": "woman"}, "next")
    return client


def test_a_submission_keeps_only_the_result_in_the_cookie(on_last_page, invitation_token):
    response = post_page(on_last_page, SLUG, 4, {"E1": "Quieter break room"}, "submit")
    assert response["Location"] == f"/s/{SLUG}/result/"
    state = cookie_journey(on_last_page)
    assert state.submitted and state.receipt
    assert state.token is None and state.once_key is None and state.answers == b""
    assert response.cookies[journey.COMMENT_COOKIE_NAME].value == ""  # deleted
    assert Invitation.objects.get().status == Invitation.Status.COMPLETED
    assert Comment.objects.get().text == "Quieter break room"


def test_a_double_submit_stores_one_response_and_says_so(on_last_page):
    first = post_page(on_last_page, SLUG, 4, {}, "submit")
    second = post_page(on_last_page, SLUG, 4, {}, "submit")
    assert first["Location"] == f"/s/{SLUG}/result/"
    assert second["Location"] == f"/s/{SLUG}/result/?already=1"
    assert Response.objects.count() == 1
    page = on_last_page.get(second["Location"]).content.decode()
    assert "These answers had already been received. Only one copy was kept." in page
    assert cookie_journey(on_last_page).receipt in page  # the first receipt is still there


def test_a_replay_with_the_old_cookie_stores_nothing_more(on_last_page):
    before = on_last_page.cookies[journey.COOKIE_NAME].value
    post_page(on_last_page, SLUG, 4, {}, "submit")
    # The browser never saw the first answer (a double click): the old cookie comes back.
    on_last_page.cookies[journey.COOKIE_NAME] = before
    replay = post_page(on_last_page, SLUG, 4, {}, "submit")
    assert replay["Location"] == f"/s/{SLUG}/result/?already=1"
    assert Response.objects.count() == 1
    page = on_last_page.get(replay["Location"]).content.decode()
    assert "Only one copy was kept" in page
    assert "75 out of 100" in page or "Stress" in page  # the person still sees their result
    assert "the receipt code was given with the first copy" in page


def test_a_second_tab_gets_the_same_message(on_last_page):
    other_tab = Client()
    other_tab.cookies = on_last_page.cookies  # one browser, two tabs
    post_page(on_last_page, SLUG, 4, {}, "submit")
    response = post_page(other_tab, SLUG, 4, {}, "submit")
    assert response["Location"].endswith("?already=1")
    assert Response.objects.count() == 1


def test_an_open_link_double_submit_stores_one_response(client, open_wave):
    client.get(f"/s/{SLUG}/")
    client.post(f"/s/{SLUG}/start/", {"unit": "N-ED"})
    before = client.cookies[journey.COOKIE_NAME].value
    post_page(client, SLUG, 4, {}, "submit")
    client.cookies[journey.COOKIE_NAME] = before
    assert post_page(client, SLUG, 4, {}, "submit")["Location"].endswith("?already=1")
    assert Response.objects.count() == 1


def test_a_refused_submission_explains_kindly_and_keeps_the_answers(
    on_last_page, open_wave, monkeypatch
):
    from surveys.services import drafts
    from surveys.services.responses import WaveNotOpen

    def closed_meanwhile(**kwargs: Any) -> None:
        raise WaveNotOpen()  # the wave closed between the page load and the submit

    monkeypatch.setattr(drafts, "response_submit", closed_meanwhile)
    response = post_page(on_last_page, SLUG, 4, {"E1": "Keep me"}, "submit")
    body = response.content.decode()
    assert response.status_code == 409
    assert "This survey is not open right now, so answers cannot be saved." in body
    assert "Keep me</textarea>" in body
    assert Response.objects.count() == 0
    definition = open_wave.instrument_version.parsed
    assert cookie_journey(on_last_page).answer_values(definition)["A1"] == 4


def test_a_database_error_asks_to_try_again_and_loses_nothing(on_last_page, open_wave, monkeypatch):
    from surveys.services import drafts

    def broken(**kwargs: Any) -> None:
        raise DatabaseError("connection lost")

    monkeypatch.setattr(drafts, "response_submit", broken)
    response = post_page(on_last_page, SLUG, 4, {"E1": "Keep me too"}, "submit")
    assert response.status_code == 503
    body = response.content.decode()
    assert "We could not save your answers just now" in body
    assert "Keep me too</textarea>" in body
    state = cookie_journey(on_last_page)
    assert not state.submitted and state.token
    monkeypatch.undo()
    assert post_page(on_last_page, SLUG, 4, {"E1": "Keep me too"}, "submit")["Location"] == (
        f"/s/{SLUG}/result/"
    )
    assert Comment.objects.get().text == "Keep me too"


def test_the_token_never_appears_in_pages_redirects_or_logs(client, invitation_token, caplog):
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def record(response: Any) -> Any:
        seen.append(response.content.decode(errors="replace"))
        seen.append(response.get("Location", "") or "")
        return response

    first = enter(client, invitation_token)
    assert invitation_token not in first["Location"]
    for path in ("/s/spring/", "/s/spring/privacy/", "/s/support/"):
        record(client.get(path))
    record(client.post(f"/s/{SLUG}/start/"))
    for number in range(1, 4):
        record(client.get(f"/s/{SLUG}/page/{number}/"))
        record(post_page(client, SLUG, number, {}, "next"))
    record(post_page(client, SLUG, 3, {}, "save"))
    record(client.get(f"/s/{SLUG}/saved/"))
    record(post_page(client, SLUG, 4, {"E1": "x"}, "submit"))
    record(client.get(f"/s/{SLUG}/result/"))
    record(client.get(f"/s/{SLUG}/withdraw/"))
    record(enter(client, invitation_token))  # a used token now: a 410 page, logged
    record(enter(client, invitation_token[:-2] + "zz"))  # an unknown one: a 404 page, logged
    assert invitation_token not in "\n".join(seen)
    assert invitation_token[:-2] not in caplog.text
    assert "/s/i/[redacted]/" in caplog.text  # the 4xx pages were logged, redacted


def test_the_log_filter_redacts_the_development_server_request_line(caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("django.server").info(
        '"%s" %s %s', "GET /s/i/SECRETTOKEN123/ HTTP/1.1", "302", "0"
    )
    logging.getLogger("django.server").info('"%s" %s', "GET /s/r/ABCDE-FGHJK/ HTTP/1.1", "302")
    assert "SECRETTOKEN123" not in caplog.text and "ABCDE-FGHJK" not in caplog.text
    assert "/s/i/[redacted]/" in caplog.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_final_posts_from_one_browser_store_one_response(open_wave, invitation_token):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; set DATABASE_URL to run this")
    browser = Client()
    enter(browser, invitation_token)
    browser.post(f"/s/{SLUG}/start/")
    cookies = browser.cookies
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def click() -> None:
        from django.db import connections

        tab = Client()
        tab.cookies = cookies.__class__(cookies)  # the same cookie, sent by each request
        try:
            barrier.wait()
            response = post_page(tab, SLUG, 4, {}, "submit")
            outcomes.append(response["Location"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [f"/s/{SLUG}/result/"] + [f"/s/{SLUG}/result/?already=1"] * 5
    assert Response.objects.count() == 1


def test_a_closed_wave_refuses_pages(on_last_page, open_wave):
    wave_set_status(wave=open_wave, status="closed")
    response = on_last_page.get(f"/s/{SLUG}/page/4/")
    assert response.status_code == 410
    assert "This survey is closed" in response.content.decode()
