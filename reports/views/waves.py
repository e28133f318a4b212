"""The list of waves a viewer has reports or live participation for."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reports.selectors import report_waves
from reports.viewers import Viewer
from reports.views.common import viewer_or_403


def _viewer_for(request: HttpRequest) -> Viewer:
    """Any reporting role; an account without one gets 403."""
    return viewer_or_403(request)


@require_GET
def wave_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer_for(request)
    return render(
        request,
        "reports/wave_list.html",
        {"entries": report_waves(viewer=viewer), "viewer": viewer},
    )
