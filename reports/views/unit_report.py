"""A unit's report for one wave: the page a leader reads in ten minutes."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reports.aggregation import WaveReport
from reports.viewers import Viewer
from reports.views.common import (
    build_page,
    focus_unit,
    report_or_404,
    unit_or_none_404,
    unit_report_context,
    viewer_or_403,
    wave_or_404,
)
from surveys.models import Wave


def _report_for(
    request: HttpRequest, slug: str, code: str | None
) -> tuple[Viewer, Wave, WaveReport | None]:
    """403 without a reporting role; 404 for a wave or unit outside the viewer's units."""
    viewer = viewer_or_403(request)
    wave = wave_or_404(slug, viewer)
    unit = unit_or_none_404(code)
    if unit is not None and not viewer.may_see(unit):
        raise Http404
    return viewer, wave, report_or_404(wave=wave, viewer=viewer, unit=unit)


@require_GET
def unit_report(request: HttpRequest, slug: str, code: str | None = None) -> HttpResponse:
    viewer, wave, report = _report_for(request, slug, code)
    if report is None:
        return render(request, "reports/not_released.html", {"wave": wave, "viewer": viewer})
    unit = focus_unit(report)
    context = unit_report_context(
        page=build_page(report, unit), viewer=viewer, user=request.user, unit=unit
    )
    return render(request, "reports/unit_report.html", context)
