"""Withdrawing one's own response with the receipt code, while the wave is open."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from surveys import journey, ratelimit
from surveys.forms import CodeForm
from surveys.selectors import staff_wave
from surveys.services.responses import WithdrawalError, response_withdraw
from surveys.tokens import normalize_code
from surveys.views.common import unavailable


@login_not_required
@never_cache
@ratelimit.guess_limited(ratelimit.SECRET, methods=("POST",))
def withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    wave = staff_wave(slug)
    if wave is None or wave.status == wave.Status.DRAFT:
        return unavailable(request, "unknown_wave")
    form = CodeForm(
        request.POST if request.method == "POST" else None,
        label=_("Receipt code"),
        help_text=_("The code shown on your private result page, for example ABCDE-FGHJK-…"),
    )
    outcome = ""
    if not wave.is_open:
        outcome = "closed"
    elif request.method == "POST" and form.is_valid():
        try:
            withdrawn = response_withdraw(wave=wave, receipt_code=form.cleaned_data["code"])
        except WithdrawalError:
            withdrawn, outcome = False, "closed"
        else:
            outcome = "withdrawn" if withdrawn else "not_withdrawn"
            if not withdrawn:
                ratelimit.record_failure(request, ratelimit.SECRET)
    response = render(
        request, "surveys/withdraw.html", {"wave": wave, "form": form, "outcome": outcome}
    )
    current = journey.load(request, wave=slug)
    if (
        outcome == "withdrawn"
        and current is not None
        and current.receipt
        and normalize_code(current.receipt) == form.cleaned_data["code"]
    ):
        # The result belonged to the withdrawn response: forget it too.
        journey.clear(response)
    return response
