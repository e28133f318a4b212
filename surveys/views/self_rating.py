"""A leader rates themselves on CARES for a unit they lead. Not anonymous, by design."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from surveys.forms import SectionForm, section_initial
from surveys.instruments.encoding import decode_answers
from surveys.models import LeaderSelfRating, OrgUnit, Wave
from surveys.selectors import led_units, staff_wave, unit_in_wave
from surveys.services.self_ratings import (
    SelfRatingError,
    leader_self_rating_save,
    self_rating_editable,
)


def _wave_and_unit_or_404(request: HttpRequest, slug: str, unit_code: str) -> tuple[Wave, OrgUnit]:
    """Only a leader of this very unit, in a wave that covers it, gets past here."""
    wave = staff_wave(slug)
    if wave is None or wave.status == Wave.Status.DRAFT:
        raise Http404
    unit = led_units(user=request.user).filter(code=unit_code).first()
    if unit is None or not unit_in_wave(wave, unit):
        raise Http404
    return wave, unit


@never_cache
def self_rating(request: HttpRequest, slug: str, unit_code: str) -> HttpResponse:
    wave, unit = _wave_and_unit_or_404(request, slug, unit_code)
    definition = wave.instrument_version.parsed
    sections = definition.sections_of_kind("cares")
    if not sections:
        raise Http404
    section = sections[0]
    existing = LeaderSelfRating.objects.filter(wave=wave, user=request.user, unit=unit).first()
    answers = decode_answers(definition, bytes(existing.answers)) if existing else {}
    editable = self_rating_editable(wave)
    error, status = "", 200
    if request.method == "POST":
        form = SectionForm(section, request.POST, self_rating=True)
        if not editable:
            status = 403
        elif form.is_valid():
            try:
                leader_self_rating_save(
                    wave=wave, user=request.user, unit=unit, answers=form.answers()
                )
            except SelfRatingError as failure:
                error, status = str(failure.message), 400
            else:
                return redirect(f"{request.path}?saved=1")
        else:
            status = 400
    else:
        form = SectionForm(
            section, initial=section_initial(section, answers, set(), {}), self_rating=True
        )
    context = {
        "wave": wave,
        "unit": unit,
        "section": section,
        "form": form,
        "editable": editable,
        "existing": existing,
        "saved": request.GET.get("saved") == "1" and existing is not None,
        "error": error,
    }
    return render(request, "surveys/self_rating.html", context, status=status)
