"""Instruments: every version, import with every validation error, bilingual preview, export."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from surveys.audit import audit
from surveys.instruments.definition import Definition, InstrumentError, Item, LText
from surveys.models import Instrument, InstrumentVersion, Wave
from surveys.services.instruments import instrument_version_import_text
from surveys.views.hr.access import hr_admin_required
from surveys.views.hr.forms import UploadForm, submitted


def _version(code: str, version: int) -> InstrumentVersion:
    """The instrument version, or 404 (callers are HR admins: see `hr_admin_required`)."""
    return get_object_or_404(
        InstrumentVersion.objects.select_related("instrument"),
        instrument__code=code,
        version=version,
    )


@require_GET
@hr_admin_required
def instrument_list(request: HttpRequest) -> HttpResponse:
    versions = InstrumentVersion.objects.prefetch_related(
        Prefetch("waves", queryset=Wave.objects.order_by("slug"))
    )
    instruments = Instrument.objects.prefetch_related(Prefetch("versions", queryset=versions))
    rows = [
        (
            instrument,
            [
                (
                    version,
                    [wave for wave in version.waves.all()],
                    any(wave.status != Wave.Status.DRAFT for wave in version.waves.all()),
                )
                for version in instrument.versions.all()
            ],
        )
        for instrument in instruments
    ]
    return render(request, "hr/instruments.html", {"instruments": rows})


def _form(data: object = None, files: object = None) -> UploadForm:
    return UploadForm(
        data,
        files,
        label=_("Definition file (JSON)"),
        help_text=_(
            "The format is described in docs/instruments.md. Every problem in the file is "
            "listed; nothing is imported until there is none."
        ),
        accept=".json,application/json",
        submit=_("Import the definition"),
    )


@require_http_methods(["GET", "POST"])
@hr_admin_required
def instrument_import(request: HttpRequest) -> HttpResponse:
    form = _form(*submitted(request))
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            version = instrument_version_import_text(
                raw=form.cleaned_data["file"].read(), by=request.user
            )
        except InstrumentError as error:
            errors = error.errors
        else:
            messages.success(
                request,
                _(
                    "%(instrument)s version %(version)s is imported. Check it below in both "
                    "languages."
                )
                % {"instrument": version.instrument.name, "version": version.version},
            )
            return redirect(
                "hr:instrument_preview", code=version.instrument.code, version=version.version
            )
    return render(
        request,
        "hr/instrument_import.html",
        {"form": form, "errors": errors},
        status=400 if errors else 200,
    )


LANGUAGES = (("en", "English"), ("fr", "Français"))


def _texts(text: LText | None) -> list[tuple[str, str]]:
    return [(code, text.get(code) if text else "") for code, _name in LANGUAGES]


def _item_cells(item: Item) -> list[dict[str, Any]]:
    """One cell per language with everything staff would read for this item."""
    cells = []
    for code, _name in LANGUAGES:
        if item.type == "scale" and item.scale is not None:
            options = [(option.label.get(code), False) for option in item.scale.options]
        else:
            options = [(option.label.get(code), option.exclusive) for option in item.options]
        cells.append(
            {
                "lang": code,
                "text": item.text.get(code),
                "help": item.help.get(code) if item.help else "",
                "self_text": item.self_text.get(code) if item.self_text else "",
                "options": options,
            }
        )
    return cells


def _sections(definition: Definition) -> list[dict[str, Any]]:
    return [
        {
            "section": section,
            "title": _texts(section.title),
            "intro": _texts(section.intro) if section.intro else [],
            "content_note": _texts(section.content_note) if section.content_note else [],
            "items": [{"item": item, "cells": _item_cells(item)} for item in section.items],
        }
        for section in definition.sections
    ]


@require_GET
@hr_admin_required
def instrument_preview(request: HttpRequest, code: str, version: int) -> HttpResponse:
    instrument_version = _version(code, version)
    definition = instrument_version.parsed
    context = {
        "version": instrument_version,
        "definition": definition,
        "languages": LANGUAGES,
        "title": _texts(definition.title),
        "description": _texts(definition.description),
        "disclaimer": _texts(definition.disclaimer),
        "sections": _sections(definition),
        "domains": [(domain, _texts(domain.name)) for domain in definition.domains],
        "in_use": instrument_version.is_in_use,
        "waves": list(instrument_version.waves.order_by("slug")),
    }
    return render(request, "hr/instrument_preview.html", context)


@require_GET
@hr_admin_required
def instrument_download(request: HttpRequest, code: str, version: int) -> HttpResponse:
    instrument_version = _version(code, version)
    body = json.dumps(instrument_version.definition, ensure_ascii=False, indent=2) + "\n"
    audit(
        request.user, "instrument.export", instrument_version, checksum=instrument_version.checksum
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"{instrument_version.instrument.code}-v{instrument_version.version}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
