"""Exporters: one base class that asks subclasses only for rows, and writes them safely.

Every exporter is fed by the gate (`reports.aggregation.wave_report`); none
reads responses. Text cells that a spreadsheet would run as a formula are
neutralized.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from reports.aggregation import Figure, WaveReport, report_date
from reports.pages import COUNT, BandBar, Cell, EquityPage, UnitReportPage, figure_key

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Neutralize text that Excel or LibreOffice would evaluate (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass(frozen=True)
class TidyRow:
    unit_code: str
    breakdown: str
    group: str
    measure: str
    respondents: int | None
    value: float | None

    @property
    def status(self) -> str:
        return "shown" if self.respondents is not None else "suppressed"

    def as_list(self) -> list[Any]:
        shown = self.respondents is not None
        return [
            self.unit_code,
            self.breakdown,
            self.group,
            self.measure,
            self.respondents if shown else "",
            self.value if shown else "",
            self.status,
        ]


def _row(unit: str, breakdown: str, group: str, measure: str, figure: Figure) -> TidyRow:
    if not figure.shown:
        return TidyRow(unit, breakdown, group, measure, None, None)
    return TidyRow(unit, breakdown, group, measure, figure.n, figure.value)


def tidy_rows(report: WaveReport) -> Iterator[TidyRow]:
    """Everything the viewer sees, one row per (unit, breakdown, group, measure)."""
    for unit in report.units:
        yield _row(unit.code, "", "", "respondents", unit.respondents)
        yield _row(unit.code, "", "", "response_rate", unit.response_rate)
        for domain in unit.domains:
            yield _row(unit.code, "", "", f"{domain.code}.mean", domain.mean)
            for band in domain.bands:
                yield _row(unit.code, "", "", f"{domain.code}.{band.code}", band.figure)
        for item in unit.items:
            for option in item.options:
                yield _row(unit.code, "", "", f"{item.code}.{option.code}", option.figure)
    # Comparisons shown next to the focus unit: the organization and the parent unit.
    for label, other in (("organization", report.organization), ("parent", report.parent)):
        if other is None:
            continue
        yield _row(other.code, "benchmark", label, "respondents", other.respondents)
        for domain in other.domains:
            yield _row(other.code, "benchmark", label, f"{domain.code}.mean", domain.mean)
    for point in report.trend:
        if point.wave.pk == report.wave.pk:
            continue
        yield _row(report.focus.code, "wave", point.wave.slug, "respondents", point.respondents)
        for code, figure in point.domains.items():
            yield _row(report.focus.code, "wave", point.wave.slug, f"{code}.mean", figure)
    for breakdown in report.breakdowns:
        for group in breakdown.groups:
            yield _row(
                report.focus.code, breakdown.code, group.code, "respondents", group.respondents
            )
            for domain in group.domains:
                yield _row(
                    report.focus.code,
                    breakdown.code,
                    group.code,
                    f"{domain.code}.mean",
                    domain.mean,
                )
                for band in domain.bands:
                    yield _row(
                        report.focus.code,
                        breakdown.code,
                        group.code,
                        f"{domain.code}.{band.code}",
                        band.figure,
                    )


@dataclass(frozen=True)
class Sheet:
    """One worksheet of an XLSX export: a title, a header row and rows."""

    title: str
    columns: tuple[str, ...]
    rows: Iterable[list[Any]]


_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique worksheet title (at most 31 characters, none of \\ / * ? : [ ])."""
    base = _SHEET_TITLE_FORBIDDEN.sub(" ", title).strip()[:31] or "Sheet"
    candidate, number = base, 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(candidate.lower())
    return candidate


