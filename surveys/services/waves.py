"""The survey wave lifecycle: draft → open → closed → reports released → archived."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys.audit import audit
from surveys.models import MIN_GROUP_SIZE_FLOOR, InstrumentVersion, Invitation, OrgUnit, Wave
from surveys.services.drafts import drafts_purge
from surveys.services.responses import responses_scrub_storage

Status = Wave.Status

TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.OPEN,),
    Status.OPEN: (Status.CLOSED,),
    Status.CLOSED: (Status.OPEN, Status.RELEASED, Status.ARCHIVED),
    Status.RELEASED: (Status.ARCHIVED,),
    Status.ARCHIVED: (),
}
THRESHOLD_FIELDS = ("min_group_size", "min_comment_group_size", "min_equity_group_size")


class WaveError(ValueError):
    pass


def _validate(wave: Wave) -> None:
    try:
        wave.full_clean(exclude=["units"])
    except ValidationError as error:
        messages = []
        for field, errors in error.message_dict.items():
            label = field if field == "__all__" else str(Wave._meta.get_field(field).verbose_name)
            messages.append(f"{label}: {' '.join(errors)}")
        raise WaveError("; ".join(messages)) from None


@transaction.atomic
def wave_create(
    *,
    slug: str,
    name: str,
    instrument_version: InstrumentVersion,
    units: Iterable[OrgUnit],
    opens_on: datetime.date | None = None,
    closes_on: datetime.date | None = None,
    open_link_enabled: bool = False,
    min_group_size: int | None = None,
    min_comment_group_size: int | None = None,
    min_equity_group_size: int | None = None,
    by: object = None,
) -> Wave:
    wave = Wave(
        slug=slug,
        name=name,
        instrument_version=instrument_version,
        opens_on=opens_on,
        closes_on=closes_on,
        open_link_enabled=open_link_enabled,
    )
    for field, value in zip(
        THRESHOLD_FIELDS,
        (min_group_size, min_comment_group_size, min_equity_group_size),
        strict=True,
    ):
        if value is not None:
            setattr(wave, field, value)
    _check_floor(wave)
    _validate(wave)
    wave.save()
    units = list(units)
    if not units:
        raise WaveError(_("Choose at least one unit for the wave."))
    wave.units.set(units)
    audit(by, "wave.create", wave, units=[unit.code for unit in units], **_thresholds(wave))
    return wave


def _thresholds(wave: Wave) -> dict[str, int]:
    return {field: getattr(wave, field) for field in THRESHOLD_FIELDS}


def _check_floor(wave: Wave) -> None:
    for field in THRESHOLD_FIELDS:
        if getattr(wave, field) < MIN_GROUP_SIZE_FLOOR:
            raise WaveError(
                _("%(field)s cannot be below %(floor)s.")
                % {"field": Wave._meta.get_field(field).verbose_name, "floor": MIN_GROUP_SIZE_FLOOR}
            )


@transaction.atomic
def wave_update_thresholds(
    *,
    wave: Wave,
    min_group_size: int | None = None,
    min_comment_group_size: int | None = None,
    min_equity_group_size: int | None = None,
    by: object = None,
) -> Wave:
    """Change thresholds. Once a wave has opened they can be raised but never lowered."""
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    before = _thresholds(wave)
    requested = dict(
        zip(
            THRESHOLD_FIELDS,
            (min_group_size, min_comment_group_size, min_equity_group_size),
            strict=True,
        )
    )
    for field, value in requested.items():
        if value is None:
            continue
        if wave.thresholds_locked and value < before[field]:
            raise WaveError(
                _("%(field)s cannot be lowered once the wave has opened (it is %(current)s).")
                % {"field": Wave._meta.get_field(field).verbose_name, "current": before[field]}
            )
        setattr(wave, field, value)
    _check_floor(wave)
    _validate(wave)
    after = _thresholds(wave)
    if after != before:
        wave.save(update_fields=list(THRESHOLD_FIELDS))
        audit(by, "wave.thresholds", wave, before=before, after=after)
    return wave


@transaction.atomic
def wave_update(
    *,
    wave: Wave,
    name: str | None = None,
    opens_on: datetime.date | None = None,
    closes_on: datetime.date | None = None,
    open_link_enabled: bool | None = None,
    units: Iterable[OrgUnit] | None = None,
    instrument_version: InstrumentVersion | None = None,
    by: object = None,
) -> Wave:
    """Edit a wave's settings. Scope and instrument are fixed once it has opened."""
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    changes: dict[str, object] = {}
    if (units is not None or instrument_version is not None) and wave.status != Status.DRAFT:
        raise WaveError(
            _("The units and the instrument of a wave cannot change once it has opened.")
        )
    for field, value in (
        ("name", name),
        ("opens_on", opens_on),
        ("closes_on", closes_on),
        ("open_link_enabled", open_link_enabled),
        ("instrument_version", instrument_version),
    ):
        if value is not None and getattr(wave, field) != value:
            setattr(wave, field, value)
            changes[field] = str(value)
    _validate(wave)
    wave.save()
    if units is not None:
        units = list(units)
        if not units:
            raise WaveError(_("Choose at least one unit for the wave."))
        wave.units.set(units)
        changes["units"] = [unit.code for unit in units]
    if changes:
        audit(by, "wave.update", wave, **changes)
    return wave


def wave_open_problems(wave: Wave) -> list[str]:
    """What stops a draft wave from opening, in words an HR admin can act on."""
    problems = []
    if wave.instrument_version_id is None:
        problems.append(_("Choose an instrument."))
    if not wave.units.exists():
        problems.append(_("Choose the units in scope."))
    if not wave.open_link_enabled and not Invitation.objects.filter(wave=wave).exists():
        problems.append(_("Import a roster or turn on the open link."))
    if wave.closes_on and wave.closes_on < timezone.localdate():
        problems.append(_("The closing date is in the past."))
    return problems


@transaction.atomic
def wave_set_status(*, wave: Wave, status: str, by: object = None) -> Wave:
    """Move a wave along its lifecycle, refusing transitions that make no sense."""
    wave = Wave.objects.select_for_update().get(pk=wave.pk)
    current = wave.status
    if status == current:
        return wave
    if status not in Status.values:
        raise WaveError(_("Unknown status %(status)s.") % {"status": status})
    if status not in TRANSITIONS[current]:
        raise WaveError(
            _("A wave cannot go from %(current)s to %(target)s.")
            % {"current": Status(current).label, "target": Status(status).label}
        )
    if status == Status.OPEN:
        problems = wave_open_problems(wave)
        if problems:
            raise WaveError(" ".join(problems))
        if wave.opens_on is None or wave.opens_on > timezone.localdate():
            wave.opens_on = timezone.localdate()
    if status == Status.CLOSED and (
        wave.closes_on is None or wave.closes_on > timezone.localdate()
    ):
        wave.closes_on = timezone.localdate()
    wave.status = status
    wave.save(update_fields=["status", "opens_on", "closes_on"])
    if status == Status.CLOSED:
        # Nobody can submit any more: drafts in progress would only keep secrets around.
        drafts_purge(wave=wave)
        responses_scrub_storage(wave=wave)
    if status == Status.OPEN and current == Status.CLOSED:
        from reports.stats import wave_stats_forget

        wave_stats_forget(wave)  # responses may change again
    if status == Status.RELEASED:
        from reports.tasks import warm_wave_stats

        transaction.on_commit(lambda: warm_wave_stats.enqueue(wave.pk))
    audit(by, f"wave.{status}", wave, previous=current, **_thresholds(wave))
    return wave
