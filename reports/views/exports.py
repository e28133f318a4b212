"""Downloads of a report page (CSV, XLSX, PDF), with the page's own access rules."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reports.aggregation import WaveReport
from reports.pages import equity_page
from reports.selectors import actions_for_unit
from reports.services.exports import ExportFile, ExportRefused, report_export
from reports.viewers import Role
from reports.views.common import (
    build_page,
    focus_unit,
    report_or_404,
    unit_or_none_404,
    viewer_or_403,
    wave_or_404,
)


def unit_report_for(request: HttpRequest, slug: str, code: str | None) -> WaveReport:
    """Exactly the unit report page's rules; a report not released yet has nothing to export."""
    viewer = viewer_or_403(request)
    wave = wave_or_404(slug, viewer)
    unit = unit_or_none_404(code)
    if unit is not None and not viewer.may_see(unit):
        raise Http404
    report = report_or_404(wave=wave, viewer=viewer, unit=unit)
    if report is None:
        raise Http404
    return report


def equity_report_for(request: HttpRequest, slug: str) -> WaveReport:
    viewer = viewer_or_403(request, Role.ANALYST)
    report = report_or_404(wave=wave_or_404(slug, viewer), viewer=viewer, unit=None)
    if report is None:
        raise Http404
    return report


def _download(export: ExportFile) -> HttpResponse:
    if export.streams:
        response: HttpResponse = StreamingHttpResponse(
            export.content, content_type=export.content_type
        )
    else:
        response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _refused(request: HttpRequest, error: ExportRefused) -> HttpResponse:
    return render(request, "reports/export_refused.html", {"error": error}, status=409)


@require_GET
def unit_export(request: HttpRequest, slug: str, fmt: str, code: str | None = None) -> HttpResponse:
    report = unit_report_for(request, slug, code)
    unit = focus_unit(report)
    actions = (
        list(actions_for_unit(wave=report.wave, unit=unit, published_only=True)) if unit else []
    )
    try:
        export = report_export(
            page=build_page(report, unit),
            fmt=fmt,
            by=request.user,
            base_url=request.build_absolute_uri("/"),
            actions=actions,
        )
    except ExportRefused as error:
        return _refused(request, error)
    return _download(export)


@require_GET
def equity_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    report = equity_report_for(request, slug)
    try:
        export = report_export(
            page=equity_page(report),
            fmt=fmt,
            by=request.user,
            base_url=request.build_absolute_uri("/"),
        )
    except ExportRefused as error:
        return _refused(request, error)
    return _download(export)
