"""Who is looking at a report, and what part of the organization they may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models import OrgUnit
from surveys.selectors import led_units


class Role(models.TextChoices):
    LEADER = "leader", _("Leader")
    ANALYST = "analyst", _("Equity analyst")
    HR = "hr", _("HR admin")


@dataclass(frozen=True)
class Viewer:
    """A role and, for leaders, the units whose subtrees they lead."""

    role: str
    unit_paths: tuple[str, ...] = ()  # empty for organization-wide roles
    user_id: int | None = None

    @property
    def org_wide(self) -> bool:
        return self.role in (Role.ANALYST, Role.HR)

    @property
    def sees_breakdowns(self) -> bool:
        return self.role == Role.ANALYST

    def may_see(self, unit: OrgUnit) -> bool:
        return self.org_wide or any(unit.path.startswith(path) for path in self.unit_paths)


def viewer_for(user: object, role: str | None = None) -> Viewer:
    """The viewer a user acts as; `role` picks one when a person holds several."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied
    roles = []
    if getattr(user, "is_equity_analyst", False):
        roles.append(Role.ANALYST)
    if getattr(user, "is_hr_admin", False):
        roles.append(Role.HR)
    paths = tuple(led_units(user=user).values_list("path", flat=True))
    if paths:
        roles.append(Role.LEADER)
    if role is None:
        role = roles[0] if roles else None
    if role is None or role not in roles:
        raise PermissionDenied
    pk = getattr(user, "pk", None)
    if role == Role.LEADER:
        return Viewer(Role.LEADER, paths, pk)
    return Viewer(str(role), (), pk)


def leader_of(unit: OrgUnit) -> Viewer:
    """Exactly what a leader of `unit` may see (used by `export_report --unit`)."""
    return Viewer(Role.LEADER, (unit.path,))
