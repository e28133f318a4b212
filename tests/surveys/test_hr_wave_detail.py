"""/hr/waves/<slug>/: the timeline, next steps, checklist, roster, sending and retention."""

from __future__ import annotations

import re

import pytest

from surveys.models import Invitation
from surveys.services.rosters import roster_import, roster_read
from surveys.services.waves import wave_create, wave_set_status
from tests.hr_helpers import OUTSIDERS, assert_login_redirect, roster_csv

pytestmark = pytest.mark.django_db
URL = "/hr/waves/spring/"


def page(client, hr, url: str = URL) -> str:
    client.force_login(hr)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def stage_states(html: str) -> list[tuple[str, str]]:
    return re.findall(
        r'<span class="wave-stage-label">([^<]+)</span>\s*<span class="wave-stage-state">([^<]+)<',
        html,
    )


def test_timeline_marks_the_current_stage_in_text_not_only_colour(client, hr, open_wave):
    html = page(client, hr)

    assert stage_states(html) == [
        ("Draft", "passed"),
        ("Open", "current stage"),
        ("Closed", "to come"),
        ("Reports released", "to come"),
        ("Archived", "to come"),
    ]
    assert html.count('aria-current="step"') == 1
    assert 'class="wave-stage wave-stage-current" aria-current="step"' in html


def test_a_draft_offers_opening_and_says_what_is_missing(client, hr, org, mini_version):
    wave_create(slug="spring", name="Spring", instrument_version=mini_version, units=[org["ORG"]])

    html = page(client, hr)

    assert "Before this wave can open:" in html
    assert "Import a roster or turn on the open link." in html
    assert 'name="status" value="open"' in html
    assert "Yes, open the wave now" in html
    assert "4 preparation steps of the" in html


def test_a_closed_wave_offers_reopen_release_and_archive(client, hr, open_wave):
    wave_set_status(wave=open_wave, status="closed")

    html = page(client, hr)

    assert re.findall(r'name="status" value="(\w+)"', html) == ["open", "released", "archived"]
    assert "Reopen the wave" in html
    assert "Release reports to leaders" in html


def test_an_archived_wave_has_no_next_step(client, hr, open_wave):
    wave_set_status(wave=open_wave, status="closed")
    wave_set_status(wave=open_wave, status="archived")

    html = page(client, hr)

    assert "This wave has reached its last stage." in html
    assert "Edit the settings" not in html


def test_roster_and_sending_counts_never_name_anyone(client, hr, open_wave, org):
    roster_import(
        wave=open_wave,
        rows=roster_read(roster_csv("a@example.org,N-ED,fr", "b@example.org,N-ICU,en")),
    )
    Invitation.objects.filter(email="b@example.org").update(send_state="failed")

    html = page(client, hr)

    assert "2 people are on this wave's roster." in html
    assert "Languages: en 1, fr 1." in html
    assert 'Not sent yet</th><td class="text-end">1</td>' in html
    assert 'Failed after up to 5 attempts</th><td class="text-end">1</td>' in html
    assert "Send the invitation e-mail to 2 people who have not received it." in html
    assert "This includes the e-mails that failed" in html
    assert "a@example.org" not in html and "b@example.org" not in html


def test_sending_is_offered_only_while_open(client, hr, wave):
    html = page(client, hr)

    assert "Invitations and reminders can be sent while the wave is open." in html
    assert "/send/invitations/" not in html


def test_a_draft_wave_shows_no_participation_numbers(client, hr, wave):
    html = page(client, hr)
    start = html.index('id="participation"')
    section = html[start : html.index("</section>", start)]
    assert "Participation per unit appears here once the wave opens" in section
    assert not re.search(r"\d", section.split("</h2>", 1)[1]), "no numbers before opening"


def _answer(wave, unit, count):
    from surveys.services.responses import response_submit

    for _ in range(count):
        response_submit(wave=wave, answers={"A1": 2}, unit=unit, source="open_link")


