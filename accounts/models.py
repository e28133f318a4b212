from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person with an account: leaders, equity analysts and HR admins.

    Staff who answer surveys never have accounts; nothing here is ever joined
    to a response.
    """

    is_hr_admin = models.BooleanField(
        _("HR admin"),
        default=False,
        help_text=_("Runs survey waves and manages units; never sees individual answers."),
    )
    is_equity_analyst = models.BooleanField(
        _("equity analyst"),
        default=False,
        help_text=_("Sees organization-wide breakdowns by self-identification."),
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=[("en", "English"), ("fr", "Français")],
        default="en",
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username
