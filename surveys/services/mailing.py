"""Invitation and reminder e-mails: who gets one, what it says, and reliable throttled delivery.

How delivery works (the tasks are in `surveys.tasks`, run by `manage.py run_worker`):

- `invitations_send` / `reminders_send` (the HR admin's buttons) enqueue one
  fan-out task for the wave.
- The fan-out (`mail_queue`) marks the due invitations `queued` and enqueues
  one `send_invitation_email` task per invitation on the "email" queue, 500
  at a time; each chunk's marks and tasks are written in one transaction, so
  an invitation is never marked without a task or the reverse.
- Throttling: every e-mail task gets a `run_after` slot from one shared
  counter (`WorkerMark` "email-slot"), 60 / EMAIL_MAX_PER_MINUTE seconds
  apart, across waves and worker processes. The schedule lives in the task
  table, so a restarted worker keeps it.
- Each e-mail task (`mail_send_one`) re-reads its invitation and sends only
  if it is still queued and due, so running twice is harmless; `sent_on` /
  `reminded_on` is written only after the mail server accepted the message.
- A failed send is retried with a doubling delay (EMAIL_RETRY_SECONDS, at
  most an hour) up to EMAIL_MAX_ATTEMPTS, then the invitation is marked
  failed; a recipient refused for good (SMTP 5xx) fails at once.
- A worker killed mid-task leaves its task RUNNING forever; `mail_requeue_stalled`
  (run by `run_worker` every few minutes) fails such tasks and re-enqueues
  every queued invitation that no live task covers. Nothing is lost; at worst
  someone gets the same e-mail twice.

Privacy: tasks carry only primary keys. The e-mail holds no image, no
tracking and no per-person link other than the invitation link itself.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from surveys.audit import audit
from surveys.models import Invitation, Wave, WorkerMark
from surveys.tokens import invitation_token

logger = logging.getLogger(__name__)

INVITATION = "invitation"
REMINDER = "reminder"
KINDS = (INVITATION, REMINDER)
SENT, SKIPPED, RETRY, FAILED = "sent", "skipped", "retry", "failed"
QUEUE_CHUNK = 500
MAX_RETRY_DELAY = datetime.timedelta(hours=1)
STALLED_AFTER = datetime.timedelta(minutes=15)
EMAIL_SLOT = "email-slot"
EMAIL_LANGUAGES = ("en", "fr")

Queued = Invitation.SendState.QUEUED
Idle = Invitation.SendState.IDLE
Failed = Invitation.SendState.FAILED


class MailingError(ValueError):
    pass


class WorkerLost(Exception):
    """Recorded on a task whose worker stopped while running it (see `mail_requeue_stalled`)."""


# -- who is due ---------------------------------------------------------------------


def _sendable(wave: Wave) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(wave=wave, status=Invitation.Status.PENDING)
        .exclude(email="")
        .exclude(token_salt="")
    )


def invitations_due(wave: Wave) -> QuerySet[Invitation]:
    """Pending invitations never sent and not queued now."""
    return _sendable(wave).filter(sent_on__isnull=True, send_state=Idle)


def reminders_due(wave: Wave, *, today: datetime.date) -> QuerySet[Invitation]:
    """Pending invitations already sent, not queued now and not yet reminded today.

    Completed invitations never get a reminder, and neither do purged ones
    (their e-mail is gone).
    """
    return (
        _sendable(wave)
        .filter(sent_on__isnull=False, send_state=Idle)
        .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
    )


@dataclass(frozen=True)
class SendingCounts:
    invited: int
    not_sent: int
    queued: int
    sent: int
    failed: int
    failed_invitations: int
    failed_reminders: int
    reminders_due: int
    reminded: int

    @property
    def invitations_to_send(self) -> int:
        """What "Send invitations" would queue: never sent, including failed ones again."""
        return self.not_sent + self.failed_invitations

    @property
    def reminders_to_send(self) -> int:
        return self.reminders_due + self.failed_reminders


def sending_counts(wave: Wave, *, today: datetime.date) -> SendingCounts:
    """Delivery figures for the wave page (counts only, never who)."""
    sendable = Q(status=Invitation.Status.PENDING) & ~Q(email="") & ~Q(token_salt="")
    idle = Q(send_state=Idle)
    figures = Invitation.objects.filter(wave=wave).aggregate(
        invited=Count("pk"),
        not_sent=Count("pk", filter=sendable & idle & Q(sent_on__isnull=True)),
        queued=Count("pk", filter=Q(send_state=Queued)),
        sent=Count("pk", filter=Q(sent_on__isnull=False)),
        failed=Count("pk", filter=Q(send_state=Failed)),
        failed_invitations=Count(
            "pk", filter=sendable & Q(send_state=Failed) & Q(sent_on__isnull=True)
        ),
        failed_reminders=Count(
            "pk", filter=sendable & Q(send_state=Failed) & Q(sent_on__isnull=False)
        ),
        reminders_due=Count(
            "pk",
            filter=sendable
            & idle
            & Q(sent_on__isnull=False)
            & (Q(reminded_on__isnull=True) | Q(reminded_on__lt=today)),
        ),
        reminded=Count("pk", filter=Q(reminder_count__gt=0)),
    )
    return SendingCounts(**figures)


# -- the HR admin's buttons ---------------------------------------------------------------


def invitations_send(*, wave: Wave, by: object = None) -> int:
    """Queue the invitation e-mail for everyone who has not received it (failed ones again)."""
    from surveys.tasks import send_invitations

    _check_open(wave)
    with transaction.atomic():
        retried = _sendable(wave).filter(sent_on__isnull=True, send_state=Failed)
        retried.update(send_state=Idle, send_attempts=0)
        count = invitations_due(wave).count()
        if count:
            audit(by, "invitations.send", wave, count=count)
            send_invitations.enqueue(wave.pk)
    return count


def reminders_send(*, wave: Wave, by: object = None, today: datetime.date | None = None) -> int:
    """Queue a reminder for every invitation still pending (never the completed ones)."""
    from surveys.tasks import send_reminders

    _check_open(wave)
    today = today or timezone.localdate()
    with transaction.atomic():
        _sendable(wave).filter(sent_on__isnull=False, send_state=Failed).update(
            send_state=Idle, send_attempts=0
        )
        count = reminders_due(wave, today=today).count()
        if count:
            audit(by, "reminders.send", wave, count=count)
            send_reminders.enqueue(wave.pk)
    return count


def _check_open(wave: Wave) -> None:
    if Wave.objects.filter(pk=wave.pk).values_list("status", flat=True).first() != Wave.Status.OPEN:
        raise MailingError(_("Invitations and reminders can be sent only while the wave is open."))


# -- fan-out and the e-mail task ----------------------------------------------------------


def mail_queue(*, wave_id: int, kind: str, chunk: int = QUEUE_CHUNK) -> int:
    """Mark due invitations queued and enqueue one throttled e-mail task each. Returns how many."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    today = timezone.localdate()
    total = 0
    while True:
        with transaction.atomic():
            wave = Wave.objects.select_for_update().filter(pk=wave_id).first()
            if wave is None or wave.status != Wave.Status.OPEN:
                break
            due = invitations_due(wave) if kind == INVITATION else reminders_due(wave, today=today)
            ids = list(due.order_by("pk").values_list("pk", flat=True)[:chunk])
            if not ids:
                break
            Invitation.objects.filter(pk__in=ids).update(
                send_state=Queued, send_attempts=0, last_send_error=""
            )
            for pk, slot in zip(ids, email_slots(len(ids)), strict=True):
                _enqueue_send(pk, kind, slot)
        total += len(ids)
    return total


