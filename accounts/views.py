"""Signing in (password, then the two-step code when the account has an app) and the
two-step sign-in settings page.

An account with two-step sign-in is *not* signed in after its password: the session
only remembers, for a few minutes, who is halfway through. Django's `login()` runs
after the code, so every page's own access rule keeps working unchanged.
"""

from __future__ import annotations

import time
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_credentials
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import verify_token

from accounts.forms import OneTimeCodeForm, PasswordCheckForm
from accounts.models import User
from accounts.two_factor import (
    confirmed_device,
    qr_code_data_uri,
    secret_for_display,
    totp_device_confirm,
    totp_device_pending,
    two_factor_disable,
    two_factor_enabled,
)
from surveys import ratelimit

PENDING = "accounts_pending_login"
PENDING_SECONDS = 5 * 60


@method_decorator(login_not_required, name="dispatch")
@method_decorator(ratelimit.guess_limited(ratelimit.LOGIN, methods=("POST",)), name="dispatch")
class ContinuumLoginView(LoginView):
    template_name = "accounts/login.html"

    def form_invalid(self, form: Any) -> HttpResponse:
        ratelimit.record_failure(self.request, ratelimit.LOGIN)
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not two_factor_enabled(user):
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": int(time.time()),
            "next": self.get_redirect_url(),
        }
        return redirect("accounts:login_code")


def _pending_user(request: HttpRequest) -> tuple[dict[str, Any], User] | None:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return (pending, user) if user is not None else None


def _code_refused(request: HttpRequest, user: User) -> None:
    """A wrong code counts like a wrong password: towards the username's lockout and the
    client's limit."""
    ratelimit.record_failure(request, ratelimit.LOGIN)
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )
    if getattr(request, "axes_locked_out", False):
        request.session.pop(PENDING, None)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit.guess_limited(ratelimit.LOGIN, methods=("POST",))
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step: the code from the account's authenticator app."""
    found = _pending_user(request)
    device = confirmed_device(found[1]) if found else None
    if found is None or device is None:
        messages.info(request, _("Please sign in with your username and password first."))
        return redirect("accounts:login")
    pending, user = found
    form = OneTimeCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        credentials = get_credentials(user.get_username())
        if AxesProxyHandler.is_locked(request, credentials):
            request.session.pop(PENDING, None)
            return locked_out(request, None, credentials)
        allowed, _details = device.verify_is_allowed()
        if allowed and verify_token(user, device.persistent_id, form.cleaned_data["code"]):
            del request.session[PENDING]
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, confirmed_device(user))
            return redirect(pending.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL))
        form.add_error(
            "code",
            _("That code did not work. Wait for a new code in your app and try again.")
            if allowed
            else _("Too many wrong codes in a row. Wait a few seconds, then try a new code."),
        )
        _code_refused(request, user)
    status = 400 if form.errors else 200
    return render(request, "accounts/login_code.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Turn two-step sign-in on (scan, then confirm a first code) or off (password again)."""
    user = request.user
    if confirmed_device(user) is not None:
        form = PasswordCheckForm(
            request.POST if request.method == "POST" else None, request=request
        )
        if request.method == "POST" and form.is_valid():
            two_factor_disable(user=user, by=user)
            messages.success(request, _("Two-step sign-in is off for your account."))
            return redirect("accounts:two_factor")
        status = 400 if form.errors else 200
        return render(
            request, "accounts/two_factor.html", {"enabled": True, "form": form}, status=status
        )
    device = totp_device_pending(user=user)
    form = OneTimeCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if totp_device_confirm(device=device, code=form.cleaned_data["code"]):
            request.session.cycle_key()
            otp_login(request, confirmed_device(user))
            messages.success(
                request,
                _("Two-step sign-in is on. From now on you will need a code from your app."),
            )
            return redirect("accounts:two_factor")
        form.add_error(
            "code",
            _(
                "That code did not work. Check that your phone's clock is right "
                "and try the newest code."
            ),
        )
    context = {
        "enabled": False,
        "form": form,
        "secret": secret_for_display(device),
        "qr_code": qr_code_data_uri(device),
    }
    return render(request, "accounts/two_factor.html", context, status=400 if form.errors else 200)


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the kind page for a username locked after too many failures."""
    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else 15
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
