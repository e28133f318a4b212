"""Reads that enforce who may see what. Views never filter by ownership themselves."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from surveys.models import Invitation, Leadership, OrgUnit, Wave
from surveys.tokens import token_hash


def subtree(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The unit and everything below it, in one indexed prefix query."""
    return OrgUnit.objects.filter(path__startswith=unit.path)


def subtrees(units: list[OrgUnit] | QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    condition = Q(pk__in=[])
    for unit in units:
        condition |= Q(path__startswith=unit.path)
    return OrgUnit.objects.filter(condition)


def ancestors(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The unit's ancestors, root first (one query)."""
    ids = [int(part) for part in unit.path.strip("/").split("/")[:-1] if part]
    return OrgUnit.objects.filter(pk__in=ids).order_by("depth")


def is_org_wide(user: object) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (getattr(user, "is_hr_admin", False) or getattr(user, "is_equity_analyst", False))
    )


def led_units(*, user: object) -> QuerySet[OrgUnit]:
    if not getattr(user, "is_authenticated", False):
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(leaderships__user=user).distinct()


def units_visible_to(*, user: object) -> QuerySet[OrgUnit]:
    """Units whose aggregates a user may see: led subtrees, or everything for org-wide roles."""
    if is_org_wide(user):
        return OrgUnit.objects.all()
    return subtrees(list(led_units(user=user)))


def unit_visible_to(*, user: object, unit: OrgUnit) -> bool:
    if is_org_wide(user):
        return True
    return Leadership.objects.filter(user=user, unit__path__in=_path_prefixes(unit.path)).exists()


def _path_prefixes(path: str) -> list[str]:
    parts = [part for part in path.strip("/").split("/") if part]
    return ["/" + "/".join(parts[: index + 1]) + "/" for index in range(len(parts))]


def wave_scope(wave: Wave) -> QuerySet[OrgUnit]:
    """All units a wave covers: the chosen units and everything below them."""
    return subtrees(list(wave.units.all()))


def wave_scope_ids(wave: Wave) -> set[int]:
    return set(wave_scope(wave).values_list("pk", flat=True))


def unit_in_wave(wave: Wave, unit: OrgUnit) -> bool:
    return any(unit.path.startswith(root.path) for root in wave.units.all())


def staff_wave(slug: str) -> Wave | None:
    """The wave behind a staff-facing address, with its instrument (any status).

    The instrument's document is left unread: `parsed` reads it only the first
    time a process meets that version.
    """
    return (
        Wave.objects.select_related("instrument_version")
        .defer("instrument_version__definition")
        .filter(slug=slug)
        .first()
    )


def wave_unit_choices(wave: Wave) -> list[tuple[str, list[tuple[str, str]]]]:
    """The wave's units for the open link's unit picker, grouped under their top-level unit.

    Each group is a unit directly below one of the wave's chosen units (or the
    chosen unit itself when it has nothing below it); labels show the path so
    two teams with the same name can be told apart.
    """
    units = list(wave_scope(wave).order_by("path"))
    by_id = {unit.pk: unit for unit in units}
    roots = {unit.pk for unit in wave.units.all()}
    groups: dict[int, list[tuple[str, str]]] = {}
    titles: dict[int, str] = {}
    for unit in units:
        ids = [int(part) for part in unit.path.strip("/").split("/") if part]
        chain = [by_id[pk] for pk in ids if pk in by_id]
        root_index = next(index for index, member in enumerate(chain) if member.pk in roots)
        below = chain[root_index + 1 :]
        head = below[0] if below else chain[root_index]
        titles.setdefault(head.pk, head.name)
        label = " › ".join(member.name for member in below[1:]) or head.name
        groups.setdefault(head.pk, []).append((unit.code, label))
    return [(titles[pk], options) for pk, options in groups.items()]


def respondent_unit(wave: Wave, current: object) -> OrgUnit | None:
    """The unit a respondent's journey belongs to: their invitation's, or the one they chose."""
    token = getattr(current, "token", None)
    if token:
        invitation = (
            Invitation.objects.select_related("unit")
            .filter(wave=wave, token_hash=token_hash(token))
            .first()
        )
        return invitation.unit if invitation else None
    unit_id = getattr(current, "unit", None)
    return OrgUnit.objects.filter(pk=unit_id).first() if unit_id else None


def self_rating_targets(*, user: object) -> list[tuple[Wave, OrgUnit]]:
    """(wave, unit) pairs a leader may rate themselves for: led units in open or closed waves."""
    units = list(led_units(user=user))
    if not units:
        return []
    targets = []
    waves = Wave.objects.filter(status__in=[Wave.Status.OPEN, Wave.Status.CLOSED]).prefetch_related(
        "units"
    )
    for wave in waves:
        targets.extend((wave, unit) for unit in units if unit_in_wave(wave, unit))
    return targets
