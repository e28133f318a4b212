"""Ways into a survey: invitation links, the open link, and every way they can fail."""

from __future__ import annotations

import pytest
from django.conf import settings

from surveys import journey
from surveys.models import Invitation, Wave
from surveys.services.responses import response_submit
from surveys.services.units import unit_create
from surveys.services.waves import wave_set_status
from tests.journey_helpers import cookie_journey, enter, post_page, start_open_link

pytestmark = pytest.mark.django_db


def test_a_valid_token_goes_into_the_cookie_and_redirects_to_a_token_free_address(
    client, invitation_token
):
    response = enter(client, invitation_token)

    assert response.status_code == 302
    assert response["Location"] == "/s/spring/"
    assert invitation_token not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert response.content == b""
    cookie = response.cookies[journey.COOKIE_NAME]
    assert cookie["path"] == "/s/"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == ""  # a browser-session cookie
    assert invitation_token not in cookie.value  # compressed and signed, not readable as is
    assert cookie_journey(client).token == invitation_token

    welcome = client.get("/s/spring/")
    assert welcome.status_code == 200
    assert invitation_token not in welcome.content.decode()
    assert "Start the survey" in welcome.content.decode()


def test_the_survey_never_writes_a_server_side_session(client, invitation_token):
    enter(client, invitation_token)
    client.post("/s/spring/start/")
    post_page(client, "spring", 1, {"A1": "2"}, "next")
    assert settings.SESSION_COOKIE_NAME not in client.cookies
    from django.contrib.sessions.models import Session

    assert Session.objects.count() == 0


def test_the_invitation_language_is_used_when_none_was_chosen(client, open_wave, org):
    from surveys.tokens import new_token, token_hash

    token = new_token()
    Invitation.objects.create(
        wave=open_wave, unit=org["N-ED"], email="fr@example.org", language="fr",
        token_hash=token_hash(token),
    )  # fmt: skip
    response = enter(client, token)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    page = client.get("/s/spring/")
    assert '<html lang="fr">' in page.content.decode()


def test_an_unknown_token_gets_a_kind_page_that_never_echoes_it(client, open_wave):
    token = "x" * 43
    response = enter(client, token)
    body = response.content.decode()
    assert response.status_code == 404
    assert "We could not find this invitation" in body
    assert token not in body
    assert '<meta name="referrer" content="no-referrer">' in body
    assert response["Referrer-Policy"] == "no-referrer"
    assert "988" in body and "1-855-242-3310" in body
    assert journey.COOKIE_NAME not in response.cookies


def test_a_used_token_says_the_answers_were_already_received(client, invitation_token, open_wave):
    response_submit(wave=open_wave, answers={}, token=invitation_token)
    response = enter(client, invitation_token)
    body = response.content.decode()
    assert response.status_code == 410
    assert "already been received" in body
    assert invitation_token not in body
    assert journey.COOKIE_NAME not in response.cookies


@pytest.mark.parametrize("status", ["closed", "released"])
def test_a_token_for_a_closed_wave_says_the_survey_is_closed(
    client, invitation_token, open_wave, status
):
    wave_set_status(wave=open_wave, status="closed")
    if status == "released":
        wave_set_status(wave=open_wave, status="released")
    response = enter(client, invitation_token)
    assert response.status_code == 410
    assert "This survey is closed" in response.content.decode()
    assert invitation_token not in response.content.decode()


def test_a_purged_token_is_unknown(client, invitation_token, open_wave):
    Invitation.objects.update(token_hash=None, email="")
    response = enter(client, invitation_token)
    assert response.status_code == 404


def test_a_token_for_a_wave_that_has_not_opened_is_refused(client, wave, org):
    from surveys.tokens import new_token, token_hash

    token = new_token()
    Invitation.objects.create(wave=wave, unit=org["N-ED"], email="a@example.org",
                              token_hash=token_hash(token))  # fmt: skip
    response = enter(client, token)
    assert response.status_code == 404
    assert "not open yet" in response.content.decode()


