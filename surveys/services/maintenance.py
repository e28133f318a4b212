"""Recurring work of the task worker, claimed once across restarts and worker processes.

`maintenance_tick` is called by `manage.py run_worker` between rounds of
tasks. Each kind of work is claimed with one conditional UPDATE of a
`WorkerMark` row, so with several workers (or after a restart) it still runs
once: the daily maintenance once per calendar day, the stalled-task sweep
once every few minutes.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from surveys.models import Wave, WorkerMark
from surveys.services.mailing import mail_requeue_stalled

DAILY = "daily"
SWEEP = "sweep"
SWEEP_EVERY = datetime.timedelta(minutes=5)


def maintenance_claim_day(*, today: datetime.date) -> bool:
    """True for exactly one caller per day."""
    WorkerMark.objects.get_or_create(key=DAILY)
    return bool(
        WorkerMark.objects.filter(key=DAILY)
        .filter(Q(day__isnull=True) | Q(day__lt=today))
        .update(day=today)
    )


def maintenance_claim_sweep(*, now: datetime.datetime) -> bool:
    WorkerMark.objects.get_or_create(key=SWEEP)
    return bool(
        WorkerMark.objects.filter(key=SWEEP)
        .filter(Q(at__isnull=True) | Q(at__lte=now - SWEEP_EVERY))
        .update(at=now)
    )


def maintenance_enqueue_daily() -> list[str]:
    """Enqueue the nightly work: roster purge, clean-ups, and a storage scrub per open wave."""
    from reports.tasks import purge_renders
    from surveys.tasks import clean_up_staging, purge_rosters, scrub_storage

    enqueued = ["purge_rosters", "clean_up_staging", "purge_renders"]
    purge_rosters.enqueue()
    clean_up_staging.enqueue()
    purge_renders.enqueue()
    for wave_id in Wave.objects.filter(status=Wave.Status.OPEN).values_list("pk", flat=True):
        scrub_storage.enqueue(wave_id)
        enqueued.append(f"scrub_storage:{wave_id}")
    return enqueued


def maintenance_tick(*, now: datetime.datetime | None = None) -> list[str]:
    """Do whatever recurring work is due now; returns what was done, for the worker's log."""
    now = now or timezone.now()
    done: list[str] = []
    if maintenance_claim_day(today=timezone.localdate(now)):
        done.extend(maintenance_enqueue_daily())
    if maintenance_claim_sweep(now=now):
        requeued = mail_requeue_stalled(now=now)
        if requeued:
            done.append(f"requeued:{requeued}")
    return done
