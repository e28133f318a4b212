"""/hr/waves/<slug>/roster/: upload, preview with counts, confirm or discard; all or nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from surveys.models import AuditEntry, Invitation, RosterUpload
from surveys.services.rosters import roster_import, roster_read
from surveys.services.waves import wave_set_status
from surveys.tokens import invitation_token, token_hash
from tests.hr_helpers import OUTSIDERS, assert_login_redirect, roster_csv

pytestmark = pytest.mark.django_db
URL = "/hr/waves/spring/roster/"
GOOD = roster_csv("Ana@example.org,N-ED,fr", "ben@example.org,N-ED,", "cy@example.org,S-MED,en")


def upload(client, content: bytes = GOOD, *, name: str = "roster.csv", follow: bool = False):
    return client.post(URL, {"file": SimpleUploadedFile(name, content)}, follow=follow)


def test_upload_preview_confirm(client, hr, wave):
    client.force_login(hr)

    response = upload(client)

    staged = RosterUpload.objects.get()
    assert response.status_code == 302
    assert response.url == f"/hr/waves/spring/roster/{staged.pk}/"
    assert not Invitation.objects.exists(), "nothing is written before the confirmation"

    html = client.get(response.url).content.decode()
    assert "roster.csv: 3 people to invite. Nothing is written until you confirm." in html
    assert '<th scope="row">North emergency (N-ED)</th><td class="text-end">2</td>' in html
    assert '<th scope="row">South medicine (S-MED)</th><td class="text-end">1</td>' in html
    assert '<th scope="row">English (en)</th><td class="text-end">2</td>' in html
    assert '<th scope="row">French (fr)</th><td class="text-end">1</td>' in html
    assert "<td>ana@example.org</td>" in html
    assert "Import 3 invitations" in html

    response = client.post(f"{URL}{staged.pk}/confirm/", follow=True)

    assert response.redirect_chain == [("/hr/waves/spring/", 302)]
    assert "3 people were added to the roster." in response.content.decode()
    assert Invitation.objects.filter(wave=wave).count() == 3
    for invitation in Invitation.objects.all():
        assert invitation.token_hash == token_hash(invitation_token(invitation.token_salt))
    assert not RosterUpload.objects.exists()
    entry = AuditEntry.objects.get(action="roster.import")
    assert (entry.actor, entry.data["count"]) == (hr, 3)


def test_every_bad_line_is_reported_and_nothing_is_kept(client, hr, wave, org):
    roster_import(wave=wave, rows=roster_read(roster_csv("old@example.org,N-ED,en")))
    client.force_login(hr)
    content = roster_csv(
        "ok@example.org,N-ED,en",
        "not-an-email,N-ED,en",
        "x@example.org,NOWHERE,en",
        "ok@example.org,S-MED,en",
        "OLD@example.org,N-ICU,en",
        "y@example.org,N-ED,de",
    )

    response = upload(client, content)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported: 5 problems to fix." in html
    for expected in (
        "line 3: email not-an-email is not an e-mail address",
        "line 4: unknown unit_code NOWHERE",
        "line 5: duplicate email ok@example.org (first on line 2)",
        "line 6: email old@example.org is already invited to this wave",
        "line 7: language de is not en or fr",
    ):
        assert f"<li>{expected}</li>" in html
    assert not RosterUpload.objects.exists()
    assert Invitation.objects.count() == 1


def test_a_unit_outside_the_wave_is_reported(client, hr, org, mini_version):
    from surveys.services.waves import wave_create

    wave_create(slug="spring", name="North", instrument_version=mini_version, units=[org["NORTH"]])
    client.force_login(hr)

    response = upload(client, roster_csv("a@example.org,S-MED,en"))

    assert "<li>line 2: unit_code S-MED is not in this wave&#x27;s units</li>" in (
        response.content.decode()
    )


def test_a_file_that_is_not_utf8_is_refused(client, hr, wave):
    client.force_login(hr)

    response = upload(client, "email,unit_code\nzoé@example.org,N-ED\n".encode("latin-1"))

    assert response.status_code == 400
    assert "the file is not UTF-8 text" in response.content.decode()


def test_no_file(client, hr, wave):
    client.force_login(hr)

    response = client.post(URL, {})

    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()


def test_discarding_deletes_the_upload(client, hr, wave):
    client.force_login(hr)
    upload(client)
    staged = RosterUpload.objects.get()

    response = client.post(f"{URL}{staged.pk}/cancel/", follow=True)

    assert "nothing was imported" in response.content.decode()
    assert not RosterUpload.objects.exists()
    assert not Invitation.objects.exists()


def test_a_confirmation_rechecks_the_file(client, hr, wave):
    client.force_login(hr)
    upload(client)
    staged = RosterUpload.objects.get()
    roster_import(wave=wave, rows=roster_read(roster_csv("ben@example.org,N-ED,en")))

    response = client.post(f"{URL}{staged.pk}/confirm/")

    assert response.status_code == 400
    html = response.content.decode()
    assert "line 3: email ben@example.org is already invited to this wave" in html
    assert 'id="error-summary"' not in html  # a fresh upload form, not a failed one
    assert Invitation.objects.count() == 1
    assert not RosterUpload.objects.exists()


def test_only_the_uploader_can_confirm(client, hr, wave, django_user_model):
    other = django_user_model.objects.create_user("hr2", is_hr_admin=True)
    client.force_login(hr)
    upload(client)
    staged = RosterUpload.objects.get()
    client.force_login(other)

    assert client.get(f"{URL}{staged.pk}/").status_code == 404
    assert client.post(f"{URL}{staged.pk}/confirm/").status_code == 404
    assert not Invitation.objects.exists()


def test_a_closed_wave_takes_no_roster(client, hr, open_wave):
    wave_set_status(wave=open_wave, status="closed")
    client.force_login(hr)

    html = client.get(URL).content.decode()

    assert "A roster can be imported only while the wave is a draft or open" in html
    assert 'type="file"' not in html


def test_missing_wave_and_upload(client, hr, wave):
    client.force_login(hr)
    assert client.get("/hr/waves/nope/roster/").status_code == 404
    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"{URL}{missing}/").status_code == 404
    assert client.post(f"{URL}{missing}/confirm/").status_code == 404
    assert client.post(f"{URL}{missing}/cancel/").status_code == 404


def test_wrong_methods(client, hr, wave):
    client.force_login(hr)
    upload(client)
    staged = RosterUpload.objects.get()
    assert client.put(URL).status_code == 405
    assert client.post(f"{URL}{staged.pk}/").status_code == 405
    assert client.get(f"{URL}{staged.pk}/confirm/").status_code == 405
    assert client.get(f"{URL}{staged.pk}/cancel/").status_code == 405


def test_anonymous_is_sent_to_login(client, wave):
    assert_login_redirect(client.get(URL), URL)


@pytest.mark.parametrize("name", OUTSIDERS)
def test_other_roles_are_refused(client, request, name, hr, wave):
    staged = RosterUpload.objects.create(wave=wave, uploaded_by=hr, content=GOOD.decode())
    client.force_login(request.getfixturevalue(name))

    assert client.get(URL).status_code == 403
    assert upload(client).status_code == 403
    assert client.get(f"{URL}{staged.pk}/").status_code == 403
    assert client.post(f"{URL}{staged.pk}/confirm/").status_code == 403
    assert client.post(f"{URL}{staged.pk}/cancel/").status_code == 403
    assert not Invitation.objects.exists()
    assert RosterUpload.objects.count() == 1