def xlsx_safe(value: Any) -> Any:
    """A cell value that neither runs as a formula nor breaks the file."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return spreadsheet_safe(value)


class Exporter:
    """Subclasses give a header and rows (and, for XLSX, optional extra sheets);
    the base writes them safely as CSV or XLSX."""

    columns: ClassVar[tuple[str, ...]] = ()
    sheet_name: ClassVar[str] = "Figures"

    def __init__(self, report: WaveReport) -> None:
        self.report = report

    def rows(self) -> Iterable[list[Any]]:
        raise NotImplementedError

    def sheets(self) -> Iterable[Sheet]:
        """The workbook's sheets; by default one sheet of the same rows as the CSV."""
        yield Sheet(self.sheet_name, self.columns, self.rows())

    def write_xlsx(self, stream: io.BufferedIOBase) -> None:
        """A write-only workbook (rows streamed to disk, not held in memory), every cell safe."""
        workbook = Workbook(write_only=True)
        taken: set[str] = set()
        for sheet in self.sheets():
            worksheet = workbook.create_sheet(title=sheet_title(sheet.title, taken))
            worksheet.append([xlsx_safe(value) for value in sheet.columns])
            for row in sheet.rows:
                worksheet.append([xlsx_safe(value) for value in row])
        workbook.save(stream)

    def xlsx_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.write_xlsx(buffer)
        return buffer.getvalue()

    def iter_csv(self) -> Iterator[str]:
        """CSV text in chunks, for a streaming HTTP response or a file."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.columns)
        for count, row in enumerate(self.rows(), start=1):
            writer.writerow([spreadsheet_safe(value) for value in row])
            if count % 500 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    def write_csv(self, stream: io.TextIOBase) -> None:
        for chunk in self.iter_csv():
            stream.write(chunk)


class TidyExporter(Exporter):
    """PRODUCT.md's tidy format: unit_code,breakdown,group,measure,respondents,value,status."""

    columns = ("unit_code", "breakdown", "group", "measure", "respondents", "value", "status")

    def rows(self) -> Iterable[list[Any]]:
        for row in tidy_rows(self.report):
            yield row.as_list()


# -- exports of a report page: exactly the figures the page shows -------------------
def row_key(row: TidyRow) -> str:
    return figure_key(row.unit_code, row.measure, row.breakdown, row.group)


def readable(cell: Cell | None) -> Any:
    """A page figure as a spreadsheet value: a number, or the words every hidden cell shows."""
    if cell is None:
        return ""
    if not cell.shown:
        return _("not shown")
    return cell.figure.n if cell.kind == COUNT else cell.figure.value


class PageExporter(TidyExporter):
    """The tidy rows of the figures on one report page, and nothing else."""

    def __init__(self, page: UnitReportPage | EquityPage) -> None:
        super().__init__(page.report)
        self.page = page

    def rows(self) -> Iterable[list[Any]]:
        keys = self.page.keys()
        for row in tidy_rows(self.report):
            if row_key(row) in keys:
                yield row.as_list()

    def summary(self) -> Sheet:
        report = self.report
        thresholds = report.thresholds
        return Sheet(
            _("Summary"),
            (_("About this export"), ""),
            [
                [_("Survey wave"), report.wave.name],
                [_("Unit"), report.focus.name],
                [_("Unit code"), report.focus.code],
                [_("Exported on"), report_date().isoformat()],
                [_("Minimum group size for scores"), thresholds["min_group_size"]],
                [_("Minimum group size for comments"), thresholds["min_comment_group_size"]],
                [
                    _("Minimum group size for self-identification breakdowns"),
                    thresholds["min_equity_group_size"],
                ],
                [
                    _("Hidden figures"),
                    _(
                        "Cells that say “not shown” are hidden because fewer people than the "
                        "minimum answered, or so that a small group cannot be worked out by "
                        "subtraction. Suppressed and empty groups look the same."
                    ),
                ],
            ],
        )


