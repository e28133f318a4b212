"""Sending a wave's invitations and reminders (the e-mails go out from the task worker)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from surveys.models import Wave
from surveys.services.mailing import MailingError, invitations_send, reminders_send
from surveys.views.hr.access import hr_admin_required


def _wave(slug: str) -> Wave:
    """The wave by its slug, or 404 (callers are HR admins: see `hr_admin_required`)."""
    return get_object_or_404(Wave, slug=slug)


def _back(wave: Wave) -> HttpResponse:
    return redirect(reverse("hr:wave_detail", kwargs={"slug": wave.slug}) + "#sending")


def _queue(
    request: HttpRequest,
    slug: str,
    *,
    send: Callable[..., int],
    unconfirmed: str,
    queued: Callable[[int], str],
    nothing: str,
) -> HttpResponse:
    """Queue e-mails for a wave after the confirmation box, and say what was queued."""
    wave = _wave(slug)
    if not request.POST.get("confirm"):
        messages.error(request, unconfirmed)
        return _back(wave)
    try:
        count = send(wave=wave, by=request.user)
    except MailingError as error:
        messages.error(request, str(error))
        return _back(wave)
    if count:
        messages.success(request, queued(count))
    else:
        messages.info(request, nothing)
    return _back(wave)


@require_POST
@hr_admin_required
def send_invitations(request: HttpRequest, slug: str) -> HttpResponse:
    return _queue(
        request,
        slug,
        send=invitations_send,
        unconfirmed=_("Tick the confirmation box to send the invitations."),
        queued=lambda count: (
            ngettext(
                "%(count)s invitation is queued for sending.",
                "%(count)s invitations are queued for sending.",
                count,
            )
            % {"count": count}
        ),
        nothing=_("Everyone on the roster already has their invitation."),
    )


@require_POST
@hr_admin_required
def send_reminders(request: HttpRequest, slug: str) -> HttpResponse:
    return _queue(
        request,
        slug,
        send=reminders_send,
        unconfirmed=_("Tick the confirmation box to send the reminders."),
        queued=lambda count: (
            ngettext(
                "%(count)s reminder is queued for sending.",
                "%(count)s reminders are queued for sending.",
                count,
            )
            % {"count": count}
        ),
        nothing=_("No reminder is due: no pending invitation is left that was not reminded today."),
    )
