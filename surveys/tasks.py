"""Background tasks (django-tasks), executed by `manage.py run_worker`.

Tasks take primary keys only: no e-mail address, token or answer is ever
written to the task table. The logic lives in the services; a task is the
thin entry point the worker calls.
"""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from surveys.models import Wave
from surveys.services import mailing
from surveys.services.responses import responses_scrub_storage
from surveys.services.retention import roster_purge, staging_clean_up


@task(queue_name="email")
def send_invitations(wave_id: int) -> int:
    """Fan out: one throttled e-mail task per invitation never sent."""
    return mailing.mail_queue(wave_id=wave_id, kind=mailing.INVITATION)


@task(queue_name="email")
def send_reminders(wave_id: int) -> int:
    """Fan out: one throttled e-mail task per invitation still pending."""
    return mailing.mail_queue(wave_id=wave_id, kind=mailing.REMINDER)


@task(queue_name="email")
def send_invitation_email(invitation_id: int, kind: str) -> str:
    return mailing.mail_send_one(invitation_id=invitation_id, kind=kind)


@task()
def purge_rosters() -> int:
    return sum(
        result.purged for result in roster_purge(today=timezone.localdate(), by="run_worker")
    )


@task()
def scrub_storage(wave_id: int) -> int:
    """The nightly storage scrub of an open wave (see `responses_scrub_storage`)."""
    wave = Wave.objects.filter(pk=wave_id, status=Wave.Status.OPEN).first()
    return responses_scrub_storage(wave=wave) if wave else 0


@task()
def clean_up_staging() -> int:
    return staging_clean_up(today=timezone.localdate())
