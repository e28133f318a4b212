"""/hr/waves/new/: creating a draft wave with the crispy form."""

from __future__ import annotations

import pytest

from surveys.models import AuditEntry, Wave
from tests.hr_helpers import OUTSIDERS, assert_login_redirect

pytestmark = pytest.mark.django_db
URL = "/hr/waves/new/"


def valid(org, mini_version, **changes):
    data = {
        "name": "Autumn pulse",
        "slug": "autumn",
        "instrument_version": mini_version.pk,
        "units": [org["NORTH"].pk, org["S-MED"].pk],
        "opens_on": "",
        "closes_on": "",
        "min_group_size": 5,
        "min_comment_group_size": 10,
        "min_equity_group_size": 10,
    }
    data.update(changes)
    return data


def test_form_explains_units_and_threshold_rules(client, hr, org, mini_version):
    client.force_login(hr)

    html = client.get(URL).content.decode()

    assert "<legend" in html and "Units in scope" in html
    assert 'class="form-check unit-depth-2"' in html  # N-ED sits two levels down
    assert "The floor is 3 for every threshold." in html
    assert "can be raised but never lowered" in html
    assert 'type="date"' in html
    assert 'name="min_group_size" value="5" min="3"' in html


def test_creates_a_draft_and_audits_it(client, hr, org, mini_version):
    client.force_login(hr)

    response = client.post(
        URL, valid(org, mini_version, open_link_enabled="on", closes_on="2099-01-31")
    )

    assert response.status_code == 302
    assert response.url == "/hr/waves/autumn/"
    wave = Wave.objects.get(slug="autumn")
    assert (wave.status, wave.name, wave.open_link_enabled) == ("draft", "Autumn pulse", True)
    assert {unit.code for unit in wave.units.all()} == {"NORTH", "S-MED"}
    assert str(wave.closes_on) == "2099-01-31"
    entry = AuditEntry.objects.get(action="wave.create")
    assert entry.actor == hr
    assert entry.data["units"] == ["NORTH", "S-MED"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min_group_size": 2}, "Ensure this value is greater than or equal to 3."),
        (
            {"min_group_size": 8, "min_comment_group_size": 6},
            "The comment threshold cannot be lower than the score threshold.",
        ),
        ({"units": []}, "This field is required."),
        ({"slug": "spring"}, "Another wave already uses this short name."),
        (
            {"opens_on": "2099-02-01", "closes_on": "2099-01-01"},
            "The wave cannot close before it opens.",
        ),
        ({"slug": "not a slug!"}, "Enter a valid “slug”"),
    ],
)
def test_invalid_input_shows_an_error_summary_and_creates_nothing(
    client, hr, org, mini_version, wave, changes, message
):
    client.force_login(hr)

    response = client.post(URL, valid(org, mini_version, **changes))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert message in html
    assert Wave.objects.count() == 1  # only the fixture's


def test_wrong_method(client, hr):
    client.force_login(hr)
    assert client.put(URL).status_code == 405


def test_anonymous_is_sent_to_login(client, db):
    assert_login_redirect(client.get(URL), URL)


@pytest.mark.parametrize("name", OUTSIDERS)
def test_other_roles_are_refused(client, request, name, org, mini_version):
    client.force_login(request.getfixturevalue(name))

    assert client.get(URL).status_code == 403
    assert client.post(URL, valid(org, mini_version)).status_code == 403
    assert not Wave.objects.exists()
