"""The welcome page, the privacy notice and the survey itself, one page per section."""

from __future__ import annotations

from dataclasses import replace

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from reports.selectors import published_actions_for
from surveys import journey
from surveys.forms import SectionForm, UnitChoiceForm, section_initial
from surveys.instruments.definition import Definition
from surveys.instruments.encoding import score_answers
from surveys.models import Draft, OrgUnit, Wave
from surveys.personal_result import scores_to_bytes
from surveys.privacy import privacy_notice
from surveys.selectors import respondent_unit, wave_unit_choices
from surveys.services.drafts import (
    DraftState,
    draft_key_hash,
    draft_save,
    response_submit_with_draft,
)
from surveys.services.responses import AlreadySubmitted, SubmissionError, TokenUsed
from surveys.views.common import open_wave_or_unavailable, set_language_cookie, unavailable


def welcome_page(
    request: HttpRequest,
    wave: Wave,
    *,
    unit_form: UnitChoiceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    definition = wave.instrument_version.parsed
    current = journey.load(request, wave=wave.slug)
    if unit_form is None and wave.open_link_enabled and not (current and current.started):
        unit_form = UnitChoiceForm(wave_unit_choices(wave))
    unit = respondent_unit(wave, current)
    context = {
        "wave": wave,
        "definition": definition,
        "journey": current,
        "notice": privacy_notice(wave),
        "noted_sections": [section for section in definition.sections if section.content_note],
        "section_count": len(definition.sections),
        "published_actions": _published_actions(wave, unit),
        "respondent_unit": unit,
        "unit_form": unit_form,
    }
    return render(request, "surveys/welcome.html", context, status=status)


def _published_actions(wave: Wave, unit: OrgUnit | None) -> list[object]:
    """ "You said, we did": commitments for the respondent's unit and the units above it.

    Before an open-link respondent has chosen their unit, only the commitments
    made for the whole wave's top units are shown.
    """
    units = [unit] if unit else list(wave.units.all())
    items: dict[int, object] = {}
    for each in units:
        for item in published_actions_for(wave=wave, unit=each):
            items.setdefault(item.pk, item)
    return list(items.values())


@login_not_required
@never_cache
def welcome(request: HttpRequest, slug: str) -> HttpResponse:
    wave, problem = open_wave_or_unavailable(request, slug)
    if problem:
        return problem
    assert wave is not None
    current = journey.load(request, wave=slug)
    if not wave.open_link_enabled and not (current and (current.started or current.submitted)):
        return unavailable(request, "invitation_only", wave=wave)
    return welcome_page(request, wave)


@login_not_required
def privacy(request: HttpRequest, slug: str) -> HttpResponse:
    wave, problem = open_wave_or_unavailable(request, slug)
    if problem:
        return problem
    assert wave is not None
    return render(request, "surveys/privacy.html", {"wave": wave, "notice": privacy_notice(wave)})


def _render_page(
    request: HttpRequest,
    wave: Wave,
    definition: Definition,
    number: int,
    form: SectionForm,
    *,
    submit_error: str = "",
    status: int = 200,
) -> HttpResponse:
    total = len(definition.sections)
    return render(
        request,
        "surveys/page.html",
        {
            "wave": wave,
            "section": form.section,
            "form": form,
            "number": number,
            "total": total,
            "is_last": number == total,
            "submit_error": submit_error,
            "survey_form_id": "survey-form",
        },
        status=status,
    )


@login_not_required
@never_cache
def page(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    wave, problem = open_wave_or_unavailable(request, slug)
    if problem:
        return problem
    assert wave is not None
    current = journey.load(request, wave=slug)
    if current is not None and current.submitted:
        target = reverse("surveys:result", kwargs={"slug": slug})
        return redirect(f"{target}?already=1" if request.method == "POST" else target)
    if current is None or not current.started:
        return redirect("surveys:welcome", slug=slug)
    definition = wave.instrument_version.parsed
    if not 1 <= number <= len(definition.sections):
        raise Http404
    section = definition.sections[number - 1]
    comments = journey.load_comments(request)

    if request.method != "POST":
        initial = section_initial(
            section, current.answer_values(definition), current.declined, comments
        )
        return _render_page(
            request, wave, definition, number, SectionForm(section, initial=initial)
        )

    form = SectionForm(section, request.POST)
    valid = form.is_valid()
    updated = replace(
        current.with_answers(definition, form.answers(), form.declined()),
        reached=max(current.reached, number),
    )
    comments = {**comments, **form.comments()}
    action = request.POST.get("action", "next")
    leaving = action != "submit" and not (action == "next" and number == len(definition.sections))
    if valid and leaving and not journey.comments_fit(comments):
        for code in form.comments():
            form.add_error(
                code,
                _(
                    "This comment is too long to keep while you move between pages. "
                    "Shorten it, or submit your answers from this page."
                ),
            )
        valid = False
    if not valid:
        # Keep every valid answer of this page; the form shows the rest as typed.
        response = _render_page(request, wave, definition, number, form)
        journey.save(response, updated)
        return response

    if action.startswith("lang:"):
        response = redirect("surveys:page", slug=slug, number=number)
        set_language_cookie(response, action.removeprefix("lang:"))
    elif action == "back":
        response = (
            redirect("surveys:page", slug=slug, number=number - 1)
            if number > 1
            else redirect("surveys:welcome", slug=slug)
        )
    elif action == "save":
        code, _draft = draft_save(
            wave=wave,
            code=updated.resume_code,
            state=DraftState(
                token=updated.token,
                once_key=updated.once_key,
                unit=updated.unit,
                answers=updated.answers,
                declined=tuple(sorted(updated.declined)),
                comments=comments,
                reached=number,
            ),
        )
        updated = replace(updated, resume_code=code, reached=number)
        response = redirect("surveys:saved", slug=slug)
    elif leaving:
        response = redirect("surveys:page", slug=slug, number=number + 1)
    else:
        return _submit(request, wave, definition, number, form, updated, comments)
    journey.save(response, updated)
    journey.save_comments(response, comments)
    return response


def _submit(
    request: HttpRequest,
    wave: Wave,
    definition: Definition,
    number: int,
    form: SectionForm,
    current: journey.Journey,
    comments: dict[str, str],
) -> HttpResponse:
    answers = current.answer_values(definition)
    kwargs: dict[str, object]
    if current.token:
        kwargs = {"source": "invitation", "token": current.token}
    else:
        unit = OrgUnit.objects.filter(pk=current.unit).first() if current.unit else None
        kwargs = {"source": "open_link", "unit": unit, "once_key": current.once_key}
    result_url = reverse("surveys:result", kwargs={"slug": wave.slug})
    try:
        submission = response_submit_with_draft(
            wave=wave,
            resume_code=current.resume_code,
            answers=answers,
            comments={code: text for code, text in comments.items() if text},
            **kwargs,
        )
    except (AlreadySubmitted, TokenUsed):
        # An earlier click or another tab stored these answers; exactly one copy was kept.
        # Its receipt code went to that other page, so this one can only show the scores.
        scores = scores_to_bytes(definition, score_answers(definition, answers))
        response = redirect(f"{result_url}?already=1")
        journey.save(response, current.as_result(receipt=None, scores=scores))
        journey.clear_comments(response)
        return response
    except SubmissionError as error:
        response = _render_page(
            request, wave, definition, number, form, submit_error=str(error.message), status=409
        )
    except DatabaseError:
        response = _render_page(
            request,
            wave,
            definition,
            number,
            form,
            submit_error=_(
                "We could not save your answers just now. Nothing was lost: "
                "please try again in a moment."
            ),
            status=503,
        )
    else:
        response = redirect(result_url)
        journey.save(
            response,
            current.as_result(
                receipt=submission.receipt_code,
                scores=scores_to_bytes(definition, submission.scores),
            ),
        )
        journey.clear_comments(response)
        return response
    journey.save(response, current)
    journey.save_comments(response, comments)
    return response


@login_not_required
@never_cache
def saved(request: HttpRequest, slug: str) -> HttpResponse:
    """The resume code and link, after "Save and continue later"."""
    wave, problem = open_wave_or_unavailable(request, slug)
    if problem:
        return problem
    assert wave is not None
    current = journey.load(request, wave=slug)
    if current is None or not current.resume_code:
        return redirect("surveys:welcome", slug=slug)
    draft = Draft.objects.filter(key_hash=draft_key_hash(current.resume_code)).first()
    if draft is None:
        return redirect("surveys:welcome", slug=slug)
    link = request.build_absolute_uri(
        reverse("surveys:resume_link", kwargs={"code": current.resume_code})
    )
    return render(
        request,
        "surveys/saved.html",
        {
            "wave": wave,
            "code": current.resume_code,
            "link": link,
            "expires_on": draft.expires_on,
            "journey": current,
        },
    )
