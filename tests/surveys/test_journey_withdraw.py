"""Withdrawal with the receipt code, while the wave is open."""

from __future__ import annotations

import pytest
from django.test import Client

from surveys import journey
from surveys.models import Comment, Response
from surveys.services.waves import wave_set_status
from tests.journey_helpers import cookie_journey, enter, post_page

pytestmark = pytest.mark.django_db

SLUG = "spring"
NEUTRAL = "No answers were withdrawn with this code. Please check the code and try again."


@pytest.fixture
def receipt(client, invitation_token):
    enter(client, invitation_token)
    client.post(f"/s/{SLUG}/start/")
    post_page(client, SLUG, 4, {"E1": "A comment"}, "submit")
    return cookie_journey(client).receipt


def test_the_good_code_deletes_the_response_and_its_comment(client, receipt):
    assert client.get(f"/s/{SLUG}/withdraw/").status_code == 200
    response = client.post(f"/s/{SLUG}/withdraw/", {"code": receipt.lower()})
    assert "Your answers have been withdrawn and deleted" in response.content.decode()
    assert Response.objects.count() == 0 and Comment.objects.count() == 0
    assert response.cookies[journey.COOKIE_NAME].value == ""  # the result goes too


def test_withdrawal_works_from_another_browser(receipt):
    response = Client().post(f"/s/{SLUG}/withdraw/", {"code": receipt})
    assert "withdrawn and deleted" in response.content.decode()
    assert Response.objects.count() == 0


def test_a_wrong_code_gets_the_same_neutral_message_and_deletes_nothing(client, receipt):
    wrong = Client().post(f"/s/{SLUG}/withdraw/", {"code": "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-F"})
    assert NEUTRAL in wrong.content.decode()
    assert Response.objects.count() == 1
    # A code that did exist but was already used gives exactly the same message.
    Client().post(f"/s/{SLUG}/withdraw/", {"code": receipt})
    again = Client().post(f"/s/{SLUG}/withdraw/", {"code": receipt})
    assert NEUTRAL in again.content.decode()
    assert again.content.decode().replace(receipt, "").count(
        "alert"
    ) == wrong.content.decode().count("alert")


def test_a_malformed_code_is_explained(receipt):
    response = Client().post(f"/s/{SLUG}/withdraw/", {"code": "123"})
    assert "A code has 26 letters and digits" in response.content.decode()
    assert Response.objects.count() == 1


def test_a_closed_wave_refuses_withdrawal_clearly(receipt, open_wave):
    wave_set_status(wave=open_wave, status="closed")
    response = Client().post(f"/s/{SLUG}/withdraw/", {"code": receipt})
    assert response.status_code == 200
    assert (
        "This survey has closed, so answers can no longer be withdrawn" in response.content.decode()
    )
    assert '<form method="post" novalidate>' not in response.content.decode()
    assert Response.objects.count() == 1


def test_an_unknown_or_draft_wave_has_no_withdrawal_page(client, wave):
    assert client.get("/s/spring/withdraw/").status_code == 404
    assert client.get("/s/nope/withdraw/").status_code == 404
