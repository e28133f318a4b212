"""The HR home: every wave with its stage, and the way to start a new one."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from surveys.models import Wave
from surveys.views.hr.access import hr_admin_required


@require_GET
@hr_admin_required
def dashboard(request: HttpRequest) -> HttpResponse:
    waves = (
        Wave.objects.select_related("instrument_version__instrument")
        .annotate(invited=Count("invitations"))
        .order_by("-created_on", "-pk")
    )
    return render(request, "hr/dashboard.html", {"waves": waves})
