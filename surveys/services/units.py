"""Writes to the organization tree. Only these functions set `OrgUnit.path`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from surveys.audit import audit
from surveys.csvrows import RowErrors
from surveys.models import PATH_SEPARATOR, Leadership, OrgUnit

User = get_user_model()


class UnitError(ValueError):
    pass


def _path_for(unit: OrgUnit, parent: OrgUnit | None) -> str:
    prefix = parent.path if parent else PATH_SEPARATOR
    return f"{prefix}{unit.pk}{PATH_SEPARATOR}"


@transaction.atomic
def unit_create(
    *, code: str, name: str, parent: OrgUnit | None = None, by: object = None
) -> OrgUnit:
    unit = OrgUnit(code=code, name=name, parent=parent)
    try:
        unit.full_clean(exclude=["path", "depth"])
    except ValidationError as error:
        raise UnitError(_format_validation(error)) from None
    unit.save()
    unit.path = _path_for(unit, parent)
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(update_fields=["path", "depth"])
    audit(by, "unit.create", unit, parent=parent.code if parent else None)
    return unit


@transaction.atomic
def unit_update(
    *,
    unit: OrgUnit,
    name: str | None = None,
    parent: OrgUnit | object | None = ...,
    by: object = None,
) -> OrgUnit:
    """Rename and/or move a unit; a move rewrites the whole subtree's paths in one statement."""
    # The caller's copy may be stale if an ancestor moved since it was loaded.
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    if isinstance(parent, OrgUnit):
        parent = OrgUnit.objects.get(pk=parent.pk)
    changes: dict[str, object] = {}
    if name is not None and name != unit.name:
        unit.name = name
        changes["name"] = name
    if parent is not ...:
        new_parent = parent if isinstance(parent, OrgUnit) else None
        if new_parent is not None and (new_parent.pk == unit.pk or unit.is_ancestor_of(new_parent)):
            raise UnitError(
                _("%(unit)s cannot be placed under %(parent)s: that would make a cycle.")
                % {"unit": unit.code, "parent": new_parent.code}
            )
        if (new_parent.pk if new_parent else None) != unit.parent_id:
            old_path, old_depth = unit.path, unit.depth
            unit.parent = new_parent
            new_path = _path_for(unit, new_parent)
            new_depth = new_parent.depth + 1 if new_parent else 0
            OrgUnit.objects.filter(path__startswith=old_path).update(
                path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
                depth=F("depth") + (new_depth - old_depth),
            )
            unit.path, unit.depth = new_path, new_depth
            changes["parent"] = new_parent.code if new_parent else None
    unit.full_clean(exclude=["path", "depth"])
    unit.save(update_fields=["name", "parent"])
    if changes:
        audit(by, "unit.update", unit, **changes)
    return unit


def leadership_assign(*, user: object, unit: OrgUnit, by: object = None) -> Leadership:
    leadership, created = Leadership.objects.get_or_create(user=user, unit=unit)
    if created:
        audit(by, "leadership.assign", unit, leader=str(user))
    return leadership


def leadership_remove(*, user: object, unit: OrgUnit, by: object = None) -> None:
    deleted, _detail = Leadership.objects.filter(user=user, unit=unit).delete()
    if deleted:
        audit(by, "leadership.remove", unit, leader=str(user))


@dataclass(frozen=True)
class UnitRow:
    line: int
    code: str
    name: str
    parent_code: str
    leader_email: str = ""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    leaders_assigned: int = 0


def units_import(*, rows: Iterable[UnitRow], by: object = None) -> ImportReport:
    """Create or update units from rows, all or nothing.

    Parents may appear later in the file or already exist. Every bad line is
    reported with its line number and nothing is written.
    """
    rows = list(rows)
    errors: list[str] = []
    existing = {unit.code: unit for unit in OrgUnit.objects.select_related("parent")}
    in_file: dict[str, UnitRow] = {}
    name_limit = OrgUnit._meta.get_field("name").max_length
    for row in rows:
        problems = []
        if not row.code:
            problems.append(_("code is empty"))
        elif row.code in in_file:
            problems.append(
                _("duplicate code %(code)s (first on line %(line)s)")
                % {"code": row.code, "line": in_file[row.code].line}
            )
        if not row.name:
            problems.append(_("name is empty"))
        elif len(row.name) > name_limit:
            problems.append(_("name is longer than %(limit)s characters") % {"limit": name_limit})
        try:
            OrgUnit._meta.get_field("code").run_validators(row.code)
        except ValidationError as error:
            problems.extend(str(message) for message in error.messages)
        if row.leader_email and not _is_email(row.leader_email):
            problems.append(
                _("leader_email %(email)s is not an e-mail address") % {"email": row.leader_email}
            )
        if problems:
            errors.append(
                _("line %(line)s: %(problems)s")
                % {"line": row.line, "problems": "; ".join(problems)}
            )
        else:
            in_file[row.code] = row
    for row in in_file.values():
        if row.parent_code and row.parent_code not in in_file and row.parent_code not in existing:
            errors.append(
                _("line %(line)s: unknown parent_code %(parent)s")
                % {"line": row.line, "parent": row.parent_code}
            )
    if not errors:
        errors.extend(_cycle_errors(in_file, existing))
    if errors:
        raise RowErrors(errors)

    report = ImportReport()
    with transaction.atomic():
        created: dict[str, OrgUnit] = {}
        # Create missing units first (as roots), then attach parents, so order in the file is free.
        for row in in_file.values():
            if row.code not in existing:
                created[row.code] = unit_create(code=row.code, name=row.name, parent=None, by=by)
                report.created += 1
        units = {**existing, **created}
        for row in _parents_first(in_file):
            unit = units[row.code]
            unit.refresh_from_db()
            parent = units[row.parent_code] if row.parent_code else None
            if parent is not None:
                parent.refresh_from_db()
            moved = (parent.pk if parent else None) != unit.parent_id
            renamed = row.name != unit.name
            if moved or renamed:
                unit_update(unit=unit, name=row.name, parent=parent, by=by)
                if row.code not in created:
                    report.updated += 1
            if row.leader_email:
                leader = _leader_for_email(row.leader_email)
                if not Leadership.objects.filter(user=leader, unit=unit).exists():
                    leadership_assign(user=leader, unit=unit, by=by)
                    report.leaders_assigned += 1
        audit(by, "units.import", None, created=report.created, updated=report.updated)
    return report


def _parents_first(rows: dict[str, UnitRow]) -> list[UnitRow]:
    ordered: list[UnitRow] = []
    placed: set[str] = set()

    def place(code: str) -> None:
        if code in placed or code not in rows:
            return
        parent = rows[code].parent_code
        if parent:
            place(parent)
        placed.add(code)
        ordered.append(rows[code])

    for code in rows:
        place(code)
    return ordered


def _cycle_errors(rows: dict[str, UnitRow], existing: dict[str, OrgUnit]) -> list[str]:
    def parent_of(code: str) -> str:
        if code in rows:
            return rows[code].parent_code
        unit = existing.get(code)
        return unit.parent.code if unit and unit.parent_id else ""  # type: ignore[union-attr]

    errors = []
    for code, row in rows.items():
        seen = {code}
        current = parent_of(code)
        while current:
            if current in seen:
                errors.append(
                    _("line %(line)s: %(code)s would be its own ancestor (a cycle)")
                    % {"line": row.line, "code": code}
                )
                break
            seen.add(current)
            current = parent_of(current)
    return errors


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _leader_for_email(email: str) -> object:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(username=email.lower(), email=email.lower())
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _format_validation(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
    return "; ".join(error.messages)
