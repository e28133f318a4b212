"""The real background path: django-tasks' database backend and its worker.

The worker processes the e-mail tasks, spaces them to respect
EMAIL_MAX_PER_MINUTE, retries failed deliveries with a growing delay, and a
worker killed mid-task loses no invitation. `run_worker` adds the daily
maintenance. These tests need committed transactions (the worker closes
connections), hence `transaction=True`.
"""

from __future__ import annotations

import datetime
import io
import itertools
import signal
from collections.abc import Iterator

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from surveys.models import AuditEntry, Invitation, Wave, WorkerMark
from surveys.services import mailing
from surveys.services.mailing import (
    email_slots,
    invitations_send,
    mail_requeue_stalled,
    reminders_send,
    sending_counts,
)
from surveys.services.responses import response_submit
from surveys.services.rosters import roster_import, roster_read
from surveys.services.waves import wave_set_status
from surveys.tasks import send_invitation_email, send_invitations
from surveys.tokens import invitation_token
from tests.hr_helpers import roster_csv
from tests.smtp_server import Recorder, smtp_server

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}
}
SEND = send_invitation_email.module_path


@pytest.fixture(autouse=True)
def database_tasks(settings) -> Iterator[None]:
    settings.TASKS = DATABASE_TASKS
    settings.EMAIL_MAX_PER_MINUTE = 60_000
    settings.EMAIL_RETRY_SECONDS = 60
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in handlers.items():  # the worker installs its own
        signal.signal(sig, handler)


@pytest.fixture
def smtp(settings) -> Iterator[Recorder]:
    with smtp_server(settings) as recorder:
        yield recorder


def work(*extra: str) -> None:
    """One worker run: every ready task, then exit (what a running worker does continuously)."""
    call_command(
        "db_worker",
        "--batch",
        "--no-startup-delay",
        "--no-reload",
        "--queue-name",
        "*",
        *extra,
        verbosity=0,
        stdout=io.StringIO(),
    )


def time_passes() -> None:
    """Every deferred task becomes due, as if the worker had waited."""
    DBTaskResult.objects.filter(status="READY").exclude(run_after=get_date_max()).update(
        run_after=timezone.now()
    )


def ready_sends() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=SEND, status="READY").order_by("run_after"))


def invite(wave: Wave, *lines: str) -> list[Invitation]:
    roster_import(wave=wave, rows=roster_read(roster_csv(*lines)))
    return list(Invitation.objects.filter(wave=wave).order_by("pk"))


def test_the_worker_sends_what_the_button_queued(open_wave, org, hr):
    invite(open_wave, "a@example.org,N-ED,en", "b@example.org,N-ICU,fr", "c@example.org,S-MED,en")

    assert invitations_send(wave=open_wave, by=hr) == 3

    assert mail.outbox == []  # the request only enqueues
    [fanout] = DBTaskResult.objects.all()
    assert (fanout.task_path, fanout.queue_name, fanout.status) == (
        send_invitations.module_path,
        "email",
        "READY",
    )
    assert fanout.args_kwargs == {"args": [open_wave.pk], "kwargs": {}}  # ids only
    work()
    time_passes()
    work()

    assert sorted(m.to[0] for m in mail.outbox) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
    ]
    assert all(i.sent_on == timezone.localdate() for i in Invitation.objects.all())
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert DBTaskResult.objects.filter(task_path=SEND, queue_name="email").count() == 3
    for result in DBTaskResult.objects.filter(task_path=SEND):
        assert "@" not in str(result.args_kwargs)  # no address in the task table


def test_throttling_spaces_the_emails_and_survives_a_restart(open_wave, org, hr, settings):
    settings.EMAIL_MAX_PER_MINUTE = 2  # one every 30 seconds
    invite(open_wave, *(f"p{n}@example.org,N-ED,en" for n in range(4)))
    invitations_send(wave=open_wave, by=hr)

    work()

    assert len(mail.outbox) == 1, "only the first slot is due now"
    waiting = ready_sends()
    assert len(waiting) == 3
    times = [result.run_after for result in waiting]
    assert all(
        later - earlier >= datetime.timedelta(seconds=29.9)
        for earlier, later in itertools.pairwise(times)
    )
    assert times[0] - timezone.now() > datetime.timedelta(seconds=20)
    # The next e-mail of any wave queues behind them.
    assert email_slots(1)[0] >= times[-1] + datetime.timedelta(seconds=29.9)

    work()  # a restarted worker keeps the schedule: nothing is due yet
    assert len(mail.outbox) == 1
    assert sending_counts(open_wave, today=timezone.localdate()).queued == 3

    time_passes()
    work()
    assert len(mail.outbox) == 4


