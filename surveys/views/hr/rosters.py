"""Roster import: upload, preview (counts only), then confirm; all or nothing.

Between the preview and the confirmation the file is kept server-side in a
`RosterUpload` row that only its uploader can confirm or cancel. It is
deleted on confirm or cancel, and by the daily maintenance after a day. We
chose this over a re-upload (an HR admin would have to find the same file
twice) and over a signed hidden field (a 25,000-line roster would travel back
and forth in the page): the addresses stay on the server, where the
invitations will hold them anyway.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from surveys.csvrows import RowErrors
from surveys.models import RosterUpload, Wave
from surveys.services.rosters import roster_import, roster_parse, roster_read
from surveys.views.hr.access import hr_admin_required
from surveys.views.hr.forms import UploadForm, submitted


def _wave(slug: str) -> Wave:
    """The wave by its slug, or 404 (callers are HR admins: see `hr_admin_required`)."""
    return get_object_or_404(Wave, slug=slug)


def _staged(request: HttpRequest, wave: Wave, upload_id: uuid.UUID) -> RosterUpload:
    """An upload of this wave by this HR admin, or 404."""
    return get_object_or_404(RosterUpload, pk=upload_id, wave=wave, uploaded_by=request.user)


def _form(data: object = None, files: object = None) -> UploadForm:
    return UploadForm(
        data,
        files,
        label=_("Roster file (CSV)"),
        help_text=_(
            "Columns: email, unit_code and optionally language (en or fr; en when empty). "
            "The first row names the columns. Save as CSV UTF-8."
        ),
        accept=".csv,text/csv",
        submit=_("Check the file"),
    )


@require_http_methods(["GET", "POST"])
@hr_admin_required
def roster_upload(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    form = _form(*submitted(request))
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        raw = upload.read()
        try:
            roster_parse(wave=wave, rows=roster_read(raw))
        except RowErrors as error:
            errors = error.errors
        else:
            staged = RosterUpload.objects.create(
                wave=wave,
                uploaded_by=request.user,
                filename=(upload.name or "")[:200],
                content=raw.decode("utf-8-sig"),
            )
            return redirect("hr:roster_preview", slug=wave.slug, upload_id=staged.pk)
    status = 400 if errors else 200
    return render(
        request,
        "hr/roster_upload.html",
        {"wave": wave, "form": form, "errors": errors},
        status=status,
    )


@require_GET
@hr_admin_required
def roster_preview(request: HttpRequest, slug: str, upload_id: uuid.UUID) -> HttpResponse:
    wave = _wave(slug)
    staged = _staged(request, wave, upload_id)
    try:
        preview = roster_parse(wave=wave, rows=roster_read(staged.content))
    except RowErrors as error:
        # Something changed since the upload (another import, a stage change).
        staged.delete()
        return render(
            request,
            "hr/roster_upload.html",
            {"wave": wave, "form": _form(), "errors": error.errors},
            status=400,
        )
    return render(
        request, "hr/roster_preview.html", {"wave": wave, "staged": staged, "preview": preview}
    )


@require_POST
@hr_admin_required
def roster_confirm(request: HttpRequest, slug: str, upload_id: uuid.UUID) -> HttpResponse:
    wave = _wave(slug)
    staged = _staged(request, wave, upload_id)
    try:
        preview = roster_import(wave=wave, rows=roster_read(staged.content), by=request.user)
    except RowErrors as error:
        staged.delete()
        return render(
            request,
            "hr/roster_upload.html",
            {"wave": wave, "form": _form(), "errors": error.errors},
            status=400,
        )
    staged.delete()
    messages.success(
        request,
        ngettext(
            "%(count)s person was added to the roster.",
            "%(count)s people were added to the roster.",
            preview.total,
        )
        % {"count": preview.total},
    )
    return redirect("hr:wave_detail", slug=wave.slug)


@require_POST
@hr_admin_required
def roster_cancel(request: HttpRequest, slug: str, upload_id: uuid.UUID) -> HttpResponse:
    wave = _wave(slug)
    _staged(request, wave, upload_id).delete()
    messages.info(request, _("The roster file was discarded; nothing was imported."))
    return redirect("hr:wave_detail", slug=wave.slug)
