"""Forms of the HR pages. They validate input; the services do every write."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Field, Fieldset, Layout, Submit
from django import forms
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from surveys.models import (
    DEFAULT_MIN_COMMENT_GROUP_SIZE,
    DEFAULT_MIN_EQUITY_GROUP_SIZE,
    DEFAULT_MIN_GROUP_SIZE,
    MIN_GROUP_SIZE_FLOOR,
    InstrumentVersion,
    OrgUnit,
    Wave,
)
from surveys.services.waves import THRESHOLD_FIELDS

FORM_TEMPLATE = "hr/includes/crispy_form.html"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def submitted(request: HttpRequest) -> tuple[Any, Any]:
    """The posted data and files, or (None, None) for a GET: an empty POST still binds a form."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None


def _label(field: str) -> str:
    return capfirst(Wave._meta.get_field(field).verbose_name)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class InstrumentVersionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: InstrumentVersion) -> str:
        return f"{obj.instrument.name} ({obj.instrument.code}) v{obj.version}"


THRESHOLD_HELP = {
    "min_group_size": _(
        "Scores for a group appear only with at least this many respondents. At least "
        "%(floor)s; %(default)s is the usual choice."
    ),
    "min_comment_group_size": _(
        "Comments appear only for groups at least this large; never lower than the score "
        "threshold (%(default)s by default)."
    ),
    "min_equity_group_size": _(
        "Self-identification breakdowns appear only when each group and the rest reach this "
        "size (%(default)s by default)."
    ),
}
THRESHOLD_DEFAULTS = {
    "min_group_size": DEFAULT_MIN_GROUP_SIZE,
    "min_comment_group_size": DEFAULT_MIN_COMMENT_GROUP_SIZE,
    "min_equity_group_size": DEFAULT_MIN_EQUITY_GROUP_SIZE,
}


