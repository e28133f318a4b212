from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_not_required
def support(request: HttpRequest) -> HttpResponse:
    """Where to get help now: 988, Hope for Wellness and the organization's EAP."""
    return render(request, "surveys/support.html")
