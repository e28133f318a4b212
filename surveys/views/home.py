from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from surveys.selectors import led_units, self_rating_targets


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "led_units": led_units(user=user) if user.is_authenticated else [],
        "self_rating_targets": self_rating_targets(user=user) if user.is_authenticated else [],
    }
    return render(request, "home.html", context)


@login_not_required
def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
