from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class ContinuumUserAdmin(UserAdmin):
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "is_hr_admin",
        "is_equity_analyst",
    )
    list_filter = ("is_hr_admin", "is_equity_analyst", "is_staff", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            _("Continuum roles"),
            {"fields": ("is_hr_admin", "is_equity_analyst", "preferred_language")},
        ),
    )