class UnitReportExporter(PageExporter):
    """A unit report workbook: readable sheets mirroring the page, then the tidy figures."""

    page: UnitReportPage

    def sheets(self) -> Iterable[Sheet]:
        page = self.page
        yield self.summary()
        yield Sheet(
            _("Participation"),
            (_("Measure"), _("Value")),
            [
                [_("People who answered"), readable(page.respondents)],
                [_("Response rate (%)"), readable(page.response_rate)],
            ],
        )
        band_labels = _band_headers(page)
        yield Sheet(
            _("Continuum profile"),
            (_("Stage"), _("Result area"), _("Average score"), *band_labels),
            [
                [
                    str(stage.stage.name),
                    str(bar.domain.name),
                    readable(bar.mean),
                    *_band_values(bar),
                ]
                for stage in page.profile
                for bar in stage.bars
            ],
        )
        parent, organization = page.comparison_labels
        yield Sheet(
            _("Scores"),
            (
                _("Group"),
                _("Result area"),
                _("Average score"),
                *(_("%(band)s (%% of people)") % {"band": label} for label in band_labels),
                parent or _("Unit above"),
                organization or _("Organization"),
            ),
            [
                [
                    group.label,
                    str(row.bar.domain.name),
                    readable(row.bar.mean),
                    *_band_values(row.bar),
                    readable(row.parent),
                    readable(row.organization),
                ]
                for group in page.comparison
                for row in group.rows
            ],
        )
        if page.heatmap:
            columns = page.heatmap.columns
            rows = [[_("People who answered"), *(readable(c.respondents) for c in columns)]]
            for _code, heat_rows in page.heatmap.groups:
                rows += [
                    [str(row.domain.name), *(readable(heat.cell) for heat in row.cells)]
                    for row in heat_rows
                ]
            yield Sheet(_("Sub-units"), (_("Result area"), *(c.unit.name for c in columns)), rows)
        trend = page.trend
        trend_rows = [[_("People who answered"), *(readable(c) for c in trend.respondents)]]
        for _code, rows_of_group in trend.groups:
            trend_rows += [
                [str(row.domain.name), *(readable(cell) for cell in row.cells)]
                for row in rows_of_group
            ]
        yield Sheet(
            _("Trend"), (_("Result area"), *(wave.name for wave in trend.waves)), trend_rows
        )
        if page.cares:
            gap = page.has_self_ratings
            yield Sheet(
                _("CARES"),
                (
                    _("Competency"),
                    _("Average staff rating"),
                    *band_labels_of(page.cares[0].bar),
                    *((_("Leader self-rating"), _("Gap (staff minus self)")) if gap else ()),
                ),
                [
                    [
                        str(row.bar.domain.name),
                        readable(row.bar.mean),
                        *_band_values(row.bar),
                        *((row.self_rating, row.gap) if gap else ()),
                    ]
                    for row in page.cares
                ],
            )
        for labels, items in page.workplace_groups:
            yield Sheet(
                _("Workplace"),
                (_("Code"), _("Question"), _("Answered by"), *labels),
                [
                    [
                        row.item.code,
                        str(row.item.text),
                        readable(row.answered),
                        *(readable(option.cell) for option in row.options),
                    ]
                    for row in items
                ],
            )
        if page.comments:
            yield Sheet(_("Comments"), (_("Comment"),), [[text] for text in page.comments])
        yield Sheet(self.sheet_name, self.columns, self.rows())


class EquityExporter(PageExporter):
    """The equity page: one sheet per self-identification question, then the tidy figures."""

    page: EquityPage

    def sheets(self) -> Iterable[Sheet]:
        yield self.summary()
        for question in self.page.questions:
            rows = [
                [
                    _("People who answered"),
                    readable(self.page.respondents),
                    *(readable(group.respondents) for group in question.groups),
                ]
            ]
            rows += [
                [str(domain.name), readable(everyone), *(readable(cell) for cell in cells)]
                for domain, everyone, cells in question.rows
            ]
            yield Sheet(
                question.item.code,
                (
                    str(question.item.text),
                    _("Everyone"),
                    *(group.label for group in question.groups),
                ),
                rows,
            )
        yield Sheet(self.sheet_name, self.columns, self.rows())


def band_labels_of(bar: BandBar) -> list[str]:
    return [_("%(band)s (%% of people)") % {"band": share.label} for share in bar.bands]


def _band_headers(page: UnitReportPage) -> list[str]:
    for stage in page.profile:
        return [share.label for share in stage.bars[0].bands]
    return [_("Low"), _("Moderate"), _("High")]


def _band_values(bar: BandBar) -> list[Any]:
    return [readable(share.cell) for share in bar.bands]
