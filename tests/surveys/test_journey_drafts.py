"""Save and continue later: encrypted drafts, resume links and codes, and their deletion."""

from __future__ import annotations

import base64
import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from surveys import journey
from surveys.models import Draft, Response
from surveys.services.drafts import (
    DraftExpired,
    DraftNotFound,
    DraftState,
    draft_key_hash,
    draft_load,
    draft_save,
)
from surveys.services.waves import wave_set_status
from surveys.tokens import normalize_code
from tests.journey_helpers import cookie_journey, enter, post_page

pytestmark = pytest.mark.django_db

SLUG = "spring"
COMMENT = "Plus de pauses, s'il vous plaît"


@pytest.fixture
def saved(client, invitation_token):
    """Answer two pages, then save on the last one; returns the resume code."""
    enter(client, invitation_token)
    client.post(f"/s/{SLUG}/start/")
    post_page(client, SLUG, 1, {"A1": "4", "A3": "decline"}, "next")
    post_page(client, SLUG, 2, {"B1": "3"}, "next")
    post_page(client, SLUG, 3, {"D2": ["first_nations", "metis"]}, "next")
    response = post_page(client, SLUG, 4, {"E1": COMMENT}, "save")
    assert response["Location"] == f"/s/{SLUG}/saved/"
    return cookie_journey(client).resume_code


def test_saving_shows_a_resume_code_and_link(client, saved):
    page = client.get(f"/s/{SLUG}/saved/")
    body = page.content.decode()
    assert page.status_code == 200
    assert saved in body
    assert f"http://testserver/s/r/{saved}/" in body
    assert "Keep this code private" in body
    draft = Draft.objects.get()
    assert draft.key_hash == draft_key_hash(saved)
    assert draft.expires_on == timezone.localdate() + datetime.timedelta(days=14)


def test_the_draft_row_holds_no_clear_text(client, saved, invitation_token, open_wave):
    draft = Draft.objects.get()
    payload = bytes(draft.payload)
    row = " ".join(str(value) for value in Draft.objects.values_list().get()) + payload.hex()
    assert invitation_token not in row and invitation_token.encode() not in payload
    assert saved not in row and normalize_code(saved) not in row
    answers = cookie_journey(client).answers
    assert answers not in payload and base64.b64encode(answers) not in payload
    assert answers.hex() not in row
    assert COMMENT.encode() not in payload
    assert "N-ED" not in row and str(open_wave.units.first().pk) != row  # unit only inside
    # Fernet writes its creation time in clear: only the day is kept.
    created = int.from_bytes(base64.urlsafe_b64decode(payload)[1:9], "big")
    assert created % 86400 == 0


def test_the_draft_cannot_be_read_without_the_server_secret(saved, settings):
    settings.SECRET_KEY = "another-secret-key-entirely-different-from-the-first"
    with pytest.raises(DraftNotFound):
        draft_load(code=saved)


def test_resume_on_another_device_then_submit_deletes_the_draft(saved, open_wave):
    other = Client()
    response = other.get(f"/s/r/{saved}/")
    assert response.status_code == 302
    assert response["Location"] == f"/s/{SLUG}/page/4/"
    assert response["Referrer-Policy"] == "no-referrer"
    assert saved not in response["Location"]

    page = other.get(response["Location"]).content.decode()
    assert f"{COMMENT}</textarea>".replace("'", "&#x27;") in page
    back = other.get(f"/s/{SLUG}/page/1/").content.decode()
    assert re.search(r'value="4"[^>]*id="id_A1_4" checked', back)
    assert re.search(r'value="decline"[^>]*id="id_A3_5" checked', back)

    post_page(other, SLUG, 4, {"E1": COMMENT}, "submit")
    assert Response.objects.count() == 1
    assert Draft.objects.count() == 0
    definition = open_wave.instrument_version.parsed
    from surveys.instruments.encoding import decode_answers

    answers = decode_answers(definition, bytes(Response.objects.get().answers))
    assert answers["A1"] == 4 and answers["B1"] == 3 and answers["D2"] == ["first_nations", "metis"]
    assert other.get(f"/s/r/{saved}/").status_code == 404  # gone with the submission


