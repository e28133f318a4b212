"""A wave's pages: create and edit its settings, and its timeline with checklist and next steps."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reports.participation import participation
from reports.viewers import Role, Viewer
from surveys.models import Invitation, Wave
from surveys.privacy import privacy_notice
from surveys.services.checklist import (
    STEPS,
    ChecklistError,
    checklist_for,
    checklist_tick,
    checklist_untick,
)
from surveys.services.mailing import sending_counts
from surveys.services.retention import roster_purge_due_on
from surveys.services.waves import (
    THRESHOLD_FIELDS,
    TRANSITIONS,
    WaveError,
    wave_create,
    wave_open_problems,
    wave_set_status,
    wave_update,
    wave_update_thresholds,
)
from surveys.views.hr.access import hr_admin_required
from surveys.views.hr.forms import WaveForm, submitted

Status = Wave.Status


def _wave(slug: str) -> Wave:
    """The wave by its slug, or 404 (callers are HR admins: see `hr_admin_required`)."""
    return get_object_or_404(
        Wave.objects.select_related("instrument_version__instrument"), slug=slug
    )


@dataclass(frozen=True)
class Transition:
    status: str
    button: str
    explanation: str
    confirm: str


BUTTONS = {
    Status.OPEN: gettext_lazy("Open the wave"),
    Status.CLOSED: gettext_lazy("Close the wave"),
    Status.RELEASED: gettext_lazy("Release reports to leaders"),
    Status.ARCHIVED: gettext_lazy("Archive the wave"),
}
EXPLANATIONS = {
    Status.OPEN: gettext_lazy(
        "Staff can answer from now on. The units and the instrument become fixed, and the "
        "thresholds can then only be raised."
    ),
    Status.CLOSED: gettext_lazy(
        "No more answers are accepted. Stored responses are reshuffled so that storage "
        "reveals no order of submission."
    ),
    Status.RELEASED: gettext_lazy(
        "Leaders see the aggregate results for their units, only for groups that meet the "
        "thresholds."
    ),
    Status.ARCHIVED: gettext_lazy("The wave is finished and kept for comparison with later waves."),
}
CONFIRMS = {
    Status.OPEN: gettext_lazy("Yes, open the wave now"),
    Status.CLOSED: gettext_lazy("Yes, close the wave now"),
    Status.RELEASED: gettext_lazy("Yes, release the reports now"),
    Status.ARCHIVED: gettext_lazy("Yes, archive the wave"),
}
REOPEN = (
    gettext_lazy("Reopen the wave"),
    gettext_lazy("Staff can answer again until you close the wave again."),
    gettext_lazy("Yes, reopen the wave now"),
)


def _transitions(wave: Wave) -> list[Transition]:
    transitions = []
    for status in TRANSITIONS[wave.status]:
        if status == Status.OPEN and wave.status == Status.CLOSED:
            button, explanation, confirm = REOPEN
        else:
            button, explanation, confirm = BUTTONS[status], EXPLANATIONS[status], CONFIRMS[status]
        transitions.append(Transition(status, str(button), str(explanation), str(confirm)))
    return transitions


def _timeline(wave: Wave) -> list[dict[str, str]]:
    order = list(Status.values)
    current = order.index(wave.status)
    return [
        {
            "status": value,
            "label": str(label),
            "state": "done" if index < current else "current" if index == current else "todo",
        }
        for index, (value, label) in enumerate(Status.choices)
    ]


@require_http_methods(["GET", "POST"])
@hr_admin_required
def wave_create_view(request: HttpRequest) -> HttpResponse:
    form = WaveForm(submitted(request)[0])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            wave = wave_create(
                slug=data["slug"],
                name=data["name"],
                instrument_version=data["instrument_version"],
                units=data["units"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                open_link_enabled=data["open_link_enabled"],
                **{field: data[field] for field in THRESHOLD_FIELDS},
                by=request.user,
            )
        except WaveError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The wave was created as a draft."))
            return redirect("hr:wave_detail", slug=wave.slug)
    return render(request, "hr/wave_form.html", {"form": form, "wave": None})


@require_http_methods(["GET", "POST"])
@hr_admin_required
def wave_edit(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    form = WaveForm(submitted(request)[0], wave=wave)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft = wave.status == Status.DRAFT
        dated = wave.status in (Status.DRAFT, Status.OPEN)
        try:
            with transaction.atomic():
                wave_update(
                    wave=wave,
                    name=data["name"],
                    opens_on=data["opens_on"] if dated else None,
                    closes_on=data["closes_on"] if dated else None,
                    open_link_enabled=data["open_link_enabled"],
                    units=data["units"] if draft else None,
                    instrument_version=data["instrument_version"] if draft else None,
                    by=request.user,
                )
                wave_update_thresholds(
                    wave=wave, **{field: data[field] for field in THRESHOLD_FIELDS}, by=request.user
                )
        except WaveError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The wave's settings were saved."))
            return redirect("hr:wave_detail", slug=wave.slug)
    return render(request, "hr/wave_form.html", {"form": form, "wave": wave})


@require_GET
@hr_admin_required
def wave_detail(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    today = timezone.localdate()
    checklist = checklist_for(wave)
    context = {
        "wave": wave,
        "units": list(wave.units.all()),
        "timeline": _timeline(wave),
        "transitions": _transitions(wave),
        "open_problems": wave_open_problems(wave) if wave.status == Status.DRAFT else [],
        "checklist": checklist,
        "preparation_remaining": next(
            stage.remaining for stage in checklist if stage.stage == Status.DRAFT
        ),
        "counts": sending_counts(wave, today=today),
        "languages": _languages(wave),
        "purge_due_on": roster_purge_due_on(wave),
        "retention_days": settings.ROSTER_RETENTION_DAYS,
        "email_rate": settings.EMAIL_MAX_PER_MINUTE,
        "email_attempts": settings.EMAIL_MAX_ATTEMPTS,
        "open_link": f"{settings.SITE_URL}/s/{wave.slug}/" if wave.open_link_enabled else "",
        "roster_importable": wave.status in (Status.DRAFT, Status.OPEN),
        "paper_importable": wave.status in (Status.OPEN, Status.CLOSED),
        "participation": (
            participation(wave=wave, viewer=Viewer(Role.HR))
            if wave.status in (Status.OPEN, Status.CLOSED)
            else None
        ),
    }
    return render(request, "hr/wave_detail.html", context)


@require_GET
@hr_admin_required
def wave_privacy_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The privacy notice staff will see, generated from this wave's real settings."""
    wave = _wave(slug)
    context = {"wave": wave, "notice": privacy_notice(wave)}
    return render(request, "hr/privacy_preview.html", context)


