"""Downloads of a unit report: CSV, XLSX and PDF agree with the screen and the gate."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections import Counter
from typing import Any
from unittest import mock

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from reports.aggregation import wave_report
from reports.exporters import tidy_rows
from reports.models import ReportRender
from reports.viewers import viewer_for
from surveys.models import AuditEntry, Comment, Wave
from tests.reports.conftest import NUMBER, csv_figures, figure_cells, number_of

pytestmark = pytest.mark.django_db


def export_url(wave: Wave, fmt: str, code: str | None = None) -> str:
    if code is None:
        return reverse("reports:export", args=[wave.slug, fmt])
    return reverse("reports:unit_export", args=[wave.slug, code, fmt])


def pdf_url(wave: Wave, code: str | None = None) -> str:
    if code is None:
        return reverse("reports:pdf", args=[wave.slug])
    return reverse("reports:unit_pdf", args=[wave.slug, code])


def prepare_pdf(client: Client, wave: Wave, code: str | None = None) -> str:
    """Press "PDF": the worker prepares it (at once in tests); returns the progress page."""
    response = client.post(pdf_url(wave, code))
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith("/reports/pdf/")
    return response["Location"]


def download_pdf(client: Client, wave: Wave, code: str | None = None) -> bytes:
    page = prepare_pdf(client, wave, code)
    assert "Your PDF is ready" in client.get(page).content.decode()
    return download(client, page + "download/")


def download(client: Client, address: str) -> bytes:
    response = client.get(address)
    assert response.status_code == 200, response.status_code
    assert response["Content-Disposition"].startswith("attachment;")
    return b"".join(response.streaming_content) if response.streaming else response.content


PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"  # poppler-utils


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        [PDFTOTEXT, "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def screen_numbers(cells: list[tuple[str, str, str]]) -> Counter[float]:
    return Counter(n for _key, _kind, text in cells if (n := number_of(text)) is not None)


def xlsx_readable_numbers(workbook: Any) -> tuple[Counter[float], int]:
    """Numbers and "not shown" cells of every readable sheet (not the summary or figures)."""
    numbers: Counter[float] = Counter()
    hidden = 0
    for sheet in workbook.worksheets:
        if sheet.title in ("Summary", "Figures"):
            continue
        for row in list(sheet.iter_rows(values_only=True))[1:]:
            for value in row:
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    numbers[float(value)] += 1
                elif value == "not shown":
                    hidden += 1
    return numbers, hidden


@pytest.mark.parametrize(("username", "code"), [("alice", None), ("bob", "SOUTH"), ("hr", None)])
def test_screen_csv_xlsx_and_pdf_agree_on_every_number(
    client: Client, released: Wave, username: str, code: str | None, hr: Any
) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    page = (
        reverse("reports:report", args=[released.slug])
        if code is None
        else reverse("reports:unit", args=[released.slug, code])
    )
    cells = figure_cells(client.get(page).content.decode())
    screen = {key: (kind, number_of(text)) for key, kind, text in cells}

    gate = wave_report(wave=released, viewer=viewer_for(user))
    gate_rows = {
        "|".join((r.unit_code, r.breakdown, r.group, r.measure)): r for r in tidy_rows(gate)
    }

    csv_rows = csv_figures(download(client, export_url(released, "csv", code)).decode())
    # Exactly the figures on screen, no more.
    assert set(csv_rows) == set(screen)
    for key, (kind, shown) in screen.items():
        row, gate_row = csv_rows[key], gate_rows[key]
        if shown is None:
            assert row["status"] == "suppressed" and row["value"] == "" and row["respondents"] == ""
            assert gate_row.respondents is None
            continue
        assert row["status"] == "shown"
        expected = float(row["respondents"]) if kind == "count" else float(row["value"])
        assert shown == pytest.approx(expected), key
        assert float(row["value"]) == pytest.approx(gate_row.value), key

    workbook = openpyxl.load_workbook(
        io.BytesIO(download(client, export_url(released, "xlsx", code)))
    )
    figures = list(workbook["Figures"].iter_rows(values_only=True))
    assert figures[0] == (
        "unit_code",
        "breakdown",
        "group",
        "measure",
        "respondents",
        "value",
        "status",
    )
    xlsx_rows = {"|".join(str(v or "") for v in row[:4]): row for row in figures[1:]}
    assert set(xlsx_rows) == set(csv_rows)
    for key, row in xlsx_rows.items():
        expected = csv_rows[key]
        assert row[6] == expected["status"]
        if row[6] == "shown":
            assert float(row[5]) == pytest.approx(float(expected["value"]))
    readable, hidden = xlsx_readable_numbers(workbook)
    assert readable == screen_numbers(cells)
    assert hidden == sum(1 for _k, _kind, text in cells if number_of(text) is None)

    pdf = download_pdf(client, released, code)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert gate.focus.name in text
    in_pdf = Counter(float(n) for n in NUMBER.findall(text))
    for number, count in screen_numbers(cells).items():
        assert in_pdf[number] >= count, number


def test_export_formats_and_headers(client: Client, alice: Any, released: Wave) -> None:
    client.force_login(alice)
    csv_response = client.get(export_url(released, "csv", "N-ED"))
    assert csv_response.streaming
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response["Content-Disposition"] == 'attachment; filename="spring-N-ED.csv"'
    assert csv_response["Cache-Control"] == "no-store"
    xlsx = client.get(export_url(released, "xlsx", "N-ED"))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    pdf = client.get(prepare_pdf(client, released, "N-ED") + "download/")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="spring-N-ED.pdf"'
    assert pdf["Cache-Control"] == "no-store"
    assert "North emergency" in pdf_text(pdf.content)
    assert client.get(f"/reports/{released.slug}/u/N-ED/export/docx/").status_code == 404
    assert client.get(pdf_url(released, "N-ED")).status_code == 405


def test_each_export_is_audited(client: Client, alice: Any, released: Wave) -> None:
    client.force_login(alice)
    for fmt in ("csv", "xlsx"):
        download(client, export_url(released, fmt, "N-ED"))
    download_pdf(client, released, "N-ED")
    entries = AuditEntry.objects.filter(action="report.export").order_by("id")
    assert [entry.data["format"] for entry in entries] == ["csv", "xlsx", "pdf"]
    assert {entry.actor_name for entry in entries} == {"alice"}
    assert {entry.data["unit"] for entry in entries} == {"N-ED"}
    assert all(str(released.pk) in entry.target for entry in entries)


def test_wrong_method(client: Client, alice: Any, released: Wave) -> None:
    client.force_login(alice)
    assert client.post(export_url(released, "csv", "N-ED")).status_code == 405


def test_sibling_leader_cannot_export_another_subtree(
    client: Client, bob: Any, released: Wave
) -> None:
    client.force_login(bob)
    for fmt in ("csv", "xlsx"):
        assert client.get(export_url(released, fmt, "N-ED")).status_code == 404
    assert client.post(pdf_url(released, "N-ED")).status_code == 404
    assert not ReportRender.objects.exists()
    assert not AuditEntry.objects.filter(action="report.export").exists()


def test_no_role_403_and_anonymous_login(client: Client, charlie: Any, released: Wave) -> None:
    response = client.get(export_url(released, "csv", "N-ED"))
    assert response.status_code == 302
    client.force_login(charlie)
    assert client.get(export_url(released, "csv", "N-ED")).status_code == 403


def test_nothing_to_export_before_release(client: Client, alice: Any, open_filled: Wave) -> None:
    client.force_login(alice)
    assert client.get(export_url(open_filled, "csv")).status_code == 404


def test_auditor_objection_refuses_the_export(client: Client, alice: Any, released: Wave) -> None:
    client.force_login(alice)
    with mock.patch(
        "reports.services.exports.audit_published", return_value=["N-ICU could be derived"]
    ):
        response = client.get(export_url(released, "xlsx", "NORTH"))
        page = prepare_pdf(client, released, "NORTH")
    assert response.status_code == 409
    assert "could reveal a small group" in client.get(page).content.decode()
    assert ReportRender.objects.get().status == "refused"
    assert ReportRender.objects.get().content is None
    assert client.get(page + "download/")["Location"] == page
    assert not AuditEntry.objects.filter(action="report.export").exists()


def test_comments_in_the_workbook_cannot_run_as_formulas(
    client: Client, bob: Any, released: Wave
) -> None:
    Comment.objects.filter(wave=released, unit__code="S-MED").update(text="=HYPERLINK(1)")
    client.force_login(bob)
    workbook = openpyxl.load_workbook(io.BytesIO(download(client, export_url(released, "xlsx"))))
    comments = [row[0] for row in workbook["Comments"].iter_rows(values_only=True)][1:]
    assert comments and all(text == "'=HYPERLINK(1)" for text in comments)


@pytest.fixture
def default_released(org: dict[str, Any], hr: Any) -> Wave:
    """A released wave of the project's default instrument (workplace section included)."""
    from surveys.services.instruments import default_instrument_version
    from surveys.services.waves import wave_create, wave_set_status
    from tests.reports.conftest import fill_wave, release

    wave = wave_create(
        slug="default",
        name="Default check-in",
        instrument_version=default_instrument_version(by=hr),
        units=[org["ORG"]],
        open_link_enabled=True,
    )
    wave = wave_set_status(wave=wave, status="open")
    fill_wave(wave, org, {"NORTH": 6, "N-ED": 14, "N-ICU": 3, "S-MED": 25}, seed=21)
    return release(wave)


def test_default_instrument_report_and_workbook_agree(
    client: Client, alice: Any, default_released: Wave
) -> None:
    client.force_login(alice)
    html = client.get(reverse("reports:report", args=[default_released.slug])).content.decode()
    for anchor in ("profile", "scores", "heatmap", "cares", "workplace"):
        assert f'id="{anchor}"' in html
    assert html.count('role="img"') == 4  # profile, scores, CARES, workplace (no trend yet)
    assert "I feel I belong in my workplace." in html
    cells = figure_cells(html)
    assert any(key.startswith("NORTH|||C01.") for key, _kind, _text in cells)
    workbook = openpyxl.load_workbook(
        io.BytesIO(download(client, export_url(default_released, "xlsx")))
    )
    assert {
        "Summary",
        "Participation",
        "Continuum profile",
        "Scores",
        "Sub-units",
        "Trend",
        "CARES",
        "Workplace",
        "Workplace (2)",
        "Figures",
    } <= set(workbook.sheetnames)
    readable, hidden = xlsx_readable_numbers(workbook)
    assert readable == screen_numbers(cells)
    assert hidden == sum(1 for _k, _kind, text in cells if number_of(text) is None)
