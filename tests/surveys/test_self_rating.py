"""Leaders rate themselves on CARES for the units they lead (not anonymous, by design)."""

from __future__ import annotations

import pytest

from surveys.instruments.encoding import decode_answers
from surveys.models import LeaderSelfRating
from surveys.services.self_ratings import (
    NotALeaderHere,
    SelfRatingClosed,
    leader_self_rating_save,
)
from surveys.services.waves import wave_set_status

pytestmark = pytest.mark.django_db

URL = "/s/spring/self-rating/NORTH/"


def test_a_leader_rates_themselves_and_can_change_it(client, alice, open_wave):
    client.force_login(alice)
    page = client.get(URL)
    body = page.content.decode()
    assert page.status_code == 200
    assert "This rating is not anonymous" in body
    assert "I check in with my team." in body  # the self-rating wording
    assert "My leader checks in with me." not in body
    response = client.post(URL, {"B1": "3"})
    assert response.status_code == 302 and response["Location"] == f"{URL}?saved=1"
    rating = LeaderSelfRating.objects.get()
    assert rating.user == alice and rating.unit.code == "NORTH"
    assert decode_answers(open_wave.instrument_version.parsed, bytes(rating.answers))["B1"] == 3
    client.post(URL, {"B1": "decline"})
    rating.refresh_from_db()
    assert decode_answers(open_wave.instrument_version.parsed, bytes(rating.answers))["B1"] is None
    assert LeaderSelfRating.objects.count() == 1
    assert "Your self-rating is saved" in client.get(f"{URL}?saved=1").content.decode()


def test_the_leader_of_another_unit_gets_404(client, bob, open_wave):
    client.force_login(bob)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"B1": "3"}).status_code == 404
    # alice leads NORTH, not the unit below it
    assert LeaderSelfRating.objects.count() == 0


def test_a_leader_of_a_parent_unit_cannot_rate_for_a_child_unit(client, alice, open_wave):
    client.force_login(alice)
    assert client.get("/s/spring/self-rating/N-ED/").status_code == 404


def test_a_non_leader_gets_404(client, charlie, open_wave):
    client.force_login(charlie)
    assert client.get(URL).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, open_wave):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_closed_waves_are_still_editable_but_released_ones_are_not(client, alice, open_wave):
    client.force_login(alice)
    wave_set_status(wave=open_wave, status="closed")
    assert client.post(URL, {"B1": "2"}).status_code == 302
    wave_set_status(wave=open_wave, status="released")
    page = client.get(URL)
    assert "self-ratings can no longer change" in page.content.decode()
    assert '<form method="post" novalidate>' not in page.content.decode()
    refused = client.post(URL, {"B1": "4"})
    assert refused.status_code == 403
    assert (
        decode_answers(
            open_wave.instrument_version.parsed, bytes(LeaderSelfRating.objects.get().answers)
        )["B1"]
        == 2
    )
    with pytest.raises(SelfRatingClosed):
        leader_self_rating_save(
            wave=open_wave, user=alice, unit=open_wave.units.first(), answers={}
        )


def test_draft_waves_have_no_self_rating_page(client, alice, wave):
    client.force_login(alice)
    assert client.get(URL).status_code == 404


def test_the_service_refuses_non_leaders_and_non_cares_items(alice, bob, open_wave, org):
    with pytest.raises(NotALeaderHere):
        leader_self_rating_save(wave=open_wave, user=bob, unit=org["NORTH"], answers={"B1": 1})
    from surveys.services.self_ratings import InvalidSelfRating

    with pytest.raises(InvalidSelfRating):
        leader_self_rating_save(wave=open_wave, user=alice, unit=org["NORTH"], answers={"A1": 1})


def test_the_home_page_links_leaders_to_their_self_rating(client, alice, open_wave):
    client.force_login(alice)
    assert f'href="{URL}"' in client.get("/").content.decode()