def _languages(wave: Wave) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for language in Invitation.objects.filter(wave=wave).values_list("language", flat=True):
        counts[language] = counts.get(language, 0) + 1
    return sorted(counts.items())


@require_POST
@hr_admin_required
def wave_transition(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    status = request.POST.get("status", "")
    if not request.POST.get("confirm"):
        messages.error(request, _("Tick the confirmation box to change the wave's stage."))
        return redirect("hr:wave_detail", slug=wave.slug)
    try:
        wave = wave_set_status(wave=wave, status=status, by=request.user)
    except WaveError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The wave is now at the stage: %(stage)s.") % {"stage": wave.get_status_display()},
        )
    return redirect("hr:wave_detail", slug=wave.slug)


@require_POST
@hr_admin_required
def wave_checklist(request: HttpRequest, slug: str) -> HttpResponse:
    wave = _wave(slug)
    key = request.POST.get("key", "")
    try:
        if request.POST.get("done") == "1":
            checklist_tick(wave=wave, key=key, by=request.user)
            messages.success(request, _("Marked as done: %(step)s.") % {"step": STEPS[key].label})
        else:
            checklist_untick(wave=wave, key=key, by=request.user)
            messages.success(
                request, _("Marked as not done: %(step)s.") % {"step": STEPS[key].label}
            )
    except ChecklistError as error:
        messages.error(request, str(error))
    return redirect(reverse("hr:wave_detail", kwargs={"slug": wave.slug}) + "#checklist")
