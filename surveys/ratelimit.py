"""Limits on guessing: failed secret lookups and failed logins, per client and overall.

Secrets (invitation tokens: 256 bits; resume and receipt codes: 130 bits) cannot be
guessed anyway (README, "Security"); these limits stop enumeration noise and password
guessing, and keep a flood of guesses from costing database work.

- Only *failed* lookups count, so a person with a real link or code is never slowed
  down by their own success; once a limit is reached, every attempt in that scope
  gets the 429 page until the window ends, without a lookup.
- A client is known only by a keyed hash of its address: HMAC-SHA256 under
  SECRET_KEY and the current date, so the key changes every day and cannot be
  turned back into an address or linked across days. It lives only in the cache,
  for one window; it is never logged and never written to the database (unless the
  operator chooses the database as the cache, where it still expires with the window).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

SECRET = "secret"  # noqa: S105  (a scope name) invitation tokens, resume codes, receipt codes: one budget for all
LOGIN = "login"  # passwords and two-step codes

View = Callable[..., HttpResponse]


def client_address(request: HttpRequest) -> str:
    """The connection's address, or the one the trusted proxies saw (TRUSTED_PROXY_COUNT)."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")


def client_key(request: HttpRequest) -> str:
    """A keyed hash of the client's address that changes every day; never the address."""
    day = timezone.now().date().isoformat()
    message = f"continuum-ratelimit:{day}:{client_address(request)}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def _window() -> int:
    return int(time.time()) // settings.RATELIMIT_WINDOW_SECONDS


def _keys(request: HttpRequest, scope: str) -> tuple[str, str]:
    window = _window()
    return (
        f"ratelimit:{scope}:client:{client_key(request)}:{window}",
        f"ratelimit:{scope}:all:{window}",
    )


def over_limit(request: HttpRequest, scope: str) -> bool:
    """Whether this client, or everyone together, has failed too often in this window."""
    client, everyone = _keys(request, scope)
    counts = cache.get_many([client, everyone])
    return (
        counts.get(client, 0) >= settings.RATELIMIT_PER_CLIENT
        or counts.get(everyone, 0) >= settings.RATELIMIT_GLOBAL
    )


def record_failure(request: HttpRequest, scope: str) -> None:
    """Count one failed lookup or login for this client and for everyone."""
    timeout = settings.RATELIMIT_WINDOW_SECONDS + 5
    for key in _keys(request, scope):
        cache.add(key, 0, timeout=timeout)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=timeout)


def seconds_left() -> int:
    window = settings.RATELIMIT_WINDOW_SECONDS
    return window - int(time.time()) % window


def too_many_attempts(request: HttpRequest, scope: str) -> HttpResponse:
    """The kind 429 page: what happened, when to try again, and where support is."""
    minutes = max(1, -(-seconds_left() // 60))
    secret_in_path = request.path.startswith(("/s/i/", "/s/r/"))
    template = "accounts/too_many.html" if scope == LOGIN else "surveys/too_many.html"
    response = render(
        request,
        template,
        {
            "minutes": minutes,
            "no_referrer": secret_in_path,
            "language_next": "/s/support/" if secret_in_path else None,
        },
        status=429,
    )
    response["Retry-After"] = str(seconds_left())
    if secret_in_path:
        response["Referrer-Policy"] = "no-referrer"
    return response


def guess_limited(scope: str, *, methods: tuple[str, ...] = ("GET", "HEAD", "POST")) -> Any:
    """Refuse the view with 429 while this client (or everyone) is over the limit.

    The view itself calls `record_failure` where a lookup fails.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods and over_limit(request, scope):
                return too_many_attempts(request, scope)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
