"""POST /hr/waves/<slug>/checklist/: the PHSA checklist, ticked with who and which day."""

from __future__ import annotations

import pytest
from django.utils import timezone

from surveys.models import AuditEntry, WaveChecklistItem
from surveys.services.checklist import CHECKLIST, checklist_for, checklist_tick
from tests.hr_helpers import OUTSIDERS, assert_login_redirect

pytestmark = pytest.mark.django_db
URL = "/hr/waves/spring/checklist/"


def test_the_checklist_covers_the_phsa_lessons_by_stage(wave):
    stages = {stage.stage: [row.step.key for row in stage.rows] for stage in checklist_for(wave)}

    assert stages == {
        "draft": ["leaders_briefed", "time_planned", "privacy_notice_reviewed", "roster_checked"],
        "open": ["reminders_planned"],
        "closed": [],
        "released": ["results_released", "actions_due"],
        "archived": [],
    }
    assert all(str(step.help) for step in CHECKLIST)


def test_ticking_records_who_and_which_day_and_is_audited(client, hr, wave):
    client.force_login(hr)

    response = client.post(URL, {"key": "leaders_briefed", "done": "1"}, follow=True)

    item = WaveChecklistItem.objects.get()
    assert (item.key, item.done_on, item.done_by) == ("leaders_briefed", timezone.localdate(), hr)
    assert response.redirect_chain == [("/hr/waves/spring/#checklist", 302)]
    html = response.content.decode()
    assert "Marked as done: Leaders briefed." in html
    assert "Ticked on" in html and "by hr." in html
    assert 'Mark as not done<span class="visually-hidden">: Leaders briefed</span>' in html
    entry = AuditEntry.objects.get(action="checklist.done")
    assert (entry.actor, entry.data) == (hr, {"step": "leaders_briefed"})


def test_ticking_twice_keeps_the_first_record(wave, hr, analyst):
    checklist_tick(wave=wave, key="time_planned", by=hr)
    checklist_tick(wave=wave, key="time_planned", by=analyst)

    assert WaveChecklistItem.objects.get().done_by == hr
    assert AuditEntry.objects.filter(action="checklist.done").count() == 1


def test_unticking_removes_it_and_is_audited(client, hr, wave):
    checklist_tick(wave=wave, key="roster_checked", by=hr)
    client.force_login(hr)

    client.post(URL, {"key": "roster_checked", "done": "0"})

    assert not WaveChecklistItem.objects.exists()
    assert AuditEntry.objects.get(action="checklist.undone").data == {"step": "roster_checked"}


def test_unknown_step(client, hr, wave):
    client.force_login(hr)

    response = client.post(URL, {"key": "bake_a_cake", "done": "1"}, follow=True)

    assert "Unknown checklist step." in response.content.decode()
    assert not WaveChecklistItem.objects.exists()


def test_missing_wave(client, hr):
    client.force_login(hr)
    response = client.post("/hr/waves/nope/checklist/", {"key": "leaders_briefed", "done": "1"})
    assert response.status_code == 404


def test_wrong_method(client, hr, wave):
    client.force_login(hr)
    assert client.get(URL).status_code == 405


def test_anonymous_is_sent_to_login(client, wave):
    assert_login_redirect(client.post(URL, {"key": "leaders_briefed", "done": "1"}), URL)


@pytest.mark.parametrize("name", OUTSIDERS)
def test_other_roles_are_refused(client, request, name, wave):
    client.force_login(request.getfixturevalue(name))

    assert client.post(URL, {"key": "leaders_briefed", "done": "1"}).status_code == 403
    assert not WaveChecklistItem.objects.exists()