def test_a_refused_delivery_is_retried_with_a_growing_delay(open_wave, org, hr, smtp):
    invite(open_wave, "a@example.org,N-ED,en")
    smtp.refuse.extend(["451 4.3.0 Try again later", "451 4.3.0 Still busy"])
    invitations_send(wave=open_wave, by=hr)

    work()

    invitation = Invitation.objects.get()
    assert (invitation.sent_on, invitation.send_state, invitation.send_attempts) == (
        None,
        "queued",
        1,
    )
    assert invitation.last_send_error == "SMTP 451 4.3.0 Try again later"
    [retry] = ready_sends()
    delay = retry.run_after - timezone.now()
    assert datetime.timedelta(seconds=50) < delay <= datetime.timedelta(seconds=60)

    time_passes()
    work()
    [retry] = ready_sends()
    delay = retry.run_after - timezone.now()
    assert datetime.timedelta(seconds=110) < delay <= datetime.timedelta(seconds=120)
    assert Invitation.objects.get().send_attempts == 2

    time_passes()
    work()
    invitation = Invitation.objects.get()
    assert invitation.sent_on == timezone.localdate()
    assert (invitation.send_state, invitation.send_attempts, invitation.last_send_error) == (
        "",
        0,
        "",
    )
    assert [m["To"] for m in smtp.messages] == ["a@example.org"]


def test_after_the_last_attempt_it_is_failed_and_counted_on_the_wave_page(
    open_wave, org, hr, smtp, settings, client
):
    settings.EMAIL_MAX_ATTEMPTS = 2
    invite(open_wave, "a@example.org,N-ED,en", "b@example.org,N-ED,en")
    smtp.refuse.extend(["451 4.3.0 Try again later"] * 3)  # a, b, then a again
    invitations_send(wave=open_wave, by=hr)

    work()
    time_passes()
    work()

    failed = Invitation.objects.get(send_state="failed")
    assert (failed.sent_on, failed.send_attempts) == (None, 2)
    assert not ready_sends()
    counts = sending_counts(open_wave, today=timezone.localdate())
    assert (counts.sent, counts.failed, counts.queued) == (1, 1, 0)
    client.force_login(hr)
    html = client.get(f"/hr/waves/{open_wave.slug}/").content.decode()
    assert 'Failed after up to 2 attempts</th><td class="text-end">1</td>' in html


def test_a_task_that_dies_before_sending_loses_nothing(open_wave, org, hr, monkeypatch):
    invite(open_wave, "a@example.org,N-ED,en")
    real = mailing.invitation_message
    calls = []

    def dies_once(invitation, kind):
        calls.append(kind)
        if len(calls) == 1:
            raise RuntimeError("worker lost its database connection")
        return real(invitation, kind)

    monkeypatch.setattr(mailing, "invitation_message", dies_once)
    invitations_send(wave=open_wave, by=hr)

    work()

    invitation = Invitation.objects.get()
    assert (invitation.sent_on, invitation.send_state) == (None, "queued")
    assert invitation.last_send_error == "RuntimeError: worker lost its database connection"
    assert len(ready_sends()) == 1
    assert mail.outbox == []
    time_passes()
    work()
    assert Invitation.objects.get().sent_on is not None
    assert len(mail.outbox) == 1


