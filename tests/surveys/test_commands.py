"""The management commands: happy paths, and bad input refused with nothing written."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from reports.aggregation import wave_report
from reports.exporters import tidy_rows
from reports.viewers import viewer_for
from surveys.instruments.encoding import decode_answers, decode_scores
from surveys.models import (
    AuditEntry,
    Comment,
    Instrument,
    InstrumentVersion,
    Leadership,
    OrgUnit,
    Response,
    Wave,
)
from surveys.services.waves import wave_create, wave_set_status
from tests.conftest import FIXTURES, mini_document

pytestmark = pytest.mark.django_db

DEFAULT_INSTRUMENT = (
    Path(__file__).resolve().parents[2] / "surveys" / "instruments" / "data" / "continuum-v1.json"
)
PAPER_HEADER = "unit_code,A1,A2,A3,A4,B1,D1,D2,E1\n"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- import_units ------------------------------------------------------------------


def test_import_units(tmp_path: Path, django_user_model: Any) -> None:
    path = write(
        tmp_path,
        "units.csv",
        "code,name,parent_code,leader_email\n"
        "WARD-1,Ward 1,HOSP,\n"
        "HOSP,Hospital,,\n"
        "WARD-2,Ward 2,HOSP,nina@example.org\n",
    )

    output = run("import_units", str(path))

    assert output.strip() == f"Imported {path}: 3 created, 0 updated, 1 leader assignment(s)."
    assert OrgUnit.objects.get(code="WARD-1").parent == OrgUnit.objects.get(code="HOSP")
    nina = django_user_model.objects.get(email="nina@example.org")
    assert Leadership.objects.get(user=nina).unit.code == "WARD-2"


def test_import_units_without_the_optional_column(tmp_path: Path) -> None:
    path = write(tmp_path, "units.csv", "code,name,parent_code\nHOSP,Hospital,\n")

    run("import_units", str(path))

    assert OrgUnit.objects.get().code == "HOSP"


def test_import_units_bad_file_writes_nothing(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "units.csv",
        "code,name,parent_code\nHOSP,Hospital,\nWARD-1,Ward 1,NOWHERE\nWARD-2,,HOSP\n",
    )

    with pytest.raises(CommandError) as raised:
        run("import_units", str(path))

    assert str(raised.value) == (
        f"{path}: nothing was imported.\nline 4: name is empty\nline 3: unknown parent_code NOWHERE"
    )
    assert not OrgUnit.objects.exists()
    assert not AuditEntry.objects.exists()


def test_import_units_overlong_name_is_reported_by_line(
    org: dict[str, OrgUnit], tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "units.csv",
        "code,name,parent_code\nNEW,New,ORG\nNORTH," + "n" * 201 + ",ORG\n",
    )

    with pytest.raises(CommandError) as raised:
        run("import_units", str(path))

    assert str(raised.value).splitlines()[1:] == ["line 3: name is longer than 200 characters"]
    assert not OrgUnit.objects.filter(code="NEW").exists()
    assert OrgUnit.objects.get(code="NORTH").name == "North"


def test_import_units_bad_header(tmp_path: Path) -> None:
    path = write(tmp_path, "units.csv", "code,name,manager\nHOSP,Hospital,x\n")

    with pytest.raises(CommandError) as raised:
        run("import_units", str(path))

    assert "line 1: missing column(s): parent_code" in str(raised.value)
    assert "line 1: unknown column(s): manager" in str(raised.value)
    assert not OrgUnit.objects.exists()


def test_import_units_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"

    with pytest.raises(CommandError, match="no such file"):
        run("import_units", str(missing))


# -- create_wave -------------------------------------------------------------------


def test_create_wave(org: dict[str, OrgUnit], mini_version: Any) -> None:
    output = run(
        "create_wave",
        "--slug",
        "autumn",
        "--name",
        "Autumn check-in",
        "--instrument",
        "mini",
        "--units",
        "NORTH, SOUTH",
        "--open-link",
        "--min-group-size",
        "6",
        "--opens",
        "2026-10-01",
        "--closes",
        "2026-10-29",
    )

    assert output.strip() == "Created wave autumn (Draft)."
    wave = Wave.objects.get(slug="autumn")
    assert wave.name == "Autumn check-in"
    assert wave.instrument_version == mini_version
    assert sorted(unit.code for unit in wave.units.all()) == ["NORTH", "SOUTH"]
    assert wave.open_link_enabled is True
    assert (wave.min_group_size, wave.min_comment_group_size) == (6, 10)
    assert str(wave.opens_on) == "2026-10-01"
    assert wave.status == "draft"


def test_create_wave_with_an_explicit_version(org: dict[str, OrgUnit], mini_version: Any) -> None:
    run("create_wave", "--slug", "w1", "--instrument", "mini:1", "--units", "ORG")

    wave = Wave.objects.get(slug="w1")
    assert wave.instrument_version == mini_version
    assert wave.name == "w1"
    assert wave.open_link_enabled is False


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--instrument", "mini", "--units", "NORTH,NOPE,ALSO-NOPE"],
            "unknown unit code(s): ALSO-NOPE, NOPE",
        ),
        (["--instrument", "nope", "--units", "NORTH"], "unknown instrument 'nope'"),
        (["--instrument", "mini:7", "--units", "NORTH"], "instrument 'mini:7' has no such version"),
        (["--instrument", "mini:v1", "--units", "NORTH"], "'v1' is not a version number"),
        (
            ["--instrument", "mini", "--units", "NORTH", "--min-group-size", "2"],
            "minimum group size cannot be below 3.",
        ),
        (
            ["--instrument", "mini", "--units", "NORTH", "--min-comment-group-size", "4"],
            "minimum group size for comments: "
            "The comment threshold cannot be lower than the score threshold.",
        ),
        (["--instrument", "mini", "--units", " , "], "Choose at least one unit for the wave."),
    ],
)
def test_create_wave_bad_input(
    org: dict[str, OrgUnit], mini_version: Any, arguments: list[str], message: str
) -> None:
    with pytest.raises(CommandError) as raised:
        run("create_wave", "--slug", "autumn", *arguments)

    assert str(raised.value) == message
    assert not Wave.objects.exists()


def test_create_wave_bad_date(org: dict[str, OrgUnit], mini_version: Any) -> None:
    with pytest.raises(CommandError, match="is not a date"):
        run(
            "create_wave",
            *("--slug", "autumn", "--instrument", "mini", "--units", "ORG"),
            *("--opens", "1 October"),
        )

    assert not Wave.objects.exists()


# -- set_wave_status ---------------------------------------------------------------


def test_set_wave_status(wave: Wave) -> None:
    output = run("set_wave_status", "--wave", "spring", "open")

    assert output.strip() == "Wave spring is now Open."
    assert Wave.objects.get(pk=wave.pk).status == "open"
    assert AuditEntry.objects.get(action="wave.open").actor_name == "set_wave_status"


def test_set_wave_status_bad_transition(wave: Wave) -> None:
    with pytest.raises(CommandError) as raised:
        run("set_wave_status", "--wave", "spring", "closed")

    assert str(raised.value) == "A wave cannot go from Draft to Closed."
    assert Wave.objects.get(pk=wave.pk).status == "draft"


def test_set_wave_status_unknown_wave(wave: Wave) -> None:
    with pytest.raises(CommandError, match="unknown wave 'autumn'"):
        run("set_wave_status", "--wave", "autumn", "open")


def test_set_wave_status_unknown_status(wave: Wave) -> None:
    with pytest.raises(CommandError, match="invalid choice: 'paused'"):
        run("set_wave_status", "--wave", "spring", "paused")

    assert Wave.objects.get(pk=wave.pk).status == "draft"


# -- import_instrument -------------------------------------------------------------


def test_import_instrument(db: Any) -> None:
    output = run("import_instrument", str(FIXTURES / "mini_instrument.json"))

    assert output.strip() == "Imported mini v1."
    version = InstrumentVersion.objects.get()
    assert version.definition == mini_document()
    assert Instrument.objects.get().name == "Mini check-in"


def test_import_instrument_twice_is_a_no_op(db: Any) -> None:
    run("import_instrument", str(FIXTURES / "mini_instrument.json"))
    run("import_instrument", str(FIXTURES / "mini_instrument.json"))

    assert InstrumentVersion.objects.count() == 1


def test_import_instrument_broken_copy(tmp_path: Path) -> None:
    document = mini_document()
    del document["sections"][0]["items"][1]["text"]["fr"]
    document["domains"][0]["bands"][1]["upper"] = 20
    path = write(tmp_path, "broken.json", json.dumps(document, ensure_ascii=False))

    with pytest.raises(CommandError) as raised:
        run("import_instrument", str(path))

    message = str(raised.value)
    assert message.startswith(f"{path}: not imported.\n")
    assert "\nsections[0].items[1].text.fr: missing French text" in message
    assert "\ndomains[0].bands[1].upper: band thresholds out of order" in message
    assert not InstrumentVersion.objects.exists()


def test_import_instrument_invalid_json(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.json", '{"format": 1,\n "code": }')

    with pytest.raises(CommandError) as raised:
        run("import_instrument", str(path))

    assert "The file is not valid JSON: Expecting value at line 2, column 10." in str(raised.value)


def test_import_instrument_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps(mini_document(), ensure_ascii=False).encode("latin-1"))

    with pytest.raises(CommandError) as raised:
        run("import_instrument", str(path))

    assert str(raised.value) == (
        f"{path}: not imported.\nThe file is not UTF-8 text; save it as UTF-8 and try again."
    )
    assert not InstrumentVersion.objects.exists()


def test_import_instrument_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        run("import_instrument", str(tmp_path / "nope.json"))


def test_import_instrument_refuses_to_change_a_used_version(
    open_wave: Wave, tmp_path: Path
) -> None:
    document = mini_document()
    document["title"]["en"] = "Changed"
    path = write(tmp_path, "changed.json", json.dumps(document, ensure_ascii=False))

    with pytest.raises(CommandError, match="import it as version 2 instead"):
        run("import_instrument", str(path))

    assert InstrumentVersion.objects.get().definition == mini_document()


# -- import_responses --------------------------------------------------------------


def test_import_responses(open_wave: Wave, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "paper.csv",
        PAPER_HEADER
        + "N-ED,4,2,4,0,3,woman,first_nations;metis,More staff on nights\n"
        + "S-MED,1,,,,,,,\n"
        + ",,,,,,,,\n",  # blank lines are skipped
    )

    output = run("import_responses", "--wave", "spring", str(path))

    assert output.strip() == "Imported 2 paper response(s) into spring."
    definition = open_wave.instrument_version.parsed
    ned = Response.objects.get(wave=open_wave, unit__code="N-ED")
    assert decode_scores(definition, bytes(ned.scores)) == {
        "stress": 75,
        "burnout": 100,
        "cares_connect": 75,
    }
    assert decode_answers(definition, bytes(ned.answers))["D2"] == ["first_nations", "metis"]
    assert decode_answers(definition, bytes(ned.answers))["D1"] == "woman"
    assert ned.receipt_hash is None
    smed = Response.objects.get(wave=open_wave, unit__code="S-MED")
    assert decode_scores(definition, bytes(smed.scores)) == {
        "stress": 25,
        "burnout": None,
        "cares_connect": None,
    }
    comment = Comment.objects.get()
    assert (comment.unit.code, comment.item_code, comment.text) == (
        "N-ED",
        "E1",
        "More staff on nights",
    )
    assert Wave.objects.get(pk=open_wave.pk).data_version == open_wave.data_version + 1


def test_import_responses_into_a_closed_wave(open_wave: Wave, tmp_path: Path) -> None:
    wave_set_status(wave=open_wave, status="closed")
    path = write(tmp_path, "paper.csv", "unit_code,A1\nN-ICU,2\n")

    run("import_responses", "--wave", "spring", str(path))

    assert Response.objects.filter(wave=open_wave, unit__code="N-ICU").count() == 1


def test_import_responses_bad_rows_import_nothing(open_wave: Wave, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "paper.csv",
        PAPER_HEADER
        + "N-ED,4,2,4,0,3,woman,first_nations;metis,Fine\n"
        + "NOPE,1,,,,,,,\n"
        + "N-ED,7,,,,,,,\n"
        + "N-ICU,1,,,,,,martian,\n"
        + "S-MED,1,1,1,1,1,man,,\n",
    )

    with pytest.raises(CommandError) as raised:
        run("import_responses", "--wave", "spring", str(path))

    assert str(raised.value).splitlines() == [
        f"{path}: nothing was imported.",
        "line 3: unit_code NOPE is not a unit of this wave",
        "line 4: A1: 7 is not on the scale (0, 1, 2, 3, 4)",
        "line 5: D2: unknown option 'martian'",
    ]
    assert not Response.objects.exists()
    assert not Comment.objects.exists()
    assert Wave.objects.get(pk=open_wave.pk).data_version == open_wave.data_version


def test_import_responses_malformed_lines(open_wave: Wave, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "paper.csv",
        "unit_code,A1,E1\nN-ED,1,fine\nN-ED,1,too,many\nN-ED,one,\nN-ED,1," + "x" * 201 + "\n,2,\n",
    )

    with pytest.raises(CommandError) as raised:
        run("import_responses", "--wave", "spring", str(path))

    assert str(raised.value).splitlines()[1:] == [
        "line 3: more values than columns",
        "line 4: A1: 'one' is not a number on the scale",
        "line 5: E1: longer than 200 characters",
        'line 6: unit_code "" is not a unit of this wave',
    ]
    assert not Response.objects.exists()
    assert not Comment.objects.exists()


def test_import_responses_unit_outside_the_wave(
    org: dict[str, OrgUnit], mini_version: Any, tmp_path: Path
) -> None:
    wave = wave_create(
        slug="north",
        name="North",
        instrument_version=mini_version,
        units=[org["NORTH"]],
        open_link_enabled=True,
    )
    wave_set_status(wave=wave, status="open")
    path = write(tmp_path, "paper.csv", "unit_code,A1\nN-ED,1\nS-MED,2\n")

    with pytest.raises(CommandError) as raised:
        run("import_responses", "--wave", "north", str(path))

    assert "line 3: unit_code S-MED is not a unit of this wave" in str(raised.value)
    assert not Response.objects.exists()


def test_import_responses_into_a_draft_wave(wave: Wave, tmp_path: Path) -> None:
    path = write(tmp_path, "paper.csv", "unit_code,A1\nN-ED,1\n")

    with pytest.raises(CommandError) as raised:
        run("import_responses", "--wave", "spring", str(path))

    assert str(raised.value).splitlines()[1] == (
        "Paper responses can be imported only while the wave is open or closed."
    )
    assert not Response.objects.exists()


def test_import_responses_unknown_column(open_wave: Wave, tmp_path: Path) -> None:
    path = write(tmp_path, "paper.csv", "unit_code,A1,Z9\nN-ED,1,1\n")

    with pytest.raises(CommandError, match=r"line 1: unknown column\(s\): Z9"):
        run("import_responses", "--wave", "spring", str(path))

    assert not Response.objects.exists()


def test_import_responses_empty_file(open_wave: Wave, tmp_path: Path) -> None:
    path = write(tmp_path, "paper.csv", "unit_code,A1\n")

    with pytest.raises(CommandError, match=r"^.*\nThe file has no responses\.$"):
        run("import_responses", "--wave", "spring", str(path))


def test_import_responses_unknown_wave(open_wave: Wave, tmp_path: Path) -> None:
    path = write(tmp_path, "paper.csv", "unit_code,A1\nN-ED,1\n")

    with pytest.raises(CommandError, match="unknown wave 'autumn'"):
        run("import_responses", "--wave", "autumn", str(path))


# -- seed_demo ---------------------------------------------------------------------


# Slow-ish (a few seconds): it builds the whole demo organization with thousands of responses.
@pytest.mark.skipif(not DEFAULT_INSTRUMENT.exists(), reason="the default instrument is not there")
def test_seed_demo_loads_once(db: Any) -> None:
    User = get_user_model()

    first = run("seed_demo", "--quiet-links")

    assert "Demo organization loaded." in first
    assert OrgUnit.objects.count() == 65
    assert sorted(set(OrgUnit.objects.values_list("depth", flat=True))) == [0, 1, 2, 3]
    for username in ("hr", "analyst", "alice", "bob", "carol", "dan"):
        user = User.objects.get(username=username)
        assert user.check_password("continuum-demo"), username
    assert User.objects.get(username="hr").is_hr_admin
    assert User.objects.get(username="analyst").is_equity_analyst
    assert Leadership.objects.get(user__username="alice").unit.code == "ACUTE"
    assert Wave.objects.count() == 3
    assert Wave.objects.filter(status="open").exists()
    responses = Response.objects.count()
    assert responses >= 2000
    for wave in Wave.objects.all():
        assert wave.responses.exists(), wave.slug
    # dan leads one small team: the login list promises him mostly suppressed figures.
    released = Wave.objects.filter(status="released").first()
    dan = User.objects.get(username="dan")
    rows = list(tidy_rows(wave_report(wave=released, viewer=viewer_for(dan))))
    hidden = [r for r in rows if r.respondents is None]
    assert rows and len(hidden) > len(rows) / 2, (len(hidden), len(rows))

    counts = (OrgUnit.objects.count(), User.objects.count(), Wave.objects.count(), responses)
    second = run("seed_demo")

    assert "Demo data is already loaded." in second
    assert "/s/i/" in second  # fresh invitation links for the open wave
    assert (
        OrgUnit.objects.count(),
        User.objects.count(),
        Wave.objects.count(),
        Response.objects.count(),
    ) == counts
