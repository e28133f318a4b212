"""`manage.py export_report --format csv|xlsx|pdf`."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from surveys.models import AuditEntry, Wave

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_export_each_format(released: Wave, tmp_path: Path, fmt: str) -> None:
    output = tmp_path / f"north.{fmt}"
    call_command(
        "export_report",
        "--wave",
        "spring",
        "--unit",
        "NORTH",
        "--format",
        fmt,
        "--output",
        str(output),
    )
    data = output.read_bytes()
    if fmt == "csv":
        rows = list(csv.DictReader(output.open(encoding="utf-8")))
        assert {row["unit_code"] for row in rows} == {"NORTH", "N-ED", "N-ICU", "ORG"}
        assert all(row["status"] == "suppressed" for row in rows if row["unit_code"] == "N-ICU")
    elif fmt == "xlsx":
        workbook = openpyxl.load_workbook(output)
        assert "Figures" in workbook.sheetnames and "Scores" in workbook.sheetnames
    else:
        assert data.startswith(b"%PDF")
    entry = AuditEntry.objects.get(action="report.export")
    assert entry.data["format"] == fmt and entry.data["unit"] == "NORTH"


def test_refused_by_the_auditor(
    released: Wave, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.management.base import CommandError

    monkeypatch.setattr(
        "reports.management.commands.export_report.audit_published", lambda report: ["exposed"]
    )
    output = tmp_path / "north.pdf"
    with pytest.raises(CommandError, match="refused"):
        call_command(
            "export_report",
            "--wave",
            "spring",
            "--unit",
            "NORTH",
            "--format",
            "pdf",
            "--output",
            str(output),
        )
    assert not output.exists()
