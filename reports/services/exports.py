"""Report exports (CSV, XLSX, PDF) of exactly what a report page shows.

One function for the web and for `export_report`: the independent privacy
auditor sees the report first and can refuse it; every export is written to
the audit log (who, what, which unit; the log keeps the day).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from reports.auditor import audit_published
from reports.exporters import EquityExporter, UnitReportExporter
from reports.pages import EquityPage, UnitReportPage
from reports.pdf import equity_pdf, unit_report_pdf
from surveys.audit import audit

FORMATS = ("csv", "xlsx", "pdf")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class ExportRefused(Exception):
    """The privacy auditor objected to the report; nothing was produced."""

    def __init__(self, exposures: list[str]) -> None:
        self.exposures = exposures
        super().__init__("; ".join(exposures[:20]))


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes | Iterator[str]

    @property
    def streams(self) -> bool:
        return not isinstance(self.content, bytes)


def _filename(page: UnitReportPage | EquityPage, kind: str, fmt: str) -> str:
    code = page.report.focus.code if page.report.focus.unit_id is not None else "all"
    suffix = "-equity" if kind == "equity" else ""
    return f"{page.wave.slug}-{code}{suffix}.{fmt}"


def report_export(
    *,
    page: UnitReportPage | EquityPage,
    fmt: str,
    by: object,
    base_url: str,
    actions: list[Any] | None = None,
) -> ExportFile:
    """Build one export of a page, after the auditor, and log it.

    CSV comes back as an iterator of text chunks to stream; XLSX and PDF as
    bytes (one unit's report is small enough to build in the request).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    exposures = audit_published(page.report)
    if exposures:
        raise ExportRefused(exposures)
    kind = "equity" if isinstance(page, EquityPage) else "unit"
    exporter = EquityExporter(page) if isinstance(page, EquityPage) else UnitReportExporter(page)
    content: bytes | Iterator[str]
    if fmt == "csv":
        content = exporter.iter_csv()
    elif fmt == "xlsx":
        content = exporter.xlsx_bytes()
    elif isinstance(page, EquityPage):
        content = equity_pdf(page, base_url=base_url)
    else:
        content = unit_report_pdf(page, base_url=base_url, actions=actions or [])
    audit(
        by,
        "report.export",
        page.wave,
        format=fmt,
        unit=page.report.focus.code,
        page=kind,
        role=page.report.viewer.role,
    )
    return ExportFile(_filename(page, kind, fmt), CONTENT_TYPES[fmt], content)
