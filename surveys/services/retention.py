"""Retention: roster e-mails and invitation links do not outlive their use.

ROSTER_RETENTION_DAYS after a wave closes, every invitation of the wave loses
its e-mail address, token hash and token salt, whether it was used or not.
The rows stay, with their unit and completed flag, so response rates can
still be computed; responses and every aggregate are untouched.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from surveys.audit import audit
from surveys.models import Invitation, RosterUpload, Wave

PURGEABLE = (Wave.Status.CLOSED, Wave.Status.RELEASED, Wave.Status.ARCHIVED)
STAGED_UPLOAD_DAYS = 1
FINISHED_TASK_DAYS = 7


@dataclass(frozen=True)
class PurgeResult:
    wave: Wave
    purged: int
    pending: int
    completed: int


def roster_purge_due_on(wave: Wave) -> datetime.date | None:
    """The day the wave's roster will be purged, or None while it has not closed."""
    if wave.status not in PURGEABLE or wave.closes_on is None:
        return None
    return wave.closes_on + datetime.timedelta(days=settings.ROSTER_RETENTION_DAYS)


def roster_purge(*, today: datetime.date, by: object = "purge_rosters") -> list[PurgeResult]:
    """Empty the e-mails, token hashes and salts of every wave whose retention has run out.

    One transaction and one audit entry per wave, with counts. Running it
    again the same day finds nothing left and writes nothing.
    """
    cutoff = today - datetime.timedelta(days=settings.ROSTER_RETENTION_DAYS)
    results = []
    for wave in Wave.objects.filter(status__in=PURGEABLE, closes_on__lte=cutoff).order_by("pk"):
        with transaction.atomic():
            rows = Invitation.objects.filter(wave=wave).filter(
                ~Q(email="") | Q(token_hash__isnull=False) | ~Q(token_salt="")
            )
            counts = rows.aggregate(
                pending=Count("pk", filter=Q(status=Invitation.Status.PENDING)),
                completed=Count("pk", filter=Q(status=Invitation.Status.COMPLETED)),
            )
            purged = rows.update(
                email="",
                token_hash=None,
                token_salt="",
                send_state=Invitation.SendState.IDLE,
                last_send_error="",
            )
            RosterUpload.objects.filter(wave=wave).delete()
            if not purged and wave.roster_purged_on is not None:
                continue
            Wave.objects.filter(pk=wave.pk).update(roster_purged_on=today)
            audit(
                by,
                "roster.purge",
                wave,
                purged=purged,
                pending=counts["pending"],
                completed=counts["completed"],
                retention_days=settings.ROSTER_RETENTION_DAYS,
            )
            results.append(PurgeResult(wave, purged, counts["pending"], counts["completed"]))
    return results


def staging_clean_up(*, today: datetime.date, now: datetime.datetime | None = None) -> int:
    """Delete roster uploads never confirmed and old finished task records. Returns rows deleted.

    A roster upload holds e-mail addresses; it lives only between preview and
    confirmation (kept through the next day, then deleted). Finished task
    records hold invitation ids and send times; a week is enough to look
    into a delivery problem.
    """
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    deleted, _detail = RosterUpload.objects.filter(
        uploaded_on__lt=today - datetime.timedelta(days=STAGED_UPLOAD_DAYS)
    ).delete()
    if isinstance(task_backends["default"], DatabaseBackend):
        now = now or timezone.now()
        pruned, _detail = (
            DBTaskResult.objects.finished()
            .filter(finished_at__lt=now - datetime.timedelta(days=FINISHED_TASK_DAYS))
            .delete()
        )
        deleted += pruned
    return deleted
