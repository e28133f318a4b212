"""Paper responses: an HR admin's CSV of transcribed forms, through `response_submit`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from surveys.audit import audit
from surveys.csvrows import CsvRow, RowErrors
from surveys.instruments.encoding import AnswerError, encode_answers
from surveys.models import OrgUnit, Wave
from surveys.selectors import wave_scope
from surveys.services.responses import SubmissionError, response_submit

MULTI_SEPARATOR = ";"


@dataclass(frozen=True)
class PaperResponse:
    line: int
    unit: OrgUnit
    answers: dict[str, Any]
    comments: dict[str, str]


def paper_columns(wave: Wave) -> tuple[str, ...]:
    definition = wave.instrument_version.parsed
    return ("unit_code", *(item.code for item in definition.items))


def paper_responses_parse(*, wave: Wave, rows: list[CsvRow]) -> list[PaperResponse]:
    """Check every row; raise `RowErrors` naming each bad line, or return parsed rows."""
    definition = wave.instrument_version.parsed
    units = {unit.code: unit for unit in wave_scope(wave)}
    errors: list[str] = []
    parsed: list[PaperResponse] = []
    for row in rows:
        if row.values.get("__extra__"):
            errors.append(_("line %(line)s: more values than columns") % {"line": row.line})
            continue
        problems: list[str] = []
        unit = units.get(row.get("unit_code"))
        if unit is None:
            problems.append(
                _("unit_code %(code)s is not a unit of this wave")
                % {"code": row.get("unit_code") or '""'}
            )
        answers: dict[str, Any] = {}
        comments: dict[str, str] = {}
        for item in definition.items:
            value = row.get(item.code)
            if not value:
                continue
            if item.type == "text":
                if len(value) > item.max_length:
                    problems.append(
                        _("%(code)s: longer than %(limit)s characters")
                        % {"code": item.code, "limit": item.max_length}
                    )
                comments[item.code] = value
            elif item.type == "multi":
                answers[item.code] = [
                    part.strip() for part in value.split(MULTI_SEPARATOR) if part.strip()
                ]
            else:
                answers[item.code] = value
        try:
            encode_answers(definition, answers)
        except AnswerError as error:
            problems.append(str(error))
        if problems:
            errors.append(
                _("line %(line)s: %(problems)s")
                % {"line": row.line, "problems": "; ".join(problems)}
            )
        elif unit is not None:
            parsed.append(PaperResponse(row.line, unit, answers, comments))
    if errors:
        raise RowErrors(errors)
    return parsed


def paper_responses_import(*, wave: Wave, rows: list[CsvRow], by: object = None) -> int:
    """Import paper responses all or nothing. Returns how many were stored."""
    if wave.status not in (Wave.Status.OPEN, Wave.Status.CLOSED):
        raise RowErrors(
            [_("Paper responses can be imported only while the wave is open or closed.")]
        )
    parsed = paper_responses_parse(wave=wave, rows=rows)
    if not parsed:
        raise RowErrors([_("The file has no responses.")])
    try:
        with transaction.atomic():
            for response in parsed:
                response_submit(
                    wave=wave,
                    unit=response.unit,
                    answers=response.answers,
                    comments=response.comments,
                    source="paper",
                    with_receipt=False,
                )
            Wave.objects.filter(pk=wave.pk).update(data_version=F("data_version") + 1)
            audit(by, "responses.import_paper", wave, count=len(parsed))
    except SubmissionError as error:
        raise RowErrors([str(error)]) from None
    return len(parsed)
