"""Ways into a survey: an invitation link, a resume link or code, and the open link.

Links that carry a secret (`/s/i/<token>/`, `/s/r/<code>/`) swap it into the
journey cookie and redirect at once to an address without it, so the secret
never stays in the address bar, the history, a Referer or an access log line
(the paths are also redacted from Django's logs, see `surveys.logfilters`).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from surveys import journey, ratelimit
from surveys.forms import CodeForm, UnitChoiceForm
from surveys.models import Invitation, OrgUnit, Wave
from surveys.selectors import unit_in_wave, wave_unit_choices
from surveys.services.drafts import DraftExpired, DraftNotFound, draft_load
from surveys.tokens import token_hash
from surveys.views.common import open_wave_or_unavailable, set_language_cookie, unavailable
from surveys.views.survey import welcome_page


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
@ratelimit.guess_limited(ratelimit.SECRET)
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    found = (
        Invitation.objects.select_related("wave")
        .filter(token_hash=token_hash(token))
        .only("status", "language", "wave__slug", "wave__status")
        .first()
    )
    if found is None:
        ratelimit.record_failure(request, ratelimit.SECRET)
        return unavailable(request, "unknown_link", secret_in_path=True)
    wave = found.wave
    if wave.status == Wave.Status.DRAFT:
        return unavailable(request, "not_open", wave=wave, secret_in_path=True)
    if wave.status != Wave.Status.OPEN:
        return unavailable(request, "closed", wave=wave, secret_in_path=True)
    if found.status == Invitation.Status.COMPLETED:
        return unavailable(request, "used", wave=wave, secret_in_path=True)

    current = journey.load(request, wave=wave.slug)
    keep = current is not None and current.token == token and not current.submitted
    response = redirect("surveys:welcome", slug=wave.slug)
    response["Referrer-Policy"] = "no-referrer"
    journey.save(
        response, current if keep and current else journey.Journey(wave=wave.slug, token=token)
    )
    if not keep:
        journey.clear_comments(response)
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        set_language_cookie(response, found.language)
    return response


def _resume(request: HttpRequest, code: str, *, secret_in_path: bool) -> HttpResponse:
    try:
        wave, state = draft_load(code=code)
    except DraftExpired:
        return unavailable(request, "expired_draft", secret_in_path=secret_in_path)
    except DraftNotFound:
        ratelimit.record_failure(request, ratelimit.SECRET)
        return unavailable(request, "unknown_draft", secret_in_path=secret_in_path)
    if wave.status != Wave.Status.OPEN:
        return unavailable(request, "closed", wave=wave, secret_in_path=secret_in_path)
    resumed = journey.Journey(
        wave=wave.slug,
        token=state.token,
        once_key=state.once_key,
        unit=state.unit,
        answers=state.answers,
        declined=frozenset(state.declined),
        reached=state.reached,
        resume_code=code,
    )
    response = redirect("surveys:page", slug=wave.slug, number=state.reached)
    response["Referrer-Policy"] = "no-referrer"
    journey.save(response, resumed)
    journey.save_comments(response, state.comments)
    return response


@login_not_required
@never_cache
@require_http_methods(["GET", "HEAD"])
@ratelimit.guess_limited(ratelimit.SECRET)
def resume_link(request: HttpRequest, code: str) -> HttpResponse:
    return _resume(request, code, secret_in_path=True)


def resume_code_form(data: object = None) -> CodeForm:
    return CodeForm(
        data,
        label=_("Resume code"),
        help_text=_("The code you got when you chose “Save and continue later”."),
    )


@login_not_required
@never_cache
@ratelimit.guess_limited(ratelimit.SECRET, methods=("POST",))
def resume(request: HttpRequest) -> HttpResponse:
    """Type a resume code instead of following the resume link (it never enters the address)."""
    form = resume_code_form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        return _resume(request, form.cleaned_data["code"], secret_in_path=False)
    return render(request, "surveys/resume.html", {"form": form})


@login_not_required
@never_cache
@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    """Begin answering: an invited person goes straight on; open-link staff choose their unit."""
    wave, problem = open_wave_or_unavailable(request, slug)
    if problem:
        return problem
    assert wave is not None
    current = journey.load(request, wave=slug)
    if current is not None and current.started:
        return redirect("surveys:page", slug=slug, number=current.reached)
    if not wave.open_link_enabled:
        return unavailable(request, "invitation_only", wave=wave)
    form = UnitChoiceForm(wave_unit_choices(wave), request.POST)
    unit = None
    if form.is_valid():
        unit = OrgUnit.objects.filter(code=form.cleaned_data["unit"]).first()
    if unit is None or not unit_in_wave(wave, unit):
        return welcome_page(request, wave, unit_form=form, status=400)
    response = redirect("surveys:page", slug=slug, number=1)
    journey.save(
        response,
        journey.Journey(wave=slug, once_key=secrets.token_urlsafe(24), unit=unit.pk),
    )
    journey.clear_comments(response)
    return response
