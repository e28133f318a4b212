"""The journey cookie: small, signed, expiring, and big enough for a long French comment."""

from __future__ import annotations

import random

import pytest
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory

from surveys import journey
from surveys.instruments.encoding import encode_answers

pytestmark = pytest.mark.django_db

FRENCH = (
    "J'aimerais qu'on prévoie des pauses réelles après les événements difficiles, "
    "qu'on ait le temps de débreffer à l'équipe et qu'on reconnaisse la fatigue accumulée. "
    "Élève, infirmière, préposée : chacun·e mérite d'être écouté·e. « Ça suffit » n'est pas "
    "une plainte, c'est un signal. Où est le soutien promis après la crise ? "
)


def _request_with(response: HttpResponse) -> object:
    request = RequestFactory().get("/s/")
    for name, morsel in response.cookies.items():
        request.COOKIES[name] = morsel.value
    return request


def test_a_full_default_instrument_journey_fits_easily(default_open_wave):
    definition = default_open_wave.instrument_version.parsed
    answers = {}
    for item in definition.slot_items:
        answers[item.code] = (
            item.scale.options[-1].value
            if item.type == "scale"
            else item.options[0].code
            if item.type == "single"
            else [item.options[0].code]
        )
    state = journey.Journey(
        wave="a-rather-long-wave-slug-for-the-autumn-2026-check",
        token="x" * 43,
        answers=encode_answers(definition, answers).tobytes(),
        declined=frozenset(item.code for item in definition.slot_items[:20]),
        reached=8,
        resume_code="ABCDE-FGHJK-MNPQR-STVWX-YZ012-3",
    )
    response = HttpResponse()
    journey.save(response, state)
    assert len(response.cookies[journey.COOKIE_NAME].OutputString()) < 1500
    assert journey.load(_request_with(response)) == state


def test_a_1500_character_french_comment_fits_in_its_cookie():
    comment = (FRENCH * 10)[:1500]
    assert len(comment) == 1500
    response = HttpResponse()
    journey.save_comments(response, {"E01": comment})
    value = response.cookies[journey.COMMENT_COOKIE_NAME].OutputString()
    assert len(value) < journey.MAX_COOKIE_BYTES
    assert journey.load_comments(_request_with(response)) == {"E01": comment}


def test_an_incompressible_comment_is_detected_rather_than_silently_lost():
    rng = random.Random(7)
    noise = "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(1500))
    assert not journey.comments_fit({"E01": noise})
    assert journey.comments_fit({"E01": (FRENCH * 10)[:1500]})


def test_a_too_long_comment_stays_on_its_page_with_an_explanation(client, default_invitation_token):
    rng = random.Random(7)
    noise = "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(1500))
    client.get(f"/s/i/{default_invitation_token}/")
    client.post("/s/autumn/start/")
    response = client.post("/s/autumn/page/8/", {"E01": noise, "action": "back"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "This comment is too long to keep while you move between pages" in body
    assert noise in body  # nothing lost
    submitted = client.post("/s/autumn/page/8/", {"E01": noise, "action": "submit"})
    assert submitted["Location"] == "/s/autumn/result/"
    from surveys.models import Comment

    assert Comment.objects.get().text == noise


def test_the_cookie_is_signed_and_expires(settings):
    response = HttpResponse()
    journey.save(response, journey.Journey(wave="w", token="t"))
    request = _request_with(response)
    assert journey.load(request) is not None
    assert journey.load(request, wave="other") is None
    forged = signing.dumps({"w": "w", "t": "t"}, salt="not-ours", compress=True)
    request.COOKIES[journey.COOKIE_NAME] = forged
    assert journey.load(request) is None
    request.COOKIES[journey.COOKIE_NAME] = response.cookies[journey.COOKIE_NAME].value
    journey_max_age = journey.MAX_AGE
    try:
        journey.MAX_AGE = -1
        assert journey.load(request) is None
    finally:
        journey.MAX_AGE = journey_max_age


def test_the_cookie_is_secure_outside_debug(settings):
    settings.DEBUG = False
    response = HttpResponse()
    journey.save(response, journey.Journey(wave="w"))
    cookie = response.cookies[journey.COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/s/"


def test_answers_of_another_shape_are_ignored_rather_than_crashing(open_wave):
    definition = open_wave.instrument_version.parsed
    assert journey.Journey(wave="w", answers=b"\x00\x00").answer_values(definition) == {}
    bad_index = b"\x09\x00" * len(definition.slot_items)  # option 9 of a 5-point scale
    assert journey.Journey(wave="w", answers=bad_index).answer_values(definition) == {}
