"""What every staff-journey view shares: finding the wave and the kind "not here" page."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from surveys.models import Wave
from surveys.selectors import staff_wave

# Why a page cannot be shown, and the HTTP status that goes with it.
UNAVAILABLE = {
    "unknown_link": 404,
    "used": 410,
    "not_open": 404,
    "closed": 410,
    "invitation_only": 200,
    "unknown_draft": 404,
    "expired_draft": 410,
    "no_result": 404,
    "unknown_wave": 404,
}


def unavailable(
    request: HttpRequest,
    reason: str,
    *,
    wave: Wave | None = None,
    secret_in_path: bool = False,
) -> HttpResponse:
    """A kind page that explains what happened and where to find support.

    `secret_in_path`: the address holds a token or resume code, so the page
    asks for no referrer and its language switch must not echo the address.
    """
    response = render(
        request,
        "surveys/unavailable.html",
        {
            "reason": reason,
            "wave": wave,
            "no_referrer": secret_in_path,
            "language_next": "/s/support/" if secret_in_path else None,
        },
        status=UNAVAILABLE[reason],
    )
    if secret_in_path:
        response["Referrer-Policy"] = "no-referrer"
    return response


def open_wave_or_unavailable(
    request: HttpRequest, slug: str
) -> tuple[Wave | None, HttpResponse | None]:
    """The open wave for `slug`, or the page explaining why it cannot be answered."""
    wave = staff_wave(slug)
    if wave is None:
        return None, unavailable(request, "unknown_wave")
    if wave.status == Wave.Status.DRAFT:
        return None, unavailable(request, "not_open", wave=wave)
    if wave.status != Wave.Status.OPEN:
        return None, unavailable(request, "closed", wave=wave)
    return wave, None


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """Remember a language choice the way Django's set_language view does."""
    if language not in dict(settings.LANGUAGES):
        return
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