class WaveForm(forms.Form):
    """Create a wave, or edit one within what its stage still allows."""

    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("Staff see this name in their invitation and on the survey."),
    )
    slug = forms.SlugField(
        label=_("Short name for addresses"),
        max_length=60,
        help_text=_(
            "Letters, digits and dashes, e.g. spring-2026. It appears in the open link and "
            "cannot change later."
        ),
    )
    instrument_version = InstrumentVersionChoice(
        label=_("Instrument version"),
        queryset=InstrumentVersion.objects.select_related("instrument"),
        help_text=_("Fixed once the wave opens."),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Units in scope"),
        queryset=OrgUnit.objects.all(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_(
            "Each selected unit brings everything below it into the wave. Fixed once the wave "
            "opens."
        ),
    )
    opens_on = forms.DateField(
        label=_label("opens_on"),
        required=False,
        widget=DateInput(),
        help_text=_("Optional: opening the wave sets it to that day if it is later."),
    )
    closes_on = forms.DateField(
        label=_label("closes_on"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "Leave enough time for every shift. Roster e-mails are deleted a set number of days "
            "after closing."
        ),
    )
    open_link_enabled = forms.BooleanField(
        label=_("Open link: anyone with the wave's link can answer, choosing their unit"),
        required=False,
        help_text=_("Use it when you have no roster, or in addition to one."),
    )
    min_group_size = forms.IntegerField(label=_label("min_group_size"))
    min_comment_group_size = forms.IntegerField(label=_label("min_comment_group_size"))
    min_equity_group_size = forms.IntegerField(label=_label("min_equity_group_size"))

    def __init__(self, *args: Any, wave: Wave | None = None, **kwargs: Any) -> None:
        self.wave = wave
        if wave is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": wave.name,
                    "instrument_version": wave.instrument_version_id,
                    "units": list(wave.units.all()),
                    "opens_on": wave.opens_on,
                    "closes_on": wave.closes_on,
                    "open_link_enabled": wave.open_link_enabled,
                    **{field: getattr(wave, field) for field in THRESHOLD_FIELDS},
                },
            )
        else:
            kwargs.setdefault("initial", dict(THRESHOLD_DEFAULTS))
        super().__init__(*args, **kwargs)
        locked = wave is not None and wave.thresholds_locked
        for field in THRESHOLD_FIELDS:
            minimum = getattr(wave, field) if locked else MIN_GROUP_SIZE_FLOOR
            help_text = THRESHOLD_HELP[field] % {
                "floor": MIN_GROUP_SIZE_FLOOR,
                "default": THRESHOLD_DEFAULTS[field],
            }
            self.fields[field] = forms.IntegerField(
                label=self.fields[field].label,
                min_value=minimum,
                max_value=1000,
                help_text=help_text,
            )
        if wave is not None:
            del self.fields["slug"]
            if wave.status != Wave.Status.DRAFT:
                self.fields["instrument_version"].disabled = True
                self.fields["units"].disabled = True
            if wave.status not in (Wave.Status.DRAFT, Wave.Status.OPEN):
                self.fields["opens_on"].disabled = True
                self.fields["closes_on"].disabled = True
            # The service keeps a date that is left empty, so an empty date would mislead.
            self.fields["opens_on"].required = wave.opens_on is not None
            self.fields["closes_on"].required = wave.closes_on is not None
        self.helper = self._helper(locked)

    def _helper(self, locked: bool) -> FormHelper:
        helper = FormHelper()
        helper.template = FORM_TEMPLATE
        helper.form_tag = True
        helper.attrs = {"novalidate": ""}
        about = (
            ["name", "instrument_version"] if self.wave else ["name", "slug", "instrument_version"]
        )
        self.threshold_note = (
            _(
                "This wave has opened: each threshold can be raised but never lowered, so the "
                "smallest value allowed is the current one."
            )
            if locked
            else _(
                "The floor is %(floor)s for every threshold. Once the wave opens, thresholds can "
                "be raised but never lowered."
            )
            % {"floor": MIN_GROUP_SIZE_FLOOR}
        )
        helper.layout = Layout(
            Fieldset(_("About the wave"), *about),
            Field("units", template="hr/includes/unit_checkboxes.html"),
            Fieldset(_("Dates and access"), "opens_on", "closes_on", "open_link_enabled"),
            Fieldset(
                _("Privacy thresholds"),
                HTML('<p class="form-text" id="threshold-note">{{ form.threshold_note }}</p>'),
                *THRESHOLD_FIELDS,
                aria_describedby="threshold-note",
            ),
        )
        helper.add_input(Submit("submit", _("Save changes") if self.wave else _("Create the wave")))
        return helper

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if Wave.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("Another wave already uses this short name."))
        return slug

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        opens_on, closes_on = data.get("opens_on"), data.get("closes_on")
        if opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", _("The wave cannot close before it opens."))
        score, comment = data.get("min_group_size"), data.get("min_comment_group_size")
        if score and comment and comment < score:
            self.add_error(
                "min_comment_group_size",
                _("The comment threshold cannot be lower than the score threshold."),
            )
        return data


class UploadForm(forms.Form):
    """One file: a roster, paper responses or an instrument definition."""

    file = forms.FileField(label=_("File"))

    def __init__(
        self, *args: Any, label: str, help_text: str, accept: str, submit: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].label = label
        self.fields["file"].help_text = help_text
        self.fields["file"].widget.attrs["accept"] = accept
        # The page writes the <form> tag itself (action, enctype, hidden fields).
        self.helper = FormHelper()
        self.helper.template = FORM_TEMPLATE
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.add_input(Submit("submit", submit))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    target = forms.CharField(
        label=_("Wave or target contains"),
        required=False,
        max_length=100,
        help_text=_("For example a wave's short name, or part of its name."),
    )

    def __init__(self, *args: Any, prefixes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions"))] + [
            (prefix, f"{prefix}.*") for prefix in prefixes
        ]
