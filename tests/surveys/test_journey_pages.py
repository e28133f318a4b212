"""The survey pages: one per section, every item optional, Back and Next keep answers."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from surveys.instruments.encoding import decode_answers
from surveys.models import Response
from tests.journey_helpers import cookie_journey, enter, post_page

pytestmark = pytest.mark.django_db

SLUG = "spring"  # the mini instrument: A (4 scale items), B (CARES), D (self-id), E (comment)


@pytest.fixture
def started(client, invitation_token):
    enter(client, invitation_token)
    client.post(f"/s/{SLUG}/start/")
    return client


def definition(open_wave):
    return open_wave.instrument_version.parsed


def test_a_page_shows_its_section_with_progress_and_every_choice(started):
    body = started.get(f"/s/{SLUG}/page/1/").content.decode()
    assert '<h1 class="h2">How you have been</h1>' in body
    assert '<progress class="w-100" max="4" value="1"' in body
    assert 'aria-valuetext="Section 1 of 4"' in body
    # Radio groups are fieldsets with the question as legend, with a visible decline choice.
    assert body.count("<fieldset") == 4
    assert '<legend class="fs-6 fw-semibold">I felt tense at work.</legend>' in body
    assert body.count("Prefer not to answer") == 4
    assert 'id="id_A1_5"' in body and 'for="id_A1_5"' in body
    assert "required" not in re.sub(r"<script.*?</script>", "", body)


def test_skipping_everything_still_submits(started, open_wave):
    for number in range(1, 4):
        assert post_page(started, SLUG, number, {}, "next").status_code == 302
    response = post_page(started, SLUG, 4, {}, "submit")
    assert response["Location"] == f"/s/{SLUG}/result/"
    stored = Response.objects.get()
    assert set(decode_answers(definition(open_wave), bytes(stored.answers)).values()) == {None}
    assert started.get(response["Location"]).status_code == 200


def test_next_and_back_keep_the_answers(started, open_wave):
    post_page(started, SLUG, 1, {"A1": "4", "A2": "decline", "A4": "1"}, "next")
    back = post_page(started, SLUG, 2, {"B1": "2"}, "back")
    assert back["Location"] == f"/s/{SLUG}/page/1/"
    page_one = started.get(back["Location"]).content.decode()
    assert re.search(r'value="4"[^>]*id="id_A1_4" checked', page_one)
    assert re.search(r'value="decline"[^>]*id="id_A2_5" checked', page_one)  # declined, remembered
    assert re.search(r'value="1"[^>]*id="id_A4_1" checked', page_one)
    page_two = started.get(f"/s/{SLUG}/page/2/").content.decode()
    assert re.search(r'value="2"[^>]*id="id_B1_2" checked', page_two)

    post_page(started, SLUG, 2, {"B1": "2"}, "next")
    post_page(started, SLUG, 3, {"D1": "woman"}, "next")
    post_page(started, SLUG, 4, {"E1": "More staff"}, "submit")
    answers = decode_answers(definition(open_wave), bytes(Response.objects.get().answers))
    assert answers == {"A1": 4, "A2": None, "A3": None, "A4": 1, "B1": 2, "D1": "woman", "D2": None}


def test_back_on_the_first_page_returns_to_the_welcome_page(started):
    assert post_page(started, SLUG, 1, {}, "back")["Location"] == f"/s/{SLUG}/"


def test_an_exclusive_option_with_others_is_refused_and_nothing_is_lost(started, open_wave):
    post_page(started, SLUG, 1, {"A1": "3"}, "next")
    response = post_page(
        started, SLUG, 3, {"D1": "man", "D2": ["metis", "prefer_not_to_answer"]}, "next"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Please check this answer" in body
    assert '<a href="#id_D2_0">Indigenous identity</a>' in body
    assert "“Prefer not to answer” cannot be combined with other answers" in body
    assert re.search(r'value="man"[^>]*checked', body)  # the other answer, as typed
    assert re.search(r'value="metis"[^>]*checked', body)
    assert 'aria-describedby="id_D2_error"' in body
    # The valid answer of the page is kept even though the page did not move on...
    values = cookie_journey(started).answer_values(definition(open_wave))
    assert values["D1"] == "man" and values["A1"] == 3 and values["D2"] is None
    # ...and fixing the choice moves on.
    fixed = post_page(started, SLUG, 3, {"D1": "man", "D2": ["metis"]}, "next")
    assert fixed["Location"] == f"/s/{SLUG}/page/4/"
    assert cookie_journey(started).answer_values(definition(open_wave))["D2"] == ["metis"]


def test_answers_that_do_not_fit_are_refused_kindly(started):
    response = post_page(started, SLUG, 1, {"A1": "9"}, "next")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_the_comment_survives_back_and_next(started):
    post_page(started, SLUG, 4, {"E1": "Un peu plus de temps à deux"}, "back")
    body = started.get(f"/s/{SLUG}/page/4/").content.decode()
    assert "Un peu plus de temps à deux</textarea>" in body


def test_every_survey_page_links_to_support_before_the_form(started, open_wave):
    for path in [f"/s/{SLUG}/", *[f"/s/{SLUG}/page/{n}/" for n in range(1, 5)]]:
        body = started.get(path).content.decode()
        link = body.find('href="/s/support/"')
        assert link != -1, path
        assert link < body.find("<main"), path  # in the header, reachable before the form
        assert 'target="_blank"' not in body


def test_a_page_number_outside_the_survey_is_not_found(started):
    assert started.get(f"/s/{SLUG}/page/0/").status_code == 404
    assert started.get(f"/s/{SLUG}/page/5/").status_code == 404


def test_pages_render_in_french(started):
    started.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    body = started.get(f"/s/{SLUG}/page/1/").content.decode()
    assert '<html lang="fr">' in body
    assert "Comment vous allez" in body  # the section title, from the instrument
    assert "Je me suis senti tendu au travail." in body
    assert "Section 1 sur 4" in body
    assert "Je préfère ne pas répondre" in body
    assert "Suivant" in body and "Obtenir du soutien maintenant" in body


def test_switching_language_on_a_page_keeps_its_answers(started, open_wave):
    response = post_page(started, SLUG, 1, {"A3": "2"}, "lang:fr")
    assert response["Location"] == f"/s/{SLUG}/page/1/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert cookie_journey(started).answer_values(definition(open_wave))["A3"] == 2


def test_the_section_with_a_content_note_shows_it_first(client, default_invitation_token):
    enter(client, default_invitation_token)
    client.post("/s/autumn/start/")
    body = client.get("/s/autumn/page/2/").content.decode()
    note = body.find("Content note")
    assert note != -1 and note < body.find('id="survey-form"')
    assert "distressing experiences" in body
    assert 'aria-valuetext="Section 2 of 8"' in body
    assert "Content note" not in client.get("/s/autumn/page/1/").content.decode()


def test_pages_carry_no_inline_script_or_style(started, open_wave):
    for path in [f"/s/{SLUG}/", f"/s/{SLUG}/page/1/", f"/s/{SLUG}/page/4/", "/s/support/"]:
        body = started.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), path
        assert " style=" not in body and " onclick=" not in body, path
