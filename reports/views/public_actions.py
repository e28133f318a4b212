"""The staff page "You said, we did": published actions for one unit, no login.

Reached from the wave's link. It shows what leaders published for this unit
and the units above it, never another unit's plan and never a draft item.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from reports.selectors import published_actions_for
from surveys.models import OrgUnit, Wave
from surveys.selectors import unit_in_wave


def _wave_unit_or_404(slug: str, code: str) -> tuple[Wave, OrgUnit]:
    """Any wave past its draft, and a unit in its scope; anything else is 404."""
    wave = get_object_or_404(
        Wave.objects.exclude(status=Wave.Status.DRAFT).select_related("instrument_version"),
        slug=slug,
    )
    unit = get_object_or_404(OrgUnit, code=code)
    if not unit_in_wave(wave, unit):
        raise Http404
    return wave, unit


@login_not_required
@require_GET
def unit_actions(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    wave, unit = _wave_unit_or_404(slug, code)
    items = list(published_actions_for(wave=wave, unit=unit))
    return render(
        request,
        "reports/public_actions.html",
        {"wave": wave, "unit": unit, "items": items},
    )
