"""A unit's action plan for a wave: create, edit, set status, publish, delete.

Only HR admins and leaders of the unit (or above it) may write; the services
check that again. Leaders of another subtree get 404, like for the report.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from reports.aggregation import REPORTABLE
from reports.forms import ActionItemForm, ActionPublishForm, ActionStatusForm
from reports.models import ActionItem
from reports.selectors import actions_for_unit, may_write_actions
from reports.services.actions import (
    action_create,
    action_delete,
    action_publish,
    action_update,
    follow_up_due,
)
from reports.views.common import viewer_or_403, wave_or_404
from surveys.models import OrgUnit, Wave
from surveys.selectors import unit_in_wave


def _unit_for_writing(request: HttpRequest, slug: str, code: str) -> tuple[Wave, OrgUnit]:
    """403 without a role or the right to write; 404 for units outside the viewer's own."""
    viewer = viewer_or_403(request)
    wave = wave_or_404(slug, viewer)
    unit = get_object_or_404(OrgUnit, code=code)
    if not viewer.may_see(unit) or not unit_in_wave(wave, unit):
        raise Http404
    if wave.status not in REPORTABLE:
        raise Http404
    if not may_write_actions(user=request.user, unit=unit):
        raise PermissionDenied
    return wave, unit


def _item_for_writing(request: HttpRequest, slug: str, code: str, pk: int) -> ActionItem:
    wave, unit = _unit_for_writing(request, slug, code)
    return get_object_or_404(
        ActionItem.objects.select_related("wave__instrument_version", "unit"),
        pk=pk,
        wave=wave,
        unit=unit,
    )


def _back(item_or_wave: ActionItem | Wave, unit: OrgUnit | None = None) -> HttpResponse:
    if isinstance(item_or_wave, ActionItem):
        unit, slug = item_or_wave.unit, item_or_wave.wave.slug
    else:
        slug = item_or_wave.slug
    assert unit is not None
    return redirect("reports:actions", slug=slug, code=unit.code)


@require_http_methods(["GET", "POST"])
def action_list(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    wave, unit = _unit_for_writing(request, slug, code)
    form = ActionItemForm(
        request.POST or None,
        instance=ActionItem(wave=wave, unit=unit),
        wave=wave,
        submit_label=_("Add to the plan"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            action_create(wave=wave, unit=unit, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Added to the plan. Publish it when staff may see it."))
            return _back(wave, unit)
    items = list(actions_for_unit(wave=wave, unit=unit, published_only=False))
    return render(
        request,
        "reports/actions.html",
        {
            "wave": wave,
            "unit": unit,
            "items": [(item, follow_up_due(item)) for item in items],
            "form": form,
            "statuses": ActionItem.Status.choices,
        },
    )


@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, slug: str, code: str, pk: int) -> HttpResponse:
    item = _item_for_writing(request, slug, code, pk)
    form = ActionItemForm(
        request.POST or None, instance=item, wave=item.wave, submit_label=_("Save changes")
    )
    if request.method == "POST" and form.is_valid():
        try:
            action_update(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return _back(item)
    return render(request, "reports/action_form.html", {"item": item, "form": form})


@require_POST
def action_status(request: HttpRequest, slug: str, code: str, pk: int) -> HttpResponse:
    item = _item_for_writing(request, slug, code, pk)
    form = ActionStatusForm(request.POST)
    if form.is_valid():
        action_update(item=item, by=request.user, status=form.cleaned_data["status"])
        messages.success(request, _("Status updated."))
    else:
        messages.error(request, _("Choose a status."))
    return _back(item)


@require_POST
def action_publish_view(request: HttpRequest, slug: str, code: str, pk: int) -> HttpResponse:
    item = _item_for_writing(request, slug, code, pk)
    form = ActionPublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Something went wrong; please try again."))
        return _back(item)
    publish = form.cleaned_data["publish"]
    action_publish(item=item, by=request.user, publish=publish)
    if publish:
        messages.success(
            request,
            _("Published: the unit's staff can see it now. We will remind you in a month."),
        )
    else:
        messages.success(request, _("Unpublished: staff no longer see it."))
    return _back(item)


@require_http_methods(["GET", "POST"])
def action_delete_view(request: HttpRequest, slug: str, code: str, pk: int) -> HttpResponse:
    item = _item_for_writing(request, slug, code, pk)
    if request.method == "POST":
        action_delete(item=item, by=request.user)
        messages.success(request, _("Deleted."))
        return _back(item)
    return render(request, "reports/action_confirm_delete.html", {"item": item})