def test_a_typed_code_resumes_too_and_is_forgiving(saved):
    other = Client()
    assert other.get("/s/resume/").status_code == 200
    typed = saved.lower().replace("-", " ")
    response = other.post("/s/resume/", {"code": typed})
    assert response["Location"] == f"/s/{SLUG}/page/4/"
    wrong = other.post("/s/resume/", {"code": "short"})
    assert wrong.status_code == 200 and "A code has 26 letters and digits" in wrong.content.decode()


def test_an_unknown_resume_code_gets_a_kind_page(client, open_wave):
    response = client.get("/s/r/AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-F/")
    assert response.status_code == 404
    assert "We could not find these saved answers" in response.content.decode()
    assert "AAAAA-BBBBB" not in response.content.decode()
    assert '<meta name="referrer" content="no-referrer">' in response.content.decode()


def test_an_expired_draft_is_refused_and_deleted(saved):
    Draft.objects.update(expires_on=timezone.localdate() - datetime.timedelta(days=1))
    response = Client().get(f"/s/r/{saved}/")
    assert response.status_code == 410
    assert "These saved answers have expired" in response.content.decode()
    assert Draft.objects.count() == 0
    with pytest.raises(DraftNotFound):  # deleted when it was refused
        draft_load(code=saved)


def test_drafts_never_outlive_the_wave_closing_date(open_wave):
    open_wave.closes_on = timezone.localdate() + datetime.timedelta(days=3)
    open_wave.save()
    _code, draft = draft_save(wave=open_wave, state=DraftState(once_key="k"))
    assert draft.expires_on == open_wave.closes_on


def test_expired_drafts_are_purged_when_another_is_saved(open_wave):
    code, _draft = draft_save(wave=open_wave, state=DraftState(once_key="a"))
    Draft.objects.update(expires_on=timezone.localdate() - datetime.timedelta(days=1))
    draft_save(wave=open_wave, state=DraftState(once_key="b"))
    assert Draft.objects.count() == 1
    assert not Draft.objects.filter(key_hash=draft_key_hash(code)).exists()


def test_closing_the_wave_purges_its_drafts(saved, open_wave):
    assert Draft.objects.count() == 1
    wave_set_status(wave=open_wave, status="closed")
    assert Draft.objects.count() == 0


def test_saving_again_keeps_the_same_code(client, saved):
    post_page(client, SLUG, 2, {"B1": "0"}, "save")
    assert cookie_journey(client).resume_code == saved
    assert Draft.objects.count() == 1
    _wave, state = draft_load(code=saved)
    assert state.reached == 2


def test_a_refused_submission_keeps_the_draft(client, saved, monkeypatch):
    from surveys.services import drafts
    from surveys.services.responses import WaveNotOpen

    def refuse(**kwargs: object) -> None:
        raise WaveNotOpen()

    monkeypatch.setattr(drafts, "response_submit", refuse)
    post_page(client, SLUG, 4, {}, "submit")
    assert Draft.objects.count() == 1


def test_an_open_link_draft_keeps_its_once_key(client, open_wave, org):
    client.get(f"/s/{SLUG}/")
    client.post(f"/s/{SLUG}/start/", {"unit": "S-MED"})
    once_key = cookie_journey(client).once_key
    post_page(client, SLUG, 1, {"A1": "1"}, "save")
    code = cookie_journey(client).resume_code
    other = Client()
    other.get(f"/s/r/{code}/")
    state = cookie_journey(other)
    assert state.once_key == once_key and state.unit == org["S-MED"].pk
    post_page(other, SLUG, 4, {}, "submit")
    post_page(client, SLUG, 4, {}, "submit")  # the first device tries too
    assert Response.objects.count() == 1


def test_the_comment_cookie_is_scoped_and_signed(client, saved):
    value = client.cookies[journey.COMMENT_COOKIE_NAME].value
    assert COMMENT not in value
    assert client.cookies[journey.COMMENT_COOKIE_NAME]["path"] == "/s/"


def test_the_service_refuses_an_expired_draft(open_wave):
    code, _draft = draft_save(wave=open_wave, state=DraftState(once_key="x"))
    Draft.objects.update(expires_on=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(DraftExpired):
        draft_load(code=code)
