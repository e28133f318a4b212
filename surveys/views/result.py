"""The private self-assessment result, shown only from the respondent's own journey cookie."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from surveys import journey
from surveys.personal_result import BAR_WIDTH, BAR_X, SVG_WIDTH, personal_result
from surveys.selectors import staff_wave
from surveys.views.common import unavailable


@login_not_required
@never_cache
def result(request: HttpRequest, slug: str) -> HttpResponse:
    wave = staff_wave(slug)
    if wave is None:
        return unavailable(request, "unknown_wave")
    current = journey.load(request, wave=slug)
    if current is None or not current.submitted:
        return unavailable(request, "no_result", wave=wave)
    definition = wave.instrument_version.parsed
    context = {
        "wave": wave,
        "definition": definition,
        "result": personal_result(definition, current.score_values(definition)),
        "receipt": current.receipt,
        "already": request.GET.get("already") == "1",
        "svg": {"width": SVG_WIDTH, "bar_x": BAR_X, "bar_width": BAR_WIDTH},
        "omitted_sections": [
            section for section in definition.sections if section.kind in ("cares", "workplace")
        ],
    }
    return render(request, "surveys/result.html", context)
