"""The wave checklist: what the PHSA survey taught about running a wave well.

Leaders engaged early, time and resources planned, confidentiality made
unquestionable, results released and visibly acted upon (DOMAIN.md §3). Each
step belongs to a stage of the wave; ticking one records who and on which
day, and is audited. The checklist guides; it never blocks a transition.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.audit import audit
from surveys.models import Wave, WaveChecklistItem

Key = WaveChecklistItem.Key
Status = Wave.Status


class ChecklistError(ValueError):
    pass


@dataclass(frozen=True)
class ChecklistStep:
    stage: str
    key: str
    help: Promise

    @property
    def label(self) -> str:
        return str(Key(self.key).label)


CHECKLIST: tuple[ChecklistStep, ...] = (
    ChecklistStep(
        Status.DRAFT,
        Key.LEADERS_BRIEFED,
        gettext_lazy(
            "Leaders of the units in scope know the dates, the purpose and what they will "
            "and will not see, and will encourage their teams without pressure."
        ),
    ),
    ChecklistStep(
        Status.DRAFT,
        Key.TIME_PLANNED,
        gettext_lazy(
            "Staff have protected time during paid hours to answer, and the wave stays open "
            "long enough for every shift."
        ),
    ),
    ChecklistStep(
        Status.DRAFT,
        Key.PRIVACY_NOTICE_REVIEWED,
        gettext_lazy(
            "You have read the privacy notice staff will see and it matches this wave's "
            "settings and thresholds."
        ),
    ),
    ChecklistStep(
        Status.DRAFT,
        Key.ROSTER_CHECKED,
        gettext_lazy(
            "The roster covers everyone in scope, in the right unit and language, or the "
            "open link is turned on."
        ),
    ),
    ChecklistStep(
        Status.OPEN,
        Key.REMINDERS_PLANNED,
        gettext_lazy(
            "Reminder days are planned (for example after one and two weeks); reminders go "
            "only to invitations not yet used."
        ),
    ),
    ChecklistStep(
        Status.RELEASED,
        Key.RESULTS_RELEASED,
        gettext_lazy(
            "Leaders have been told their reports are available and how to read them, "
            "including why some groups are hidden."
        ),
    ),
    ChecklistStep(
        Status.RELEASED,
        Key.ACTIONS_DUE,
        gettext_lazy(
            "Each leader has a due date to share an action plan with their team: trust grows "
            "only when staff see what changed."
        ),
    ),
)
STEPS = {step.key: step for step in CHECKLIST}


@dataclass
class ChecklistRow:
    step: ChecklistStep
    done: WaveChecklistItem | None


@dataclass
class ChecklistStage:
    stage: str
    label: str
    rows: list[ChecklistRow] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return sum(1 for row in self.rows if row.done is None)


def checklist_for(wave: Wave) -> list[ChecklistStage]:
    """Every stage with its steps and whether (and by whom, on which day) each was done."""
    done = {item.key: item for item in WaveChecklistItem.objects.filter(wave=wave)}
    stages = [ChecklistStage(value, str(label)) for value, label in Status.choices]
    by_stage = {stage.stage: stage for stage in stages}
    for step in CHECKLIST:
        by_stage[step.stage].rows.append(ChecklistRow(step, done.get(step.key)))
    return stages


@transaction.atomic
def checklist_tick(*, wave: Wave, key: str, by: object) -> WaveChecklistItem:
    """Record a step as done today by `by` (ticking twice keeps the first record)."""
    if key not in STEPS:
        raise ChecklistError(_("Unknown checklist step."))
    user = by if getattr(by, "is_authenticated", False) else None
    item, created = WaveChecklistItem.objects.get_or_create(
        wave=wave,
        key=key,
        defaults={
            "done_on": timezone.localdate(),
            "done_by": user,
            "done_by_name": (user.get_username() if user else str(by or "system"))[:150],
        },
    )
    if created:
        audit(by, "checklist.done", wave, step=key)
    return item


@transaction.atomic
def checklist_untick(*, wave: Wave, key: str, by: object) -> None:
    if key not in STEPS:
        raise ChecklistError(_("Unknown checklist step."))
    deleted, _detail = WaveChecklistItem.objects.filter(wave=wave, key=key).delete()
    if deleted:
        audit(by, "checklist.undone", wave, step=key)
