"""Paper responses: upload, preview (counts per unit only), then confirm with the same file.

Paper answers must exist nowhere but in the anonymous responses, so the file
is not kept between the two steps: the preview carries only a signed SHA-256
of the checked file, and the HR admin chooses the same file again to import
it. Neither step ever shows an answer back, only counts and the line numbers
of problems.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from surveys.csvrows import RowErrors, read_csv
from surveys.models import Wave
from surveys.services.paper import paper_columns, paper_responses_import, paper_responses_parse
from surveys.views.hr.access import hr_admin_required
from surveys.views.hr.forms import UploadForm, submitted

SIGNING_SALT = "continuum.hr.paper"
PREVIEW_MAX_AGE = 60 * 60
IMPORTABLE = (Wave.Status.OPEN, Wave.Status.CLOSED)


def _wave(slug: str) -> Wave:
    """The wave by its slug, or 404 (callers are HR admins: see `hr_admin_required`)."""
    return get_object_or_404(Wave.objects.select_related("instrument_version"), slug=slug)


def _form(data: object = None, files: object = None, *, confirm: bool = False) -> UploadForm:
    return UploadForm(
        data,
        files,
        label=_("The same file again") if confirm else _("Paper responses file (CSV)"),
        help_text=_(
            "Choose the file you just checked: Continuum does not keep it between the two steps."
        )
        if confirm
        else _(
            "Columns: unit_code, then one column per item code. Leave a cell empty for a "
            "skipped question; separate several choices with a semicolon."
        ),
        accept=".csv,text/csv",
        submit=_("Import the responses") if confirm else _("Check the file"),
    )


def _rows(wave: Wave, raw: bytes) -> list:
    columns = paper_columns(wave)
    return read_csv(raw, required=columns[:1], optional=columns[1:])


@require_http_methods(["GET", "POST"])
@hr_admin_required
def paper_upload(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    form = _form(*submitted(request))
    context: dict[str, object] = {"wave": wave, "form": form, "errors": [], "importable": True}
    if wave.status not in IMPORTABLE:
        context.update(importable=False, form=None)
        return render(request, "hr/paper_upload.html", context)
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["file"].read()
        try:
            parsed = paper_responses_parse(wave=wave, rows=_rows(wave, raw))
            if not parsed:
                raise RowErrors([_("The file has no responses.")])
        except RowErrors as error:
            context["errors"] = error.errors
            return render(request, "hr/paper_upload.html", context, status=400)
        counts = Counter(response.unit for response in parsed)
        checked = signing.dumps(
            {"wave": wave.pk, "sha256": hashlib.sha256(raw).hexdigest()}, salt=SIGNING_SALT
        )
        return render(
            request,
            "hr/paper_preview.html",
            {
                "wave": wave,
                "total": len(parsed),
                "per_unit": sorted(counts.items(), key=lambda pair: pair[0].path),
                "form": _form(confirm=True),
                "checked": checked,
            },
        )
    return render(request, "hr/paper_upload.html", context)


@require_POST
@hr_admin_required
def paper_confirm(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    form = _form(request.POST, request.FILES, confirm=True)
    errors: list[str] = []
    if not form.is_valid():
        errors = [_("Choose the file you checked, then import it.")]
    else:
        raw = form.cleaned_data["file"].read()
        try:
            checked = signing.loads(
                request.POST.get("checked", ""), salt=SIGNING_SALT, max_age=PREVIEW_MAX_AGE
            )
        except signing.BadSignature:
            errors = [_("The check has expired; check the file again.")]
        else:
            if checked != {"wave": wave.pk, "sha256": hashlib.sha256(raw).hexdigest()}:
                errors = [_("This is not the file you checked; check it again.")]
    if not errors:
        try:
            count = paper_responses_import(wave=wave, rows=_rows(wave, raw), by=request.user)
        except RowErrors as error:
            errors = error.errors
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s paper response was imported.",
                    "%(count)s paper responses were imported.",
                    count,
                )
                % {"count": count},
            )
            return redirect("hr:wave_detail", slug=wave.slug)
    return render(
        request,
        "hr/paper_upload.html",
        {"wave": wave, "form": _form(), "errors": errors, "importable": True},
        status=400,
    )
