"""Access rules and page context shared by the report views."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from reports.aggregation import ReportUnavailable, UnitNotVisible, WaveReport, wave_report
from reports.charts import unit_report_charts
from reports.pages import UnitReportPage, unit_report_page
from reports.selectors import (
    actions_for_unit,
    cares_self_ratings,
    may_write_actions,
    visible_ancestors,
    wave_visible_to,
)
from reports.viewers import Viewer, viewer_for
from surveys.models import OrgUnit, Wave


def viewer_or_403(request: HttpRequest, role: str | None = None) -> Viewer:
    """The viewer the user acts as; PermissionDenied (403) without a reporting role."""
    return viewer_for(request.user, role)


def wave_or_404(slug: str, viewer: Viewer) -> Wave:
    """A wave the viewer has something to see in; drafts and other scopes answer 404."""
    wave = get_object_or_404(
        Wave.objects.select_related("instrument_version__instrument"), slug=slug
    )
    if not wave_visible_to(wave=wave, viewer=viewer):
        raise Http404
    return wave


def unit_or_none_404(code: str | None) -> OrgUnit | None:
    return get_object_or_404(OrgUnit, code=code) if code else None


def report_or_404(*, wave: Wave, viewer: Viewer, unit: OrgUnit | None) -> WaveReport | None:
    """The gate's report, None when not released to this viewer, 404 outside their units."""
    try:
        return wave_report(wave=wave, viewer=viewer, unit=unit)
    except ReportUnavailable:
        return None
    except UnitNotVisible:
        raise Http404 from None


def focus_unit(report: WaveReport) -> OrgUnit | None:
    """The focus as a unit row (None for the virtual root of a wave over several trees)."""
    unit_id = report.focus.unit_id
    return OrgUnit.objects.filter(pk=unit_id).first() if unit_id is not None else None


def build_page(report: WaveReport, unit: OrgUnit | None) -> UnitReportPage:
    ratings = cares_self_ratings(wave=report.wave, unit=unit) if unit is not None else {}
    return unit_report_page(report, self_ratings=ratings)


def unit_report_context(
    *, page: UnitReportPage, viewer: Viewer, user: Any, unit: OrgUnit | None
) -> dict[str, Any]:
    """Everything the unit report template and its PDF twin need."""
    may_write = unit is not None and may_write_actions(user=user, unit=unit)
    actions = (
        list(actions_for_unit(wave=page.wave, unit=unit, published_only=not may_write))
        if unit is not None
        else []
    )
    return {
        "page": page,
        "report": page.report,
        "wave": page.wave,
        "viewer": viewer,
        "unit": unit,
        "charts": unit_report_charts(page),
        "thresholds": page.report.thresholds,
        "breadcrumbs": visible_ancestors(unit=unit, viewer=viewer) if unit is not None else [],
        "may_write": may_write,
        "actions": actions,
    }
