"""/hr/waves/<slug>/paper/: check a paper file (counts only), then import the same file."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from surveys.models import AuditEntry, Comment, Response
from surveys.services.waves import wave_set_status
from tests.hr_helpers import OUTSIDERS, assert_login_redirect

pytestmark = pytest.mark.django_db
URL = "/hr/waves/spring/paper/"
CONFIRM = "/hr/waves/spring/paper/confirm/"
GOOD = (
    b"unit_code,A1,A2,A3,A4,B1,D1,D2,E1\n"
    b"N-ED,3,2,1,0,4,woman,first_nations;metis,Quieter night shifts\n"
    b"N-ED,1,,,,,prefer_not_to_answer,,\n"
    b"S-MED,0,0,0,0,0,man,not_indigenous,\n"
)


def check(client, content: bytes = GOOD):
    return client.post(URL, {"file": SimpleUploadedFile("paper.csv", content)})


def confirm(client, checked: str, content: bytes = GOOD, *, follow: bool = False):
    return client.post(
        CONFIRM,
        {"file": SimpleUploadedFile("paper.csv", content), "checked": checked},
        follow=follow,
    )


def checked_of(response) -> str:
    return re.search(r'name="checked" value="([^"]+)"', response.content.decode()).group(1)


def test_check_shows_counts_only_then_the_same_file_imports(client, hr, open_wave):
    client.force_login(hr)

    response = check(client)

    assert response.status_code == 200
    html = response.content.decode()
    assert "The file holds 3 valid responses." in html
    assert '<th scope="row">North emergency (N-ED)</th><td class="text-end">2</td>' in html
    assert '<th scope="row">South medicine (S-MED)</th><td class="text-end">1</td>' in html
    for answer in ("Quieter night shifts", "first_nations", "woman", "prefer_not_to_answer"):
        assert answer not in html, "answers are never shown back"
    assert not Response.objects.exists()

    response = confirm(client, checked_of(response), follow=True)

    assert response.redirect_chain == [("/hr/waves/spring/", 302)]
    assert "3 paper responses were imported." in response.content.decode()
    assert Response.objects.filter(wave=open_wave).count() == 3
    assert Comment.objects.get().text == "Quieter night shifts"
    entry = AuditEntry.objects.get(action="responses.import_paper")
    assert (entry.actor, entry.data) == (hr, {"count": 3})


def test_bad_lines_are_reported_and_nothing_is_stored(client, hr, open_wave):
    client.force_login(hr)
    content = (
        b"unit_code,A1,A2,A3,A4,B1,D1,D2,E1\n"
        b"N-ED,1,,,,,,,\n"
        b"NOWHERE,1,,,,,,,\n"
        b"N-ED,,,,,,,not_indigenous;metis,\n"
    )

    response = check(client, content)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported: 2 problems to fix." in html
    assert "line 3: unit_code NOWHERE is not a unit of this wave" in html
    assert re.search(r"<li>line 4: [^<]*D2", html)
    assert not Response.objects.exists()


def test_a_different_file_cannot_be_imported_under_the_check(client, hr, open_wave):
    client.force_login(hr)
    checked = checked_of(check(client))
    other = GOOD.replace(b"S-MED,0,0,0,0,0", b"S-MED,4,4,4,4,4")

    response = confirm(client, checked, other)

    assert response.status_code == 400
    assert "This is not the file you checked; check it again." in response.content.decode()
    assert not Response.objects.exists()


def test_a_forged_check_is_refused(client, hr, open_wave):
    client.force_login(hr)

    response = confirm(client, "forged:value")

    assert response.status_code == 400
    assert "The check has expired; check the file again." in response.content.decode()
    assert not Response.objects.exists()


def test_confirming_without_the_file(client, hr, open_wave):
    client.force_login(hr)
    checked = checked_of(check(client))

    response = client.post(CONFIRM, {"checked": checked})

    assert response.status_code == 400
    assert "Choose the file you checked, then import it." in response.content.decode()


def test_a_draft_takes_no_paper_responses(client, hr, wave):
    client.force_login(hr)

    html = client.get(URL).content.decode()

    assert "Paper responses can be imported while the wave is open or closed." in html
    assert 'type="file"' not in html


def test_a_closed_wave_still_takes_paper_responses(client, hr, open_wave):
    wave_set_status(wave=open_wave, status="closed")
    client.force_login(hr)

    response = confirm(client, checked_of(check(client)))

    assert response.status_code == 302
    assert Response.objects.count() == 3


def test_missing_wave(client, hr):
    client.force_login(hr)
    assert client.get("/hr/waves/nope/paper/").status_code == 404
    assert client.post("/hr/waves/nope/paper/confirm/").status_code == 404


def test_wrong_method(client, hr, open_wave):
    client.force_login(hr)
    assert client.put(URL).status_code == 405
    assert client.get(CONFIRM).status_code == 405


def test_anonymous_is_sent_to_login(client, open_wave):
    assert_login_redirect(client.get(URL), URL)
    assert_login_redirect(client.post(CONFIRM), CONFIRM)


@pytest.mark.parametrize("name", OUTSIDERS)
def test_other_roles_are_refused(client, request, name, hr, open_wave):
    client.force_login(hr)
    checked = checked_of(check(client))
    client.force_login(request.getfixturevalue(name))

    assert client.get(URL).status_code == 403
    assert check(client).status_code == 403
    assert confirm(client, checked).status_code == 403
    assert not Response.objects.exists()
