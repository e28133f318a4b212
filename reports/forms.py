"""Forms for action plans. They validate input only; the services write."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import ActionItem
from surveys.models import Wave


class ActionItemForm(forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = ("domain_code", "commitment", "owner_role", "due_on", "status")
        widgets = {
            "commitment": forms.Textarea(attrs={"rows": 3}),
            "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, wave: Wave, submit_label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        definition = wave.instrument_version.parsed
        self.fields["domain_code"] = forms.ChoiceField(
            label=_("What it addresses"),
            required=False,
            choices=[("", _("General (not one result area)"))]
            + [(domain.code, str(domain.name)) for domain in definition.domains],
            help_text=ActionItem._meta.get_field("domain_code").help_text,
        )
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.add_input(Submit("submit", submit_label))


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionItem.Status.choices)


class ActionPublishForm(forms.Form):
    publish = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1"
    )
