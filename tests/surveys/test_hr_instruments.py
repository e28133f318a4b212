"""/hr/instruments/: list, import with every error shown, bilingual preview, JSON export."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from surveys.instruments.definition import InstrumentError, load_definition
from surveys.models import AuditEntry, InstrumentVersion
from tests.conftest import mini_document
from tests.hr_helpers import OUTSIDERS, assert_login_redirect

pytestmark = pytest.mark.django_db
LIST = "/hr/instruments/"
IMPORT = "/hr/instruments/import/"
PREVIEW = "/hr/instruments/mini/v1/"
DOWNLOAD = "/hr/instruments/mini/v1/download/"


def post_definition(client, document, *, follow: bool = False):
    raw = document if isinstance(document, bytes) else json.dumps(document).encode()
    return client.post(IMPORT, {"file": SimpleUploadedFile("def.json", raw)}, follow=follow)


def test_list_shows_versions_and_whether_they_can_change(client, hr, mini_version, open_wave):
    client.force_login(hr)
    second = mini_document() | {"version": 2}
    post_definition(client, second)

    html = client.get(LIST).content.decode()

    assert "<caption>Mini check-in (<code>mini</code>)</caption>" in html
    assert '<th scope="row">v1</th>' in html and '<th scope="row">v2</th>' in html
    assert "No: a wave using it has opened" in html
    assert "Yes: import the same version number again" in html
    assert 'href="/hr/waves/spring/">Spring check-in</a> (Open)' in html
    assert 'href="/hr/instruments/mini/v2/download/"' in html


def test_importing_a_new_version(client, hr, mini_version):
    client.force_login(hr)

    response = post_definition(client, mini_document() | {"version": 2}, follow=True)

    assert response.redirect_chain == [("/hr/instruments/mini/v2/", 302)]
    assert "Mini check-in version 2 is imported." in response.content.decode()
    assert InstrumentVersion.objects.filter(instrument__code="mini").count() == 2
    assert AuditEntry.objects.filter(action="instrument.import", actor=hr).count() == 1


def test_every_validation_error_is_listed_and_nothing_is_imported(client, hr, db):
    document = mini_document()
    document["code"] = "bad code!"
    document["sections"][0]["items"][1]["code"] = "A1"
    document["sections"][0]["title"] = {"en": "English only"}
    document["estimated_minutes"] = "soon"
    with pytest.raises(InstrumentError) as raised:
        load_definition(document)
    expected = raised.value.errors
    assert len(expected) >= 4
    client.force_login(hr)

    response = post_definition(client, document)

    assert response.status_code == 400
    html = response.content.decode()
    assert f"Nothing was imported: {len(expected)} problems to fix." in html
    for error in expected:
        assert error.replace("'", "&#x27;") in html
    assert not InstrumentVersion.objects.exists()


def test_invalid_json(client, hr, db):
    client.force_login(hr)

    response = post_definition(client, b'{"format": 1,')

    assert response.status_code == 400
    assert "The file is not valid JSON" in response.content.decode()


def test_a_used_version_cannot_be_replaced(client, hr, open_wave):
    client.force_login(hr)
    changed = mini_document()
    changed["title"]["en"] = "Changed title"

    response = post_definition(client, changed)

    assert response.status_code == 400
    html = response.content.decode()
    assert "mini version 1 is used by a wave that has opened and cannot change" in html
    assert "import it as version 2 instead" in html
    assert InstrumentVersion.objects.get().definition["title"]["en"] == "Mini check-in"


def test_an_unused_version_can_be_replaced(client, hr, mini_version):
    client.force_login(hr)
    changed = mini_document()
    changed["title"]["en"] = "Better title"

    post_definition(client, changed)

    assert InstrumentVersion.objects.get().definition["title"]["en"] == "Better title"
    assert AuditEntry.objects.filter(action="instrument.replace").exists()


def test_preview_in_both_languages_side_by_side(client, hr, mini_version):
    client.force_login(hr)

    html = client.get(PREVIEW).content.decode()

    assert '<th scope="col" lang="en">English</th><th scope="col" lang="fr">Français</th>' in html
    assert '<p class="mb-1">I felt tense at work.</p>' in html
    assert "Je me suis senti tendu au travail." in html
    assert 'lang="fr">' in html and "Toujours" in html and "Always" in html
    assert "reverse-scored" in html
    assert "Leader's self-rating:" in html and "Je prends des nouvelles de mon équipe." in html
    assert "free text, up to 200 characters" in html
    assert "(on its own)" in html  # exclusive options
    assert "No wave using this version has opened yet" in html


def test_preview_of_a_used_version_says_why_it_is_frozen(client, hr, open_wave):
    client.force_login(hr)

    html = client.get(PREVIEW).content.decode()

    assert "it can never change" in html
    assert "import it as version 2" in html


def test_download_exports_the_definition_and_is_audited(client, hr, mini_version):
    client.force_login(hr)

    response = client.get(DOWNLOAD)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="mini-v1.json"'
    assert json.loads(response.content) == mini_document()
    entry = AuditEntry.objects.get(action="instrument.export")
    assert entry.actor == hr
    assert entry.data == {"checksum": mini_version.checksum}


@pytest.mark.parametrize("url", [PREVIEW, DOWNLOAD])
def test_missing_version(client, hr, mini_version, url):
    client.force_login(hr)
    assert client.get(url.replace("v1", "v9")).status_code == 404
    assert client.get(url.replace("mini", "nope")).status_code == 404


@pytest.mark.parametrize(
    ("url", "method"), [(LIST, "post"), (IMPORT, "put"), (PREVIEW, "post"), (DOWNLOAD, "post")]
)
def test_wrong_method(client, hr, mini_version, url, method):
    client.force_login(hr)
    assert getattr(client, method)(url).status_code == 405


@pytest.mark.parametrize("url", [LIST, IMPORT, PREVIEW, DOWNLOAD])
def test_anonymous_is_sent_to_login(client, mini_version, url):
    assert_login_redirect(client.get(url), url)


@pytest.mark.parametrize("url", [LIST, IMPORT, PREVIEW, DOWNLOAD])
@pytest.mark.parametrize("name", OUTSIDERS)
def test_other_roles_are_refused(client, request, name, mini_version, url):
    client.force_login(request.getfixturevalue(name))

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("name", OUTSIDERS)
def test_other_roles_cannot_import(client, request, name, db):
    client.force_login(request.getfixturevalue(name))

    assert post_definition(client, mini_document()).status_code == 403
    assert not InstrumentVersion.objects.exists()
    assert not AuditEntry.objects.exists()
