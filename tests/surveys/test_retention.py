"""Retention: roster e-mails and links are purged after the wave closes; aggregates stay."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from surveys.models import AuditEntry, Invitation, Response, RosterUpload, Wave
from surveys.services.mailing import reminders_send
from surveys.services.responses import response_submit
from surveys.services.retention import roster_purge, roster_purge_due_on, staging_clean_up
from surveys.services.rosters import roster_import, roster_read
from surveys.services.waves import wave_set_status
from surveys.tokens import invitation_token
from tests.hr_helpers import roster_csv

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture
def closed_wave(open_wave, org):
    roster_import(
        wave=open_wave,
        rows=roster_read(
            roster_csv("a@example.org,N-ED,en", "b@example.org,N-ED,fr", "c@example.org,S-MED,en")
        ),
    )
    answered = Invitation.objects.get(email="a@example.org")
    response_submit(wave=open_wave, answers={"A1": 3}, token=invitation_token(answered.token_salt))
    response_submit(wave=open_wave, answers={"A1": 1}, unit=org["S-MED"], source="open_link")
    wave_set_status(wave=open_wave, status="closed")
    Wave.objects.filter(pk=open_wave.pk).update(closes_on=datetime.date(2026, 5, 1))
    return Wave.objects.get(pk=open_wave.pk)


def test_purge_empties_emails_and_tokens_and_keeps_counts_and_responses(closed_wave, settings):
    settings.ROSTER_RETENTION_DAYS = 30
    responses = sorted(Response.objects.values_list("id", "unit_id", "answers", "scores"))

    [result] = roster_purge(today=TODAY)

    assert (result.purged, result.pending, result.completed) == (3, 2, 1)
    invitations = Invitation.objects.filter(wave=closed_wave)
    assert invitations.count() == 3, "rows stay for response rates"
    assert invitations.filter(status="completed").count() == 1
    for invitation in invitations:
        assert (invitation.email, invitation.token_hash, invitation.token_salt) == ("", None, "")
    assert sorted(Response.objects.values_list("id", "unit_id", "answers", "scores")) == responses
    closed_wave.refresh_from_db()
    assert closed_wave.roster_purged_on == TODAY
    entry = AuditEntry.objects.get(action="roster.purge")
    assert entry.data == {"purged": 3, "pending": 2, "completed": 1, "retention_days": 30}
    assert entry.target.endswith("Spring check-in")


def test_nothing_is_purged_before_the_retention_period_ends(closed_wave, settings):
    settings.ROSTER_RETENTION_DAYS = 31  # due on June 1st; today is May 31st

    assert roster_purge(today=TODAY - datetime.timedelta(days=1)) == []
    assert Invitation.objects.exclude(email="").count() == 3
    assert roster_purge_due_on(closed_wave) == TODAY
    assert len(roster_purge(today=TODAY)) == 1


def test_open_and_draft_waves_are_never_purged(open_wave, wave, org, settings):
    settings.ROSTER_RETENTION_DAYS = 0
    roster_import(wave=open_wave, rows=roster_read(roster_csv("a@example.org,N-ED,en")))
    Wave.objects.filter(pk=open_wave.pk).update(closes_on=datetime.date(2020, 1, 1))

    assert roster_purge(today=TODAY) == []
    assert roster_purge_due_on(Wave.objects.get(pk=open_wave.pk)) is None


def test_purge_runs_once(closed_wave):
    roster_purge(today=TODAY)

    assert roster_purge(today=TODAY + datetime.timedelta(days=1)) == []
    assert AuditEntry.objects.filter(action="roster.purge").count() == 1


@pytest.mark.parametrize("status", ["released", "archived"])
def test_released_and_archived_waves_are_purged_too(closed_wave, status):
    wave_set_status(wave=closed_wave, status=status)
    Wave.objects.filter(pk=closed_wave.pk).update(closes_on=datetime.date(2026, 5, 1))

    assert len(roster_purge(today=TODAY)) == 1


def test_purged_invitations_get_no_reminder_even_if_reopened(closed_wave, hr):
    Invitation.objects.update(sent_on=datetime.date(2026, 4, 1))
    roster_purge(today=TODAY)
    Wave.objects.filter(pk=closed_wave.pk).update(closes_on=None)
    wave_set_status(wave=closed_wave, status="open")

    assert reminders_send(wave=closed_wave, by=hr) == 0


def test_purge_deletes_unconfirmed_roster_uploads(closed_wave, hr):
    RosterUpload.objects.create(wave=closed_wave, uploaded_by=hr, content="email,unit_code\n")

    roster_purge(today=TODAY)

    assert not RosterUpload.objects.exists()


def test_purge_rosters_command(closed_wave, settings):
    settings.ROSTER_RETENTION_DAYS = 30
    out = io.StringIO()

    call_command("purge_rosters", "--today", "2026-06-01", stdout=out)

    assert out.getvalue().strip() == "Purged 3 invitation(s) of spring (2 pending, 1 completed)."
    assert AuditEntry.objects.get(action="roster.purge").actor_name == "purge_rosters"
    out = io.StringIO()
    call_command("purge_rosters", "--today", "2026-06-01", stdout=out)
    assert out.getvalue().strip() == "Nothing to purge (retention: 30 days)."


def test_the_wave_page_shows_when_the_purge_is_due_and_done(closed_wave, client, hr, settings):
    settings.ROSTER_RETENTION_DAYS = 30
    client.force_login(hr)

    html = client.get("/hr/waves/spring/").content.decode()
    assert "<strong>Due:</strong> on May 31, 2026." in html

    roster_purge(today=TODAY)
    html = client.get("/hr/waves/spring/").content.decode()
    assert "<strong>Done:</strong> deleted on June 1, 2026." in html


def test_stale_roster_uploads_are_cleaned_up(wave, hr):
    stale = RosterUpload.objects.create(wave=wave, uploaded_by=hr, content="x")
    RosterUpload.objects.filter(pk=stale.pk).update(uploaded_on=TODAY - datetime.timedelta(days=2))
    fresh = RosterUpload.objects.create(wave=wave, uploaded_by=hr, content="y")
    RosterUpload.objects.filter(pk=fresh.pk).update(uploaded_on=TODAY - datetime.timedelta(days=1))

    assert staging_clean_up(today=TODAY, now=timezone.now()) == 1
    assert list(RosterUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
