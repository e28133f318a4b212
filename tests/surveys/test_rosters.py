"""Roster import: the good path, and every kind of bad row refused by its line, all or nothing."""

from __future__ import annotations

import pytest

from surveys.csvrows import RowErrors
from surveys.models import AuditEntry, Invitation
from surveys.services.rosters import roster_import, roster_parse, roster_read
from surveys.services.waves import wave_create, wave_set_status
from surveys.tokens import invitation_token, token_hash
from tests.hr_helpers import roster_csv

pytestmark = pytest.mark.django_db


def rows(*lines: str, header: str = "email,unit_code,language"):
    return roster_read(roster_csv(*lines, header=header))


def refused(wave, *lines: str, header: str = "email,unit_code,language") -> list[str]:
    before = Invitation.objects.count()
    with pytest.raises(RowErrors) as raised:
        roster_import(wave=wave, rows=rows(*lines, header=header))
    assert Invitation.objects.count() == before, "nothing may be written"
    return raised.value.errors


def test_good_roster_creates_pending_invitations_with_derived_tokens(wave, org, hr):
    preview = roster_import(
        wave=wave,
        rows=rows("Dana@Example.org,N-ED,fr", "sam@example.org,S-MED,", "lee@example.org,N-ICU,EN"),
        by=hr,
    )

    assert preview.total == 3
    assert [(unit.code, count) for unit, count in preview.per_unit] == [
        ("N-ED", 1),
        ("N-ICU", 1),
        ("S-MED", 1),
    ]
    assert preview.languages == [("en", 2), ("fr", 1)]
    stored = {i.email: i for i in Invitation.objects.filter(wave=wave)}
    assert set(stored) == {"dana@example.org", "sam@example.org", "lee@example.org"}
    dana = stored["dana@example.org"]
    assert (dana.unit.code, dana.language, dana.status) == ("N-ED", "fr", "pending")
    assert stored["sam@example.org"].language == "en"  # empty language: English
    assert dana.sent_on is None and dana.send_state == ""
    assert len(dana.token_salt) >= 43
    assert dana.token_hash == token_hash(invitation_token(dana.token_salt))
    assert len({i.token_salt for i in stored.values()}) == 3
    entry = AuditEntry.objects.get(action="roster.import")
    assert entry.actor == hr
    assert entry.data == {"count": 3, "units": 3, "languages": {"en": 2, "fr": 1}}


def test_language_column_is_optional(wave, org):
    preview = roster_import(wave=wave, rows=rows("a@example.org,N-ED", header="email,unit_code"))

    assert preview.languages == [("en", 1)]


def test_parse_writes_nothing(wave, org):
    preview = roster_parse(wave=wave, rows=rows("a@example.org,N-ED,en"))

    assert preview.total == 1
    assert not Invitation.objects.exists()


def test_bad_email_is_refused_with_its_line(wave, org):
    errors = refused(wave, "ok@example.org,N-ED,en", "not-an-address,N-ED,en", ",N-ED,en")

    assert errors == [
        "line 3: email not-an-address is not an e-mail address",
        "line 4: email is empty",
    ]


def test_unknown_unit_is_refused(wave, org):
    errors = refused(wave, "a@example.org,NOWHERE,en", "b@example.org,,en")

    assert errors == ["line 2: unknown unit_code NOWHERE", "line 3: unit_code is empty"]


def test_unit_outside_the_wave_is_refused(org, mini_version):
    north_only = wave_create(
        slug="north", name="North", instrument_version=mini_version, units=[org["NORTH"]]
    )

    errors = refused(north_only, "a@example.org,N-ED,en", "b@example.org,S-MED,en")

    assert errors == ["line 3: unit_code S-MED is not in this wave's units"]


def test_duplicate_email_in_the_file_is_refused(wave, org):
    errors = refused(
        wave, "a@example.org,N-ED,en", "b@example.org,N-ED,en", "A@example.org,S-MED,fr"
    )

    assert errors == ["line 4: duplicate email a@example.org (first on line 2)"]


def test_email_already_in_the_wave_is_refused(wave, org):
    roster_import(wave=wave, rows=rows("a@example.org,N-ED,en"))

    errors = refused(wave, "new@example.org,N-ED,en", "A@EXAMPLE.ORG,N-ICU,en")

    assert errors == ["line 3: email a@example.org is already invited to this wave"]


def test_bad_language_is_refused(wave, org):
    errors = refused(wave, "a@example.org,N-ED,de", "b@example.org,N-ED,english")

    assert errors == [
        "line 2: language de is not en or fr",
        "line 3: language english is not en or fr",
    ]


def test_every_problem_of_a_line_is_reported_together(wave, org):
    errors = refused(wave, "bad,NOWHERE,xx")

    assert errors == [
        "line 2: email bad is not an e-mail address; unknown unit_code NOWHERE; "
        "language xx is not en or fr"
    ]


def test_extra_values_are_refused(wave, org):
    errors = refused(wave, "a@example.org,N-ED,en,surprise")

    assert errors == ["line 2: more values than columns"]


def test_header_problems_are_refused(wave, org):
    with pytest.raises(RowErrors) as raised:
        rows("a@example.org,en", header="email,language")

    assert raised.value.errors == ["line 1: missing column(s): unit_code"]


def test_empty_file_is_refused(wave, org):
    assert refused(wave, header="email,unit_code") == ["The file has no one to invite."]


def test_closed_wave_takes_no_roster(open_wave, org):
    wave_set_status(wave=open_wave, status="closed")

    assert refused(open_wave, "a@example.org,N-ED,en") == [
        "A roster can be imported only while the wave is a draft or open."
    ]


def test_open_wave_takes_late_additions(open_wave, org):
    roster_import(wave=open_wave, rows=rows("late@example.org,N-ED,en"))

    assert Invitation.objects.filter(wave=open_wave).count() == 1


def test_same_address_may_be_invited_to_another_wave(wave, org, mini_version):
    other = wave_create(
        slug="autumn", name="Autumn", instrument_version=mini_version, units=[org["ORG"]]
    )
    roster_import(wave=wave, rows=rows("a@example.org,N-ED,en"))

    roster_import(wave=other, rows=rows("a@example.org,N-ED,en"))

    assert Invitation.objects.filter(email="a@example.org").count() == 2