def test_open_wave_participation_goes_through_the_gate(client, hr, open_wave, org):
    _answer(open_wave, org["N-ED"], 12)  # shown, rounded down to 10
    _answer(open_wave, org["N-ICU"], 2)  # under the threshold
    _answer(open_wave, org["S-MED"], 7)  # shown as 5

    html = page(client, hr)
    start = html.index('id="participation"')
    section = html[start : html.index("</section>", start)]
    rows = {
        code: cells
        for code, cells in re.findall(r"\((\S+?)\)</span></th>(.*?)</tr>", section, flags=re.S)
    }

    def answered(code: str) -> str:
        cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[code], flags=re.S)
        return re.sub(r"<[^>]+>", "", cells[1]).strip()

    assert answered("S-MED") == "5"  # 7, rounded down to a multiple of 5
    assert answered("N-ICU") == "—not shown"  # 2: under the threshold
    # NORTH (14) minus a shown N-ED (12) would reveal N-ICU's 2, so the gate hides
    # the smallest shown sub-unit, N-ED, and shows NORTH rounded down.
    assert answered("N-ED") == "—not shown"
    assert answered("NORTH") == "10"
    assert answered("ORG") == "20"


def test_privacy_notice_preview_shows_the_real_thresholds(client, hr, wave):
    from surveys.services.waves import wave_update_thresholds

    wave_update_thresholds(wave=wave, min_group_size=7, min_comment_group_size=12)
    html = page(client, hr)
    assert 'href="/hr/waves/spring/privacy/"' in html
    preview = page(client, hr, "/hr/waves/spring/privacy/")
    assert "Privacy notice preview" in preview
    assert "7" in preview and "12" in preview


@pytest.mark.parametrize("username", OUTSIDERS)
def test_privacy_notice_preview_is_for_hr_only(
    client, wave, username, django_user_model, alice, analyst, charlie
):
    client.force_login(django_user_model.objects.get(username=username))
    assert client.get("/hr/waves/spring/privacy/").status_code == 403


def test_privacy_notice_preview_refuses_post_and_unknown_waves(client, hr, wave):
    client.force_login(hr)
    assert client.post("/hr/waves/spring/privacy/").status_code == 405
    assert client.get("/hr/waves/nope/privacy/").status_code == 404
    client.logout()
    assert_login_redirect(client.get("/hr/waves/spring/privacy/"), "/hr/waves/spring/privacy/")


def test_settings_summary(client, hr, open_wave, settings):
    settings.SITE_URL = "https://survey.example.org"

    html = page(client, hr)

    assert "<code>https://survey.example.org/s/spring/</code>" in html
    assert "Scores: at least 5 respondents" in html
    assert "Locked against lowering since the wave opened" in html
    assert 'href="/hr/instruments/mini/v1/"' in html


def test_in_french(client, hr, open_wave, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    html = page(client, hr)

    assert "Étape actuelle : <strong>Ouverte</strong>" in html
    assert ("Ouverte", "étape actuelle") in stage_states(html)
    assert "Fermer la vague" in html and "Oui, fermer la vague maintenant" in html
    assert "Liste de vérification" in html


def test_missing_wave(client, hr):
    client.force_login(hr)
    assert client.get("/hr/waves/nope/").status_code == 404


def test_wrong_method(client, hr, wave):
    client.force_login(hr)
    assert client.post(URL).status_code == 405


def test_anonymous_is_sent_to_login(client, wave):
    assert_login_redirect(client.get(URL), URL)


@pytest.mark.parametrize("name", OUTSIDERS)
def test_other_roles_are_refused(client, request, name, wave):
    client.force_login(request.getfixturevalue(name))
    assert client.get(URL).status_code == 403


def test_outsiders_learn_nothing_about_missing_waves(client, charlie):
    client.force_login(charlie)
    assert client.get("/hr/waves/nope/").status_code == 403
