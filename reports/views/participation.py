"""Live participation and the leader launch kit while a wave is open."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from reports.aggregation import REPORTABLE, UnitNotVisible
from reports.participation import Participation, participation
from reports.viewers import Viewer
from reports.views.common import viewer_or_403, wave_or_404
from surveys.models import Wave

LIVE = (Wave.Status.OPEN, Wave.Status.CLOSED)


def _participation_for(wave: Wave, viewer: Viewer) -> Participation:
    """The viewer's units only; a leader with no unit in the wave gets 404."""
    try:
        return participation(wave=wave, viewer=viewer)
    except UnitNotVisible:
        raise Http404 from None


def open_link(wave: Wave) -> str:
    """The wave's open survey link (the staff journey's welcome page)."""
    try:
        path = reverse("surveys:welcome", kwargs={"slug": wave.slug})
    except NoReverseMatch:  # the staff journey is mounted at /s/ (another branch)
        path = f"/s/{wave.slug}/"
    return settings.SITE_URL + path


@require_GET
def wave_participation(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = viewer_or_403(request)
    wave = wave_or_404(slug, viewer)
    if wave.status in REPORTABLE:
        return redirect("reports:report", slug=wave.slug)
    if wave.status not in LIVE:
        raise Http404
    live = _participation_for(wave, viewer)
    definition = wave.instrument_version.parsed
    return render(
        request,
        "reports/participation.html",
        {
            "wave": wave,
            "participation": live,
            "minutes": definition.estimated_minutes,
            "open_link": open_link(wave) if wave.open_link_enabled else "",
            "from_email": settings.DEFAULT_FROM_EMAIL,
            "thresholds": {
                "min_group_size": wave.min_group_size,
                "min_comment_group_size": wave.min_comment_group_size,
                "min_equity_group_size": wave.min_equity_group_size,
            },
        },
    )