def test_following_the_same_link_again_keeps_the_answers(client, invitation_token):
    enter(client, invitation_token)
    client.post("/s/spring/start/")
    post_page(client, "spring", 1, {"A1": "3"}, "next")
    enter(client, invitation_token)
    assert (
        cookie_journey(client).answer_values(Wave.objects.get().instrument_version.parsed)["A1"]
        == 3
    )


def test_the_token_entry_only_answers_get(client, invitation_token):
    assert client.post(f"/s/i/{invitation_token}/").status_code == 405


# -- the open link ------------------------------------------------------------------
def test_the_open_link_offers_the_wave_units_grouped(client, open_wave, org):
    unit_create(code="ELSEWHERE", name="Not in the wave")
    response = client.get("/s/spring/")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<select name="unit"' in body
    assert '<optgroup label="North">' in body and '<optgroup label="South">' in body
    assert 'value="N-ICU"' in body and "North intensive care" in body
    assert "ELSEWHERE" not in body
    assert '<label class="form-label fw-semibold" for="id_unit">' in body


def test_choosing_a_unit_starts_the_survey_with_a_once_key(client, open_wave, org):
    response = start_open_link(client, "spring", "S-MED")
    assert response.status_code == 302
    assert response["Location"] == "/s/spring/page/1/"
    state = cookie_journey(client)
    assert state.unit == org["S-MED"].pk
    assert state.once_key and len(state.once_key) >= 32
    assert state.token is None


def test_an_open_link_journey_submits_for_the_chosen_unit(client, open_wave, org):
    from surveys.models import Response, SubmissionGuard

    start_open_link(client, "spring", "S-MED")
    for number in range(1, 4):
        post_page(client, "spring", number, {}, "next")
    response = post_page(client, "spring", 4, {}, "submit")
    assert response["Location"] == "/s/spring/result/"
    assert Response.objects.get().unit == org["S-MED"]
    assert SubmissionGuard.objects.count() == 1


@pytest.mark.parametrize("unit", ["", "ELSEWHERE", "NOPE"])
def test_a_unit_must_be_chosen_from_the_wave(client, open_wave, unit):
    unit_create(code="ELSEWHERE", name="Not in the wave")
    response = client.post("/s/spring/start/", {"unit": unit})
    assert response.status_code == 400
    assert "Choose your unit or team to start." in response.content.decode()
    assert journey.COOKIE_NAME not in response.cookies


def test_without_the_open_link_staff_are_asked_for_their_invitation(client, open_wave):
    Wave.objects.filter(pk=open_wave.pk).update(open_link_enabled=False)
    response = client.get("/s/spring/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "This survey is by invitation" in body
    assert "<select" not in body
    refused = client.post("/s/spring/start/", {"unit": "S-MED"})
    assert "This survey is by invitation" in refused.content.decode()
    assert journey.COOKIE_NAME not in refused.cookies


def test_an_invited_person_can_start_when_the_open_link_is_off(client, invitation_token, open_wave):
    Wave.objects.filter(pk=open_wave.pk).update(open_link_enabled=False)
    enter(client, invitation_token)
    assert client.get("/s/spring/").status_code == 200
    assert client.post("/s/spring/start/")["Location"] == "/s/spring/page/1/"


def test_a_wave_that_is_not_open_cannot_be_started(client, open_wave):
    wave_set_status(wave=open_wave, status="closed")
    assert client.get("/s/spring/").status_code == 410
    assert client.post("/s/spring/start/", {"unit": "S-MED"}).status_code == 410
    assert client.get("/s/nope/").status_code == 404


def test_pages_without_a_journey_go_back_to_the_welcome_page(client, open_wave):
    response = client.get("/s/spring/page/2/")
    assert response.status_code == 302 and response["Location"] == "/s/spring/"


def test_a_tampered_cookie_is_ignored(client, invitation_token):
    enter(client, invitation_token)
    client.cookies[journey.COOKIE_NAME] = client.cookies[journey.COOKIE_NAME].value[:-3] + "abc"
    assert client.get("/s/spring/page/1/")["Location"] == "/s/spring/"
