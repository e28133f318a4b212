"""/hr/waves/<slug>/edit/: settings, within what the wave's stage still allows."""

from __future__ import annotations

import pytest

from surveys.models import AuditEntry, Wave
from surveys.services.waves import wave_set_status
from tests.hr_helpers import OUTSIDERS, assert_login_redirect

pytestmark = pytest.mark.django_db
URL = "/hr/waves/spring/edit/"


def form_data(wave: Wave, **changes):
    data = {
        "name": wave.name,
        "instrument_version": wave.instrument_version_id,
        "units": [unit.pk for unit in wave.units.all()],
        "opens_on": wave.opens_on.isoformat() if wave.opens_on else "",
        "closes_on": wave.closes_on.isoformat() if wave.closes_on else "",
        "open_link_enabled": "on" if wave.open_link_enabled else "",
        "min_group_size": wave.min_group_size,
        "min_comment_group_size": wave.min_comment_group_size,
        "min_equity_group_size": wave.min_equity_group_size,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_a_draft_can_change_everything_and_lower_thresholds(client, hr, wave, org):
    client.force_login(hr)

    response = client.post(
        URL,
        form_data(
            wave,
            name="Renamed",
            units=[org["SOUTH"].pk],
            min_group_size=3,
            min_comment_group_size=4,
        ),
    )

    assert response.status_code == 302
    wave.refresh_from_db()
    assert wave.name == "Renamed"
    assert [unit.code for unit in wave.units.all()] == ["SOUTH"]
    assert (wave.min_group_size, wave.min_comment_group_size) == (3, 4)
    assert AuditEntry.objects.get(action="wave.update").data["units"] == ["SOUTH"]
    thresholds = AuditEntry.objects.get(action="wave.thresholds")
    assert thresholds.actor == hr
    assert thresholds.data["before"]["min_group_size"] == 5
    assert thresholds.data["after"]["min_group_size"] == 3


def test_once_open_thresholds_can_be_raised(client, hr, open_wave):
    client.force_login(hr)

    response = client.post(URL, form_data(open_wave, min_group_size=7, min_equity_group_size=12))

    assert response.status_code == 302
    open_wave.refresh_from_db()
    assert (open_wave.min_group_size, open_wave.min_equity_group_size) == (7, 12)
    assert AuditEntry.objects.get(action="wave.thresholds").data["after"]["min_group_size"] == 7


def test_once_open_thresholds_cannot_be_lowered(client, hr, open_wave):
    client.force_login(hr)

    html = client.get(URL).content.decode()
    assert "can be raised but never lowered" in html
    assert 'name="min_group_size" value="5" min="5"' in html

    response = client.post(URL, form_data(open_wave, min_group_size=4))

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 5." in response.content.decode()
    open_wave.refresh_from_db()
    assert open_wave.min_group_size == 5
    assert not AuditEntry.objects.filter(action__in=["wave.thresholds", "wave.update"]).exists()


def test_once_open_units_and_instrument_are_fixed(client, hr, open_wave, org):
    client.force_login(hr)

    html = client.get(URL).content.decode()
    assert 'id="id_units_0" disabled checked>' in html
    assert '<select name="instrument_version" class="select form-select" required disabled' in html
    response = client.post(URL, form_data(open_wave, units=[org["SOUTH"].pk], name="Still open"))

    assert response.status_code == 302
    open_wave.refresh_from_db()
    assert [unit.code for unit in open_wave.units.all()] == ["ORG"]
    assert open_wave.name == "Still open"


def test_a_closed_wave_keeps_its_dates(client, hr, open_wave):
    wave = wave_set_status(wave=open_wave, status="closed")
    client.force_login(hr)

    response = client.post(URL, form_data(wave, closes_on="2099-01-01", name="Closed one"))

    assert response.status_code == 302
    after = Wave.objects.get(pk=wave.pk)
    assert after.closes_on == wave.closes_on
    assert after.name == "Closed one"


def test_a_service_refusal_is_shown_on_the_form(client, hr, wave):
    client.force_login(hr)

    response = client.post(
        URL, form_data(wave, min_group_size=12, min_comment_group_size=12, min_equity_group_size=2)
    )

    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    assert Wave.objects.get(pk=wave.pk).min_group_size == 5


def test_missing_wave(client, hr):
    client.force_login(hr)
    assert client.get("/hr/waves/nope/edit/").status_code == 404


def test_wrong_method(client, hr, wave):
    client.force_login(hr)
    assert client.delete(URL).status_code == 405


def test_anonymous_is_sent_to_login(client, wave):
    assert_login_redirect(client.get(URL), URL)


@pytest.mark.parametrize("name", OUTSIDERS)
def test_other_roles_are_refused(client, request, name, wave):
    client.force_login(request.getfixturevalue(name))

    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data(wave, name="Hijacked")).status_code == 403
    assert Wave.objects.get(pk=wave.pk).name == "Spring check-in"
