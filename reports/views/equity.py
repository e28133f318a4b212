"""Organization-wide breakdowns by self-identification, for equity analysts only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reports.aggregation import WaveReport
from reports.pages import equity_page
from reports.viewers import Role, Viewer
from reports.views.common import report_or_404, viewer_or_403, wave_or_404
from surveys.models import Wave


def _equity_report_for(request: HttpRequest, slug: str) -> tuple[Viewer, Wave, WaveReport | None]:
    """Equity analysts only: leaders and HR admins get 403, like accounts without a role."""
    viewer = viewer_or_403(request, Role.ANALYST)
    wave = wave_or_404(slug, viewer)
    return viewer, wave, report_or_404(wave=wave, viewer=viewer, unit=None)


@require_GET
def equity(request: HttpRequest, slug: str) -> HttpResponse:
    viewer, wave, report = _equity_report_for(request, slug)
    if report is None:
        return render(request, "reports/not_released.html", {"wave": wave, "viewer": viewer})
    return render(
        request,
        "reports/equity.html",
        {"page": equity_page(report), "wave": wave, "thresholds": report.thresholds},
    )
