"""/hr/: the HR admin's list of waves."""

from __future__ import annotations

import pytest

from tests.hr_helpers import OUTSIDERS, assert_login_redirect

pytestmark = pytest.mark.django_db
URL = "/hr/"


def test_lists_waves_with_their_stage(client, hr, wave, open_wave):
    client.force_login(hr)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Spring check-in" in html
    assert '<span class="stage-badge stage-open">Open</span>' in html
    assert 'href="/hr/waves/new/"' in html
    assert 'href="/hr/waves/spring/"' in html


def test_empty_state(client, hr):
    client.force_login(hr)

    response = client.get(URL)

    assert "There is no wave yet." in response.content.decode()


def test_nav_shows_hr_to_hr_admins_only(client, hr, alice):
    client.force_login(hr)
    assert 'href="/hr/"' in client.get("/").content.decode()
    client.force_login(alice)
    assert 'href="/hr/"' not in client.get("/").content.decode()


def test_wrong_method(client, hr):
    client.force_login(hr)
    assert client.post(URL).status_code == 405


def test_anonymous_is_sent_to_login(client, db):
    assert_login_redirect(client.get(URL), URL)


@pytest.mark.parametrize("name", OUTSIDERS)
def test_other_roles_are_refused(client, request, name):
    client.force_login(request.getfixturevalue(name))

    response = client.get(URL)

    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


def test_in_french(client, hr, wave, settings):
    client.force_login(hr)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    html = client.get(URL).content.decode()

    assert '<html lang="fr">' in html
    assert "<h1>Vagues de sondage</h1>" in html
    assert "Nouvelle vague" in html
    assert '<span class="stage-badge stage-draft">Brouillon</span>' in html
    assert 'href="/hr/" aria-current="true">RH</a>' in html
