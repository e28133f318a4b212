"""Action plans ("you said, we did"): the only writes to `ActionItem`.

Only HR admins and leaders of the unit (or of a unit above it) may write a
unit's plan; every function checks that itself, whatever the caller did.
Publishing makes an item visible to the unit's staff and schedules a
follow-up reminder to its leaders about a month later.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reports.aggregation import REPORTABLE
from reports.models import ActionItem
from reports.selectors import may_write_actions
from surveys.audit import audit
from surveys.models import Leadership, OrgUnit, Wave
from surveys.selectors import ancestors, unit_in_wave

logger = logging.getLogger(__name__)

FOLLOW_UP_DAYS = 30
FOLLOW_UP_HOUR = 9
EDITABLE_FIELDS = ("domain_code", "commitment", "owner_role", "due_on", "status")


def _check_writer(by: object, unit: OrgUnit) -> None:
    if not may_write_actions(user=by, unit=unit):
        raise PermissionDenied


def _clean(item: ActionItem) -> None:
    item.full_clean(exclude=["wave", "unit", "created_by"])


@transaction.atomic
def action_create(
    *,
    wave: Wave,
    unit: OrgUnit,
    by: object,
    commitment: str,
    owner_role: str,
    due_on: datetime.date,
    domain_code: str = "",
    status: str = ActionItem.Status.PLANNED,
) -> ActionItem:
    """Add a commitment to a unit's plan for a wave whose results are released."""
    _check_writer(by, unit)
    if wave.status not in REPORTABLE:
        raise ValidationError(_("Action plans start once the wave's results are released."))
    if not unit_in_wave(wave, unit):
        raise ValidationError(_("This unit is not part of the wave."))
    item = ActionItem(
        wave=wave,
        unit=unit,
        domain_code=domain_code,
        commitment=commitment.strip(),
        owner_role=owner_role.strip(),
        due_on=due_on,
        status=status,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    _clean(item)
    item.save()
    audit(by, "action.create", item, wave=wave.slug, unit=unit.code, domain=domain_code)
    return item


@transaction.atomic
def action_update(*, item: ActionItem, by: object, **changes: Any) -> ActionItem:
    """Change any of the commitment, area, owner role, due date and status."""
    _check_writer(by, item.unit)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"action_update() cannot change {', '.join(sorted(unknown))}")
    item = ActionItem.objects.select_for_update().select_related("wave", "unit").get(pk=item.pk)
    changed = {}
    for field, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(item, field) != value:
            setattr(item, field, value)
            changed[field] = str(value)
    if not changed:
        return item
    _clean(item)
    item.save()
    # The commitment text is not repeated in the log: the item itself holds it.
    if "commitment" in changed:
        changed["commitment"] = "changed"
    audit(by, "action.update", item, unit=item.unit.code, **changed)
    return item


@transaction.atomic
def action_publish(*, item: ActionItem, by: object, publish: bool = True) -> ActionItem:
    """Show the item to the unit's staff (or take it back), and schedule the follow-up."""
    _check_writer(by, item.unit)
    item = ActionItem.objects.select_for_update().select_related("wave", "unit").get(pk=item.pk)
    if publish == item.is_published:
        return item
    item.published_on = timezone.localdate() if publish else None
    item.save(update_fields=["published_on", "updated_on"])
    audit(by, "action.publish" if publish else "action.unpublish", item, unit=item.unit.code)
    if publish:
        transaction.on_commit(lambda: schedule_follow_up(item))
    return item


@transaction.atomic
def action_delete(*, item: ActionItem, by: object) -> None:
    _check_writer(by, item.unit)
    audit(by, "action.delete", item, unit=item.unit.code, was_published=item.is_published)
    item.delete()


# -- the follow-up reminder ------------------------------------------------------
def follow_up_due(item: ActionItem) -> datetime.date | None:
    if item.published_on is None:
        return None
    return item.published_on + datetime.timedelta(days=FOLLOW_UP_DAYS)


def schedule_follow_up(item: ActionItem) -> object | None:
    """Queue the follow-up reminder to run about a month after publishing.

    Backends that cannot defer a task (the immediate backend used in tests and
    development) are skipped rather than reminding at once.
    """
    from reports.tasks import action_follow_up

    due = follow_up_due(item)
    if due is None or not action_follow_up.get_backend().supports_defer:
        logger.info("follow-up for action %s not scheduled (no deferring backend)", item.pk)
        return None
    run_after = datetime.datetime.combine(
        due, datetime.time(FOLLOW_UP_HOUR), tzinfo=timezone.get_current_timezone()
    )
    return action_follow_up.using(run_after=run_after).enqueue(item.pk)


def follow_up_recipients(unit: OrgUnit) -> list[Any]:
    """The unit's leaders; when it has none, the leaders of the nearest unit above with some."""
    for candidate in [unit, *reversed(list(ancestors(unit)))]:
        leaders = [
            leadership.user
            for leadership in Leadership.objects.filter(unit=candidate, user__is_active=True)
            .select_related("user")
            .order_by("user__username")
            if leadership.user.email
        ]
        if leaders:
            return leaders
    return []


def action_follow_up_send(*, item_id: int, today: datetime.date | None = None) -> int:
    """E-mail the unit's leaders to update a published item that is not done; at most once.

    Returns how many e-mails were sent. Safe to run any number of times: an
    item that is gone, unpublished, done, not yet due, or already followed up
    is left alone.
    """
    today = today or timezone.localdate()
    item = ActionItem.objects.select_related("wave", "unit").filter(pk=item_id).first()
    if item is None or item.status == ActionItem.Status.DONE:
        return 0
    due = follow_up_due(item)
    if due is None or today < due:
        return 0
    claimed = ActionItem.objects.filter(pk=item.pk, follow_up_sent_on__isnull=True).update(
        follow_up_sent_on=today
    )
    if not claimed:
        return 0
    sent = 0
    for leader in follow_up_recipients(item.unit):
        subject, body = _follow_up_message(item, leader)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [leader.email])
        sent += 1
    audit("system", "action.follow_up", item, unit=item.unit.code, recipients=sent)
    return sent


def _follow_up_message(item: ActionItem, leader: Any) -> tuple[str, str]:
    """A bilingual message: the leader's preferred language first, then the other one."""
    from django.urls import reverse

    path = reverse("reports:actions", kwargs={"slug": item.wave.slug, "code": item.unit.code})
    first = leader.preferred_language if leader.preferred_language in ("en", "fr") else "en"
    languages = [first, "fr" if first == "en" else "en"]
    subjects, bodies = [], []
    for language in languages:
        with translation.override(language):
            context = {
                "item": item,
                "leader": leader,
                "link": settings.SITE_URL + path,
                "domain": item.domain_name(),
                "status": item.get_status_display(),
            }
            subjects.append(
                render_to_string("emails/action_follow_up_subject.txt", context).strip()
            )
            bodies.append(render_to_string("emails/action_follow_up.txt", context).strip())
    return " / ".join(subjects), "\n\n— — —\n\n".join(bodies) + "\n"
