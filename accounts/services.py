"""Role changes for accounts."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts.models import User

HR_GROUP = "HR admins"
# What the Django admin lets an HR admin touch. Responses are not in the admin at all.
HR_PERMISSIONS = {
    "surveys": ("orgunit", "leadership", "instrument", "instrumentversion", "wave"),
    "accounts": ("user",),
}


def hr_group() -> Group:
    group, _created = Group.objects.get_or_create(name=HR_GROUP)
    codenames = [
        f"{action}_{model}"
        for models in HR_PERMISSIONS.values()
        for model in models
        for action in ("add", "change", "delete", "view")
    ]
    codenames.append("view_auditentry")
    permissions = Permission.objects.filter(
        content_type__app_label__in=HR_PERMISSIONS.keys(), codename__in=codenames
    )
    group.permissions.set(permissions)
    return group


@transaction.atomic
def user_make_hr_admin(*, user: User) -> User:
    """Give a user the HR admin role, including the Django admin for units, leaders and waves."""
    user.is_hr_admin = True
    user.is_staff = True
    user.save(update_fields=["is_hr_admin", "is_staff"])
    user.groups.add(hr_group())
    return user