def mail_send_one(*, invitation_id: int, kind: str) -> str:
    """Send one queued e-mail if it is still due; record success, or retry, or give up."""
    today = timezone.localdate()
    invitation = (
        Invitation.objects.select_related("wave__instrument_version")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return SKIPPED
    if not _still_due(invitation, kind, today):
        Invitation.objects.filter(pk=invitation.pk, send_state=Queued).update(
            send_state=Idle, send_attempts=0
        )
        return SKIPPED
    attempt = invitation.send_attempts + 1
    Invitation.objects.filter(pk=invitation.pk).update(send_attempts=attempt)
    try:
        invitation_message(invitation, kind).send()
    except Exception as error:  # every failure is either retried or recorded: nothing is lost
        return _send_failed(invitation, kind, attempt, error)
    done: dict[str, Any] = {"send_state": Idle, "send_attempts": 0, "last_send_error": ""}
    if kind == INVITATION:
        done["sent_on"] = today
    else:
        done.update(reminded_on=today, reminder_count=F("reminder_count") + 1)
    Invitation.objects.filter(pk=invitation.pk).update(**done)
    return SENT


def _still_due(invitation: Invitation, kind: str, today: datetime.date) -> bool:
    if (
        invitation.send_state != Queued
        or invitation.status != Invitation.Status.PENDING
        or not invitation.email
        or not invitation.token_salt
        or invitation.wave.status != Wave.Status.OPEN
    ):
        return False
    if kind == INVITATION:
        return invitation.sent_on is None
    return invitation.sent_on is not None and invitation.reminded_on != today


def _send_failed(invitation: Invitation, kind: str, attempt: int, error: Exception) -> str:
    reason = _describe(error)
    if _is_permanent(error) or attempt >= settings.EMAIL_MAX_ATTEMPTS:
        Invitation.objects.filter(pk=invitation.pk).update(
            send_state=Failed, last_send_error=reason
        )
        logger.warning(
            "invitation %s: %s e-mail failed after %s attempt(s): %s",
            invitation.pk,
            kind,
            attempt,
            type(error).__name__,
        )
        return FAILED
    delay = min(
        datetime.timedelta(seconds=settings.EMAIL_RETRY_SECONDS * 2 ** (attempt - 1)),
        MAX_RETRY_DELAY,
    )
    with transaction.atomic():
        Invitation.objects.filter(pk=invitation.pk).update(last_send_error=reason)
        slot = email_slots(1, not_before=timezone.now() + delay)[0]
        _enqueue_send(invitation.pk, kind, slot)
    logger.info(
        "invitation %s: %s e-mail attempt %s failed; retrying", invitation.pk, kind, attempt
    )
    return RETRY


def _is_permanent(error: Exception) -> bool:
    """A refusal that sending again will not change: the server refused the address for good."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(
            code >= 500 for code, _message in error.recipients.values()
        )
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def _describe(error: Exception) -> str:
    # The server's reply without the address: the row already says who it was for.
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        code, message = next(iter(error.recipients.values()))
        text = f"SMTP {code} {_text(message)}"
    elif isinstance(error, smtplib.SMTPResponseException):
        text = f"SMTP {error.smtp_code} {_text(error.smtp_error)}"
    else:
        text = f"{type(error).__name__}: {error}"
    return text[:200]


def _text(message: bytes | str) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def _enqueue_send(invitation_id: int, kind: str, run_after: datetime.datetime | None) -> None:
    from surveys.tasks import send_invitation_email

    task = (
        send_invitation_email
        if run_after is None
        else send_invitation_email.using(run_after=run_after)
    )
    task.enqueue(invitation_id, kind)


def email_slots(
    count: int, *, not_before: datetime.datetime | None = None
) -> list[datetime.datetime | None]:
    """`count` send times, 60 / EMAIL_MAX_PER_MINUTE seconds apart, after every slot already given.

    The next free slot is one shared row, so the limit holds across waves,
    fan-outs and worker processes, and survives restarts. A retry whose
    backoff ends after the last given slot keeps its own time without
    pushing everyone else back. Backends that cannot defer (the immediate
    backend used in tests) get no slots.
    """
    from surveys.tasks import send_invitation_email

    if not send_invitation_email.get_backend().supports_defer:
        return [None] * count
    interval = datetime.timedelta(seconds=60 / settings.EMAIL_MAX_PER_MINUTE)
    now = timezone.now()
    with transaction.atomic():
        WorkerMark.objects.get_or_create(key=EMAIL_SLOT)
        mark = WorkerMark.objects.select_for_update().get(key=EMAIL_SLOT)
        next_free = max(now, mark.at or now)
        if not_before is not None and not_before >= next_free:
            return [not_before + interval * index for index in range(count)]
        start = max(next_free, not_before or next_free)
        mark.at = start + interval * count
        mark.save(update_fields=["at"])
    return [start + interval * index for index in range(count)]


def mail_requeue_stalled(
    *, now: datetime.datetime | None = None, stalled_after: datetime.timedelta = STALLED_AFTER
) -> int:
    """Recover from killed workers: fail their stuck tasks and re-enqueue what they carried.

    A task still RUNNING long after any e-mail could take belongs to a worker
    that died. Its fan-out is enqueued again (it only picks what is still
    due), and every invitation marked queued that no ready or running task
    covers gets a new e-mail task. Returns how many tasks were enqueued.
    """
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from surveys.tasks import send_invitation_email, send_invitations, send_reminders

    if not isinstance(send_invitation_email.get_backend(), DatabaseBackend):
        return 0
    now = now or timezone.now()
    send_path = send_invitation_email.module_path
    fanouts = {task.module_path: task for task in (send_invitations, send_reminders)}
    enqueued = 0
    with transaction.atomic():
        stalled = DBTaskResult.objects.running().filter(
            task_path__in=[send_path, *fanouts], started_at__lt=now - stalled_after
        )
        for result in stalled.select_for_update(skip_locked=True):
            result.status = "FAILED"
            result.finished_at = now
            result.exception_class_path = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"
            result.traceback = "The worker stopped while running this task; it was re-queued.\n"
            result.save(
                update_fields=["status", "finished_at", "exception_class_path", "traceback"]
            )
            if result.task_path in fanouts:
                fanouts[result.task_path].enqueue(*result.args_kwargs.get("args", []))
                enqueued += 1
        live = set()
        for args_kwargs in DBTaskResult.objects.filter(
            task_path=send_path, status__in=["READY", "RUNNING"]
        ).values_list("args_kwargs", flat=True):
            args = args_kwargs.get("args") or []
            if args:
                live.add(args[0])
        orphans = [
            (pk, INVITATION if sent_on is None else REMINDER)
            for pk, sent_on in Invitation.objects.filter(send_state=Queued).values_list(
                "pk", "sent_on"
            )
            if pk not in live
        ]
        for (pk, kind), slot in zip(orphans, email_slots(len(orphans)), strict=True):
            _enqueue_send(pk, kind, slot)
    if orphans or enqueued:
        logger.warning(
            "re-queued %s e-mail(s) and %s fan-out(s) after a lost worker", len(orphans), enqueued
        )
    return enqueued + len(orphans)


# -- the message --------------------------------------------------------------------------


def invitation_link(invitation: Invitation) -> str:
    """The one per-person thing in an e-mail: `{SITE_URL}/s/i/<token>/`."""
    return f"{settings.SITE_URL}/s/i/{invitation_token(invitation.token_salt)}/"


def invitation_message(invitation: Invitation, kind: str) -> EmailMultiAlternatives:
    """The e-mail in the invitation's language: subject, plain text and HTML, nothing remote."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    wave = invitation.wave
    language = invitation.language if invitation.language in EMAIL_LANGUAGES else "en"
    context = {
        "link": invitation_link(invitation),
        "wave": wave,
        "minutes": wave.instrument_version.parsed.estimated_minutes,
        "organization": settings.CONTINUUM_ORGANIZATION_NAME,
        "support": {
            "eap_name": settings.CONTINUUM_EAP_NAME,
            "eap_phone": settings.CONTINUUM_EAP_PHONE,
            "eap_url": settings.CONTINUUM_EAP_URL,
        },
        "language": language,
    }
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{kind}_subject.txt", context).split())
        text = render_to_string(f"emails/{kind}.txt", context).strip() + "\n"
        html = render_to_string(f"emails/{kind}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
        headers={"Auto-Submitted": "auto-generated", "Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    return message
