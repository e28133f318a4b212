"""`manage.py import_roster --wave SLUG FILE.csv`: the same service as the HR page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from surveys.models import AuditEntry, Invitation

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_imports_a_roster(tmp_path, wave, org):
    path = write(
        tmp_path, "email,unit_code,language\na@example.org,N-ED,fr\nb@example.org,S-MED,\n"
    )

    output = run("import_roster", "--wave", "spring", str(path))

    assert output.strip() == "Imported 2 invitation(s) into spring across 2 unit(s) (en: 1, fr: 1)."
    assert Invitation.objects.filter(wave=wave).count() == 2
    assert AuditEntry.objects.get(action="roster.import").actor_name == "import_roster"


def test_bad_rows_are_listed_and_nothing_is_written(tmp_path, wave, org):
    path = write(
        tmp_path,
        "email,unit_code,language\na@example.org,N-ED,en\nnope,N-ED,en\nc@example.org,XX,en\n"
        "a@example.org,N-ICU,fr\n",
    )

    with pytest.raises(CommandError) as raised:
        run("import_roster", "--wave", "spring", str(path))

    assert str(raised.value).splitlines() == [
        f"{path}: nothing was imported.",
        "line 3: email nope is not an e-mail address",
        "line 4: unknown unit_code XX",
        "line 5: duplicate email a@example.org (first on line 2)",
    ]
    assert not Invitation.objects.exists()


def test_unknown_wave(tmp_path, db):
    path = write(tmp_path, "email,unit_code\n")

    with pytest.raises(CommandError, match="unknown wave 'nope'"):
        run("import_roster", "--wave", "nope", str(path))


def test_missing_file(tmp_path, wave):
    with pytest.raises(CommandError, match="no such file"):
        run("import_roster", "--wave", "spring", str(tmp_path / "missing.csv"))
