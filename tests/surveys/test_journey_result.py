"""The private result: only in the respondent's own browser, with support where scores are high."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from surveys.models import Response
from tests.journey_helpers import cookie_journey, enter, post_page

pytestmark = pytest.mark.django_db


def _finish(client: Client, slug: str, pages: int, answers: dict[int, dict[str, str]]) -> None:
    client.post(f"/s/{slug}/start/")
    for number in range(1, pages):
        post_page(client, slug, number, answers.get(number, {}), "next")
    post_page(client, slug, pages, answers.get(pages, {}), "submit")


@pytest.fixture
def high_result(client, default_invitation_token):
    enter(client, default_invitation_token)
    _finish(
        client,
        "autumn",
        8,
        {
            1: {"A01": "4", "A02": "4", "A03": "1", "A04": "1"},
            2: {"A12": "4", "A13": "3"},
            4: {"A22": "4", "A23": "3"},
            5: {"B01": "0", "B02": "0"},
        },
    )
    return client


def test_the_result_shows_scores_bands_and_meanings(high_result):
    response = high_result.get("/s/autumn/result/")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="mt-3">Your private result</h1>' in body
    assert "<strong>Occupational stress</strong>:" in body or "Work pressure" in body
    assert "100 out of 100, High" in body  # stress: both items at the top of the scale
    assert "Work pressure has been heavy for you lately" in body  # the band's meaning
    assert "88 out of 100, Strong" in body  # meaning, a protective factor
    assert "This survey is a reflection tool, not a diagnosis." in body
    assert Response.objects.count() == 1


def test_leader_and_workplace_ratings_are_left_out_and_the_page_says_why(high_result):
    body = high_result.get("/s/autumn/result/").content.decode()
    assert "Connect" not in body  # a CARES domain
    assert "are not scored here" in body


def test_high_scores_bring_support_to_the_top(high_result):
    body = high_result.get("/s/autumn/result/").content.decode()
    urgent = body.find('class="support-urgent"')
    assert urgent != -1 and urgent < body.find("<h1")
    assert "you are carrying a lot right now" in body
    assert "This result is not sent to anyone" in body
    assert body.count('href="tel:988"') >= 1


def test_without_high_scores_support_is_offered_lower_down(client, default_invitation_token):
    enter(client, default_invitation_token)
    _finish(client, "autumn", 8, {1: {"A01": "0", "A02": "1"}})
    body = client.get("/s/autumn/result/").content.decode()
    assert 'class="support-urgent"' not in body
    assert "Support is always available" in body
    assert body.find("Support is always available") > body.find("<h1")


def test_the_continuum_picture_is_an_accessible_svg_with_a_table(high_result):
    body = high_result.get("/s/autumn/result/").content.decode()
    svg = re.search(r"<svg.*?</svg>", body, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="continuum-title continuum-desc"' in svg
    assert '<title id="continuum-title">' in svg and '<desc id="continuum-desc">' in svg
    assert "Occupational stress: 100, High." in svg  # the description carries the values
    stages = re.findall(r'class="continuum-stage">([^<]+)<', svg)
    assert stages[0] == "Occupational stress" and stages[-1] == "Collective occupational trauma"
    assert len(stages) == 8
    assert 'fill="url(#band-high)"' in svg  # a pattern, and the band's word, not colour alone
    assert "100 · High" in svg
    assert "<caption>The same picture as a table</caption>" in body
    assert '<th scope="row">Secondary traumatic stress</th><td>88</td><td>High</td>' in body


def test_the_result_can_be_printed(high_result):
    body = high_result.get("/s/autumn/result/").content.decode()
    assert 'href="/static/css/print.css" media="print"' in body
    assert "data-print hidden" in body and '<script src="/static/js/survey.js" defer>' in body
    assert "onclick" not in body


def test_the_result_is_not_reachable_from_another_browser(high_result):
    stranger = Client()
    response = stranger.get("/s/autumn/result/")
    assert response.status_code == 404
    assert "There is no result to show here" in response.content.decode()
    receipt = cookie_journey(high_result).receipt
    assert receipt not in response.content.decode()


def test_the_result_is_not_cached_and_shows_the_receipt(high_result):
    response = high_result.get("/s/autumn/result/")
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    receipt = cookie_journey(high_result).receipt
    assert receipt in response.content.decode()
    assert "withdraw" in response.content.decode()


def test_skipping_everything_gives_a_kind_empty_result(client, default_invitation_token):
    enter(client, default_invitation_token)
    _finish(client, "autumn", 8, {})
    body = client.get("/s/autumn/result/").content.decode()
    assert "You skipped the questions these scores come from" in body
