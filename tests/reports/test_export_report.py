"""`export_report`: the tidy CSV of exactly what one viewer may see."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from reports import aggregation, exporters, stats
from reports.aggregation import wave_report
from reports.exporters import TidyExporter, TidyRow, spreadsheet_safe, tidy_rows
from reports.viewers import Viewer, leader_of
from surveys.models import AuditEntry, OrgUnit, Wave
from surveys.services.responses import response_submit
from surveys.services.units import unit_create
from surveys.services.waves import wave_set_status

HEADER = ["unit_code", "breakdown", "group", "measure", "respondents", "value", "status"]


@pytest.fixture(autouse=True)
def _fresh_statistics() -> Iterator[None]:
    # Primary keys repeat across tests on SQLite: never share statistics with another test.
    stats.clear_cache()
    yield
    stats.clear_cache()


def submit(wave: Wave, unit: OrgUnit, count: int, **extra: Any) -> None:
    for i in range(count):
        answers = {"A1": i % 5, "A2": (i + 2) % 5, "A3": 1, "A4": (3 * i) % 5, "B1": 2, **extra}
        response_submit(
            wave=wave,
            unit=unit,
            answers=answers,
            comments={"E1": f"note {i}"},
            source="paper",
            with_receipt=False,
        )


@pytest.fixture
def released(open_wave: Wave, org: dict[str, OrgUnit]) -> Wave:
    """N-ED: 12 women, N-ICU: 12 men, S-MED: 12 who skipped the gender question."""
    submit(open_wave, org["N-ED"], 12, D1="woman")
    submit(open_wave, org["N-ICU"], 12, D1="man")
    submit(open_wave, org["S-MED"], 12)
    wave_set_status(wave=open_wave, status="closed")
    return wave_set_status(wave=open_wave, status="released")


def export(tmp_path: Path, wave: str, *args: str) -> list[list[str]]:
    output = tmp_path / "report.csv"
    call_command(
        "export_report",
        "--wave",
        wave,
        *args,
        "--format",
        "csv",
        "--output",
        str(output),
        stdout=io.StringIO(),
    )
    with output.open(newline="", encoding="utf-8") as stream:
        return list(csv.reader(stream))


def test_header_statuses_and_suppressed_rows(tmp_path: Path, released: Wave) -> None:
    rows = export(tmp_path, "spring", "--unit", "NORTH")
    assert rows[0] == HEADER
    body = [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]
    assert {row["status"] for row in body} == {"shown", "suppressed"}
    for row in body:
        if row["status"] == "suppressed":
            assert row["respondents"] == row["value"] == ""
        else:
            assert int(row["respondents"]) >= released.min_group_size
            assert float(row["value"]) >= 0


def test_the_file_is_what_the_leader_sees(tmp_path: Path, released: Wave, org: Any) -> None:
    rows = export(tmp_path, "spring", "--unit", "N-ED")
    expected = [
        ["" if cell is None else str(cell) for cell in row.as_list()]
        for row in tidy_rows(wave_report(wave=released, viewer=leader_of(org["N-ED"])))
    ]
    assert rows[1:] == expected


@pytest.mark.parametrize(
    ("unit", "subtree", "benchmarks"),
    [
        ("NORTH", {"NORTH", "N-ED", "N-ICU"}, {("ORG", "organization")}),
        ("N-ED", {"N-ED"}, {("ORG", "organization"), ("NORTH", "parent")}),
        ("SOUTH", {"SOUTH", "S-MED"}, {("ORG", "organization")}),
    ],
)
def test_a_leader_export_stays_in_its_subtree(
    tmp_path: Path,
    released: Wave,
    unit: str,
    subtree: set[str],
    benchmarks: set[tuple[str, str]],
) -> None:
    body = [
        dict(zip(HEADER, row, strict=True))
        for row in export(tmp_path, "spring", "--unit", unit)[1:]
    ]
    assert {row["unit_code"] for row in body if row["breakdown"] == ""} == subtree
    shown_benchmarks = {
        (row["unit_code"], row["group"]) for row in body if row["breakdown"] == "benchmark"
    }
    assert shown_benchmarks == benchmarks
    assert {row["breakdown"] for row in body} <= {"", "benchmark"}
    siblings = {"NORTH", "N-ED", "N-ICU", "SOUTH", "S-MED"} - subtree - {b for b, _ in benchmarks}
    assert not siblings & {row["unit_code"] for row in body}


def test_only_the_analyst_export_has_breakdowns(tmp_path: Path, released: Wave) -> None:
    analyst = export(tmp_path, "spring", "--role", "analyst")[1:]
    groups = {(row[1], row[2]) for row in analyst if row[1] not in ("", "benchmark", "wave")}
    assert ("D1", "woman") in groups and ("D1", "man") in groups
    shown = {
        (row[1], row[2]): row[4] for row in analyst if row[1] == "D1" and row[3] == "respondents"
    }
    assert shown == {("D1", "woman"): "12", ("D1", "man"): "12"}
    for args in (("--role", "hr"), ("--unit", "NORTH"), ("--unit", "ORG")):
        rows = export(tmp_path, "spring", *args)[1:]
        assert {row[1] for row in rows} <= {"", "benchmark", "wave"}, args
    hr = export(tmp_path, "spring", "--role", "hr")[1:]
    assert {row[0] for row in hr} == {"ORG", "NORTH", "N-ED", "N-ICU", "SOUTH", "S-MED"}


def test_an_export_is_audited(tmp_path: Path, released: Wave) -> None:
    export(tmp_path, "spring", "--unit", "NORTH")
    entry = AuditEntry.objects.get(action="report.export")
    assert entry.target == f"surveys.wave:{released.pk} Spring check-in"
    assert entry.data["role"] == "leader"
    assert entry.data["unit"] == "NORTH"
    assert entry.data["format"] == "csv"


def test_the_auditor_can_refuse_an_export(
    tmp_path: Path, open_wave: Wave, org: dict[str, OrgUnit], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gate without complementary suppression: the command refuses and writes nothing."""
    submit(open_wave, org["SOUTH"], 1)  # SOUTH − S-MED would be this one person
    submit(open_wave, org["S-MED"], 12)
    wave_set_status(wave=open_wave, status="closed")
    wave_set_status(wave=open_wave, status="released")
    monkeypatch.setattr(
        aggregation,
        "suppress_hierarchy",
        lambda tree, counts, thresholds: np.asarray(counts) >= np.asarray(thresholds)[None, :],
    )
    monkeypatch.setattr(aggregation, "_TABLES", type(aggregation._TABLES)())
    with pytest.raises(CommandError, match="refused by the privacy auditor"):
        export(tmp_path, "spring", "--role", "hr")
    assert not (tmp_path / "report.csv").exists()
    assert not AuditEntry.objects.filter(action="report.export").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--wave", "nope", "--unit", "NORTH"), "unknown wave"),
        (("--wave", "spring", "--unit", "NOPE"), "unknown unit"),
        (("--wave", "spring"), "--unit is required"),
        (("--wave", "spring", "--unit", "ELSEWHERE"), "not part of wave"),
    ],
)
def test_bad_input(tmp_path: Path, released: Wave, args: tuple[str, ...], message: str) -> None:
    unit_create(code="ELSEWHERE", name="Another organization")
    with pytest.raises(CommandError, match=message):
        call_command("export_report", *args, "--output", str(tmp_path / "x.csv"))
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("role", ["leader", "analyst", "hr"])
def test_an_unreleased_wave(tmp_path: Path, open_wave: Wave, role: str) -> None:
    with pytest.raises(CommandError, match="has no report yet"):
        call_command(
            "export_report",
            "--wave",
            "spring",
            "--unit",
            "NORTH",
            "--role",
            role,
            "--output",
            str(tmp_path / "x.csv"),
        )


