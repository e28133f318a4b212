"""Turn two-step sign-in off for an account whose phone is lost: `disable_two_factor NAME`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.two_factor import two_factor_disable


class Command(BaseCommand):
    help = "Remove an account's authenticator app, so it signs in with its password alone."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account is called {username!r}.")
        two_factor_disable(user=user, by="manage.py disable_two_factor")
        self.stdout.write(
            f"Two-step sign-in is off for {username}. They sign in with their password and "
            "can set up a new app at /accounts/two-step/."
        )
