"""Forms of the staff journey. The survey form is built from an instrument `Section`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from surveys.instruments.definition import Item, Section
from surveys.instruments.encoding import AnswerValue
from surveys.tokens import normalize_code

# The value of the visible "Prefer not to answer" choice that the survey adds to
# every scale item; it is stored exactly like a skipped question.
DECLINE = "decline"
_DECLINE_VALUES = (DECLINE, "prefer_not_to_answer")


@dataclass(frozen=True)
class ChoiceInput:
    """One radio button or checkbox of a question, with its label.

    The input is built here rather than by a widget template per input: a
    survey page has some 60 of them, and rendering each through Django's form
    renderer cost more than the rest of the page.
    """

    id: str
    tag: SafeString
    label: str
    decline: bool


class SectionForm(forms.Form):
    """One page of the survey: every item optional, nothing required.

    `self_rating=True` words CARES items for a leader rating themselves.
    """

    def __init__(self, section: Section, *args: Any, self_rating: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.section = section
        self.items: dict[str, Item] = {}
        for item in section.items:
            text = item.self_text if self_rating and item.self_text else item.text
            self.fields[item.code] = _field_for(item, str(text))
            self.items[item.code] = item

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for code, item in self.items.items():
            if item.type != "multi" or code in self.errors:
                continue
            chosen = cleaned.get(code) or []
            exclusive = [option for option in item.options if option.exclusive]
            for option in exclusive:
                if option.code in chosen and len(chosen) > 1:
                    self.add_error(
                        code,
                        gettext(
                            "“%(option)s” cannot be combined with other answers. "
                            "Choose it on its own, or unselect it and keep the others."
                        )
                        % {"option": option.label},
                    )
                    break
        return cleaned

    # -- what the page yields (valid fields only, so an error loses nothing else) --
    def _valid(self) -> dict[str, Any]:
        data = getattr(self, "cleaned_data", {})
        return {code: data.get(code) for code in self.items if code not in self.errors}

    def answers(self) -> dict[str, AnswerValue]:
        """Stored answers of this page's valid items; skipped and declined ones are None."""
        result: dict[str, AnswerValue] = {}
        for code, value in self._valid().items():
            item = self.items[code]
            if item.type == "text":
                continue
            if item.type == "scale":
                result[code] = None if value in (None, "", DECLINE) else int(value)
            elif item.type == "multi":
                result[code] = list(value or []) or None
            else:
                result[code] = value or None
        return result

    def declined(self) -> set[str]:
        return {code for code, value in self._valid().items() if value == DECLINE}

    def comments(self) -> dict[str, str]:
        return {
            code: (value or "").strip()
            for code, value in self._valid().items()
            if self.items[code].type == "text"
        }

    def items_and_fields(self) -> list[tuple[Item, forms.BoundField, list[ChoiceInput]]]:
        """Each question with its bound field and, for choice questions, its inputs."""
        return [
            (item, self[code], _choice_inputs(item, self[code]))
            for code, item in self.items.items()
        ]

    def error_links(self) -> list[tuple[str, str, str]]:
        """(anchor id, question, message) for the error summary at the top of the page."""
        links = []
        for code, errors in self.errors.items():
            if code not in self.items:
                continue
            field = self[code]
            anchor = field.auto_id if self.items[code].type == "text" else f"{field.auto_id}_0"
            links.extend((anchor, field.label, str(error)) for error in errors)
        return links


def _choice_inputs(item: Item, field: forms.BoundField) -> list[ChoiceInput]:
    if item.type == "text":
        return []
    kind = "checkbox" if item.type == "multi" else "radio"
    value = field.value()
    chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value)}
    inputs = []
    for index, (choice, label) in enumerate(field.field.choices):  # type: ignore[attr-defined]
        input_id = f"{field.auto_id}_{index}"
        tag = format_html(
            '<input type="{}" name="{}" value="{}" class="form-check-input" id="{}"{}>',
            kind,
            field.html_name,
            choice,
            input_id,
            " checked" if str(choice) in chosen else "",
        )
        inputs.append(ChoiceInput(input_id, tag, str(label), choice in _DECLINE_VALUES))
    return inputs


def _field_for(item: Item, text: str) -> forms.Field:
    help_text = str(item.help) if item.help else ""
    if item.type == "scale":
        assert item.scale is not None
        choices = [(str(option.value), str(option.label)) for option in item.scale.options]
        choices.append((DECLINE, gettext("Prefer not to answer")))
        return forms.ChoiceField(
            label=text,
            help_text=help_text,
            required=False,
            choices=choices,
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        )
    if item.type == "single":
        return forms.ChoiceField(
            label=text,
            help_text=help_text,
            required=False,
            choices=[(option.code, str(option.label)) for option in item.options],
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        )
    if item.type == "multi":
        return forms.MultipleChoiceField(
            label=text,
            help_text=help_text,
            required=False,
            choices=[(option.code, str(option.label)) for option in item.options],
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        )
    return forms.CharField(
        label=text,
        help_text=help_text,
        required=False,
        max_length=item.max_length,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 6}),
    )


def section_initial(
    section: Section,
    answers: dict[str, AnswerValue],
    declined: frozenset[str] | set[str],
    comments: dict[str, str],
) -> dict[str, Any]:
    """What a page shows when a person comes back to it."""
    initial: dict[str, Any] = {}
    for item in section.items:
        if item.type == "text":
            initial[item.code] = comments.get(item.code, "")
        elif item.code in declined and answers.get(item.code) is None:
            initial[item.code] = DECLINE
        elif answers.get(item.code) is not None:
            value = answers[item.code]
            initial[item.code] = str(value) if item.type == "scale" else value
    return initial


class UnitChoiceForm(forms.Form):
    unit = forms.ChoiceField(
        label=_("Your unit or team"),
        help_text=_(
            "Your answers count towards this unit's group results, which are shown only "
            "when enough people have answered."
        ),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, choices: list[tuple[str, list[tuple[str, str]]]], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", gettext("Choose your unit…")), *choices]


class CodeForm(forms.Form):
    """A resume or receipt code, forgiving about case, spaces and dashes."""

    code = forms.CharField(
        max_length=60,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "class": "form-control font-monospace",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, *args: Any, label: str = "", help_text: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = label
        self.fields["code"].help_text = help_text

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        if len(code) != 26:
            raise forms.ValidationError(
                gettext("A code has 26 letters and digits, for example ABCDE-FGHJK-…")
            )
        return code