def test_hr_may_export_a_closed_wave(tmp_path: Path, open_wave: Wave, org: Any) -> None:
    submit(open_wave, org["N-ED"], 6)
    wave_set_status(wave=open_wave, status="closed")
    rows = export(tmp_path, "spring", "--role", "hr")
    assert rows[0] == HEADER
    with pytest.raises(CommandError, match="has no report yet"):
        export(tmp_path, "spring", "--unit", "NORTH")


# -- formula injection ----------------------------------------------------------------------
@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_spreadsheet_safe_neutralizes_formulas(text: str) -> None:
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["NORTH", "stress.mean", "", 12, -3, 45.5, None])
def test_spreadsheet_safe_leaves_the_rest(value: Any) -> None:
    assert spreadsheet_safe(value) == value


def test_the_tidy_exporter_writes_formulas_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_rows(report: Any) -> Iterator[TidyRow]:
        yield TidyRow('=HYPERLINK("x")', "+b", "-g", "@m", 5, -1.5)
        yield TidyRow("U", "", "", "m", None, None)

    monkeypatch.setattr(exporters, "tidy_rows", fake_rows)
    stream = io.StringIO()
    TidyExporter(Viewer("hr")).write_csv(stream)  # type: ignore[arg-type]
    rows = list(csv.reader(io.StringIO(stream.getvalue())))
    assert rows == [
        HEADER,
        ['\'=HYPERLINK("x")', "'+b", "'-g", "'@m", "5", "-1.5", "shown"],
        ["U", "", "", "m", "", "", "suppressed"],
    ]
