"""Session rules for accounts: expiry (absolute and idle) and the two-step sign-in.

Staff answering surveys have no account and no session; none of this touches them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accounts.two_factor import two_factor_enabled

SIGNED_IN_AT = "accounts_signed_in_at"
SEEN_AT = "accounts_seen_at"
# The last-seen time is written at most this often, so most requests save no session.
SEEN_PRECISION = 60


def stamp_signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_in receiver: the session's clock starts at signing in."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now


class SessionExpiryMiddleware:
    """Sign an account out SESSION_COOKIE_AGE after signing in, or after
    SESSION_IDLE_SECONDS without a request, whichever comes first.

    Django's own expiry moves forward whenever the session is saved, so both limits
    are kept here, server-side, from two timestamps in the session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    @staticmethod
    def _check(request: HttpRequest) -> None:
        now = int(time.time())
        session = request.session
        signed_in = session.get(SIGNED_IN_AT)
        seen = session.get(SEEN_AT, signed_in)
        if signed_in is None or seen is None:
            session[SIGNED_IN_AT] = session[SEEN_AT] = now
        elif (
            now - signed_in >= settings.SESSION_COOKIE_AGE
            or now - seen >= settings.SESSION_IDLE_SECONDS
        ):
            logout(request)
            messages.info(
                request,
                _(
                    "You were signed out to protect your account: sessions end after a "
                    "while without activity, and some hours after signing in."
                ),
            )
        elif now - seen >= SEEN_PRECISION:
            session[SEEN_AT] = now


class SecondFactorMiddleware:
    """An account with two-step sign-in is signed out unless this session passed the code.

    The sign-in page never signs such an account in before the code, so this catches
    sessions started any other way (an older session from before the app was set up,
    or a sign-in path that asks for a password only).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not user.is_verified() and two_factor_enabled(user):
            logout(request)
            messages.info(
                request,
                _("Please sign in again with your password and the code from your app."),
            )
        return self.get_response(request)