def test_a_killed_worker_is_recovered_and_nobody_is_missed_or_mailed_twice(open_wave, org, hr):
    invite(open_wave, "a@example.org,N-ED,en", "b@example.org,N-ED,en", "c@example.org,N-ED,en")
    invitations_send(wave=open_wave, by=hr)
    work("--max-tasks", "1")  # the fan-out only
    first, _second, third = DBTaskResult.objects.filter(task_path=SEND).order_by("run_after")
    # A worker claimed the first e-mail and was killed (SIGKILL) before it could finish:
    first.claim("worker-that-died")
    DBTaskResult.objects.filter(pk=first.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=1)
    )
    # Another task row was lost altogether (e.g. deleted by hand).
    third.delete()
    work()
    assert len(mail.outbox) == 1  # only the second
    assert Invitation.objects.filter(send_state="queued").count() == 2

    assert mail_requeue_stalled() == 2

    first.refresh_from_db()
    assert first.status == "FAILED"
    assert first.exception_class_path == "surveys.services.mailing.WorkerLost"
    time_passes()
    work()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
    ]
    assert mail_requeue_stalled() == 0


def test_a_fresh_running_task_is_left_alone(open_wave, org, hr):
    invite(open_wave, "a@example.org,N-ED,en")
    invitations_send(wave=open_wave, by=hr)
    work("--max-tasks", "1")
    DBTaskResult.objects.get(task_path=SEND).claim("busy-worker")

    assert mail_requeue_stalled() == 0
    assert DBTaskResult.objects.filter(task_path=SEND).count() == 1


def test_a_stalled_fanout_runs_again(open_wave, org, hr):
    invite(open_wave, "a@example.org,N-ED,en")
    invitations_send(wave=open_wave, by=hr)
    fanout = DBTaskResult.objects.get()
    fanout.claim("worker-that-died")
    DBTaskResult.objects.filter(pk=fanout.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=1)
    )

    assert mail_requeue_stalled() == 1
    work()
    time_passes()
    work()

    assert len(mail.outbox) == 1


def test_reminders_through_the_worker_skip_completed_invitations(open_wave, org, hr):
    done, pending = invite(open_wave, "done@example.org,N-ED,en", "late@example.org,N-ED,fr")
    invitations_send(wave=open_wave, by=hr)
    work()
    time_passes()
    work()
    response_submit(wave=open_wave, answers={"A1": 1}, token=invitation_token(done.token_salt))
    mail.outbox.clear()

    assert reminders_send(wave=open_wave, by=hr) == 1
    work()
    time_passes()
    work()

    assert [m.to[0] for m in mail.outbox] == ["late@example.org"]
    assert mail.outbox[0].subject.startswith("Rappel")
    pending.refresh_from_db()
    assert pending.reminder_count == 1


def test_run_worker_runs_tasks_and_the_daily_maintenance_once_a_day(
    open_wave, org, hr, mini_version
):
    from surveys.services.waves import wave_create

    old = wave_create(
        slug="last-year",
        name="Last year",
        instrument_version=mini_version,
        units=[org["ORG"]],
        open_link_enabled=True,
    )
    invite(old, "gone@example.org,N-ED,en")
    wave_set_status(wave=old, status="open")
    wave_set_status(wave=old, status="closed")
    Wave.objects.filter(pk=old.pk).update(
        closes_on=timezone.localdate() - datetime.timedelta(days=45)
    )
    invite(open_wave, "a@example.org,N-ED,en")
    invitations_send(wave=open_wave, by=hr)
    out = io.StringIO()

    call_command("run_worker", "--batch", "--no-startup-delay", stdout=out)

    assert (
        "Maintenance: purge_rosters, clean_up_staging, purge_renders, scrub_storage:"
        in out.getvalue()
    )
    assert len(mail.outbox) == 1
    assert Invitation.objects.get(wave=old).email == ""
    assert AuditEntry.objects.get(action="roster.purge").actor_name == "run_worker"
    paths = list(DBTaskResult.objects.values_list("task_path", "status"))
    assert ("surveys.tasks.scrub_storage", "SUCCESSFUL") in paths
    assert ("surveys.tasks.purge_rosters", "SUCCESSFUL") in paths
    assert ("reports.tasks.purge_renders", "SUCCESSFUL") in paths
    assert WorkerMark.objects.get(key="daily").day == timezone.localdate()

    call_command("run_worker", "--batch", "--no-startup-delay", stdout=io.StringIO())

    assert DBTaskResult.objects.filter(task_path="surveys.tasks.purge_rosters").count() == 1


def test_run_worker_needs_the_database_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    with pytest.raises(CommandError, match="DatabaseBackend"):
        call_command("run_worker", "--batch", stdout=io.StringIO())
