"""PDF downloads, prepared by the worker: ask, follow the progress, download.

Asking goes through exactly the report page's access rules; the progress
page and the file exist only for the person who asked (404 for anyone else).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from reports.models import ReportRender
from reports.selectors import render_of
from reports.services.renders import KEEP, render_request
from reports.views.common import focus_unit
from reports.views.exports import equity_report_for, unit_report_for


@require_POST
def unit_pdf(request: HttpRequest, slug: str, code: str | None = None) -> HttpResponse:
    report = unit_report_for(request, slug, code)
    prepared = render_request(user=request.user, wave=report.wave, unit=focus_unit(report))
    return redirect("reports:render", pk=prepared.pk)


@require_POST
def equity_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    report = equity_report_for(request, slug)
    prepared = render_request(
        user=request.user, wave=report.wave, unit=None, kind=ReportRender.Kind.EQUITY
    )
    return redirect("reports:render", pk=prepared.pk)


def _own(request: HttpRequest, pk: object) -> ReportRender:
    found = render_of(render_id=pk, user=request.user)
    if found is None:
        raise Http404
    return found


@require_GET
@never_cache
def render_status(request: HttpRequest, pk: object) -> HttpResponse:
    prepared = _own(request, pk)
    return render(
        request,
        "reports/render.html",
        {"render": prepared, "keep_hours": int(KEEP.total_seconds() // 3600)},
    )


@require_GET
@never_cache
def render_state(request: HttpRequest, pk: object) -> JsonResponse:
    """For the progress page's script: has the worker finished?"""
    return JsonResponse({"status": _own(request, pk).status})


@require_GET
def render_download(request: HttpRequest, pk: object) -> HttpResponse:
    prepared = _own(request, pk)
    if prepared.status != ReportRender.Status.DONE or prepared.content is None:
        return redirect("reports:render", pk=prepared.pk)
    response = HttpResponse(bytes(prepared.content), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{prepared.filename}"'
    response["Cache-Control"] = "no-store"
    return response
