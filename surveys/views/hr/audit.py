"""The audit log, read-only: who changed what, and on which day."""

from __future__ import annotations

import json
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from surveys.models import AuditEntry
from surveys.views.hr.access import hr_admin_required
from surveys.views.hr.forms import AuditFilterForm

PER_PAGE = 50


def _details(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The entry's data (already masked when written) as readable pairs."""
    return [
        (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in sorted(data.items())
    ]


@require_GET
@hr_admin_required
def audit_log(request: HttpRequest) -> HttpResponse:
    actions = AuditEntry.objects.values_list("action", flat=True).distinct()
    prefixes = sorted({action.split(".", 1)[0] for action in actions})
    form = AuditFilterForm(request.GET or None, prefixes=prefixes)
    entries = AuditEntry.objects.all()
    if form.is_valid():
        if form.cleaned_data["action"]:
            entries = entries.filter(action__startswith=form.cleaned_data["action"] + ".")
        if form.cleaned_data["target"]:
            entries = entries.filter(target__icontains=form.cleaned_data["target"])
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    rows = [(entry, _details(entry.data)) for entry in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "hr/audit.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "filtered": bool(request.GET.get("action") or request.GET.get("target")),
        },
    )
