"""Rosters: who is invited to a wave (CSV `email,unit_code[,language]`), all or nothing.

`roster_parse` checks a whole file and either reports every bad line by its
number or returns what would be imported; `roster_import` does the same under
a lock on the wave and then creates the invitations. Each invitation gets a
random token salt and only the hash of its derived token
(`surveys.tokens.invitation_token`): the link itself is never stored.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from surveys.audit import audit
from surveys.csvrows import CsvRow, RowErrors, read_csv
from surveys.models import Invitation, OrgUnit, Wave
from surveys.selectors import wave_scope
from surveys.tokens import invitation_token, new_token_salt, token_hash

ROSTER_REQUIRED = ("email", "unit_code")
ROSTER_OPTIONAL = ("language",)
ROSTER_LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
PREVIEW_ROWS = 10
EMAIL_MAX_LENGTH = 254
IMPORTABLE = (Wave.Status.DRAFT, Wave.Status.OPEN)


@dataclass(frozen=True)
class RosterRow:
    line: int
    email: str
    unit: OrgUnit
    language: str


@dataclass(frozen=True)
class RosterPreview:
    """What an import would create: counts only, plus the first rows to check the columns."""

    rows: list[RosterRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def per_unit(self) -> list[tuple[OrgUnit, int]]:
        counts = Counter(row.unit.pk for row in self.rows)
        units = {row.unit.pk: row.unit for row in self.rows}
        return [(units[pk], counts[pk]) for pk in sorted(units, key=lambda pk: units[pk].path)]

    @property
    def languages(self) -> list[tuple[str, int]]:
        counts = Counter(row.language for row in self.rows)
        return [(language, counts[language]) for language in ROSTER_LANGUAGES if counts[language]]

    @property
    def first_rows(self) -> list[RosterRow]:
        return self.rows[:PREVIEW_ROWS]


def roster_read(source: str | bytes) -> list[CsvRow]:
    """Read a roster file's rows, refusing a bad header (see `surveys.csvrows.read_csv`)."""
    return read_csv(source, required=ROSTER_REQUIRED, optional=ROSTER_OPTIONAL)


def roster_parse(*, wave: Wave, rows: list[CsvRow]) -> RosterPreview:
    """Check every row; raise `RowErrors` naming each bad line, or return the preview.

    Refused: a malformed e-mail address, an unknown unit, a unit outside the
    wave's scope, an e-mail repeated in the file or already invited to this
    wave, a language other than en or fr. Nothing is written.
    """
    if wave.status not in IMPORTABLE:
        raise RowErrors([_("A roster can be imported only while the wave is a draft or open.")])
    scope = {unit.code: unit for unit in wave_scope(wave)}
    codes = {row.get("unit_code") for row in rows} - set(scope) - {""}
    outside = set(OrgUnit.objects.filter(code__in=codes).values_list("code", flat=True))
    invited = {
        email.lower()
        for email in Invitation.objects.filter(wave=wave)
        .exclude(email="")
        .values_list("email", flat=True)
    }
    first_line: dict[str, int] = {}
    errors: list[str] = []
    parsed: list[RosterRow] = []
    for row in rows:
        if row.values.get("__extra__"):
            errors.append(_("line %(line)s: more values than columns") % {"line": row.line})
            continue
        problems: list[str] = []
        email = row.get("email").lower()
        if not email:
            problems.append(_("email is empty"))
        elif not _is_email(email):
            problems.append(_("email %(email)s is not an e-mail address") % {"email": email})
        elif email in first_line:
            problems.append(
                _("duplicate email %(email)s (first on line %(line)s)")
                % {"email": email, "line": first_line[email]}
            )
        elif email in invited:
            problems.append(_("email %(email)s is already invited to this wave") % {"email": email})
        else:
            first_line[email] = row.line
        code = row.get("unit_code")
        unit = scope.get(code)
        if not code:
            problems.append(_("unit_code is empty"))
        elif code in outside:
            problems.append(_("unit_code %(code)s is not in this wave's units") % {"code": code})
        elif unit is None:
            problems.append(_("unknown unit_code %(code)s") % {"code": code})
        language = row.get("language").lower() or DEFAULT_LANGUAGE
        if language not in ROSTER_LANGUAGES:
            problems.append(
                _("language %(language)s is not en or fr") % {"language": row.get("language")}
            )
        if problems:
            errors.append(
                _("line %(line)s: %(problems)s")
                % {"line": row.line, "problems": "; ".join(problems)}
            )
        elif unit is not None:
            parsed.append(RosterRow(row.line, email, unit, language))
    if errors:
        raise RowErrors(errors)
    if not parsed:
        raise RowErrors([_("The file has no one to invite.")])
    return RosterPreview(parsed)


def roster_import(*, wave: Wave, rows: list[CsvRow], by: object = None) -> RosterPreview:
    """Create one pending invitation per row, all or nothing, and return what was imported.

    The checks run again under a lock on the wave, so two imports at once
    cannot invite the same address twice.
    """
    with transaction.atomic():
        wave = Wave.objects.select_for_update().get(pk=wave.pk)
        preview = roster_parse(wave=wave, rows=rows)
        invitations = []
        for row in preview.rows:
            salt = new_token_salt()
            invitations.append(
                Invitation(
                    wave=wave,
                    unit=row.unit,
                    email=row.email,
                    language=row.language,
                    token_salt=salt,
                    token_hash=token_hash(invitation_token(salt)),
                )
            )
        Invitation.objects.bulk_create(invitations, batch_size=2000)
        audit(
            by,
            "roster.import",
            wave,
            count=preview.total,
            units=len(preview.per_unit),
            languages=dict(preview.languages),
        )
    return preview


def _is_email(value: str) -> bool:
    if len(value) > EMAIL_MAX_LENGTH:
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True
