"""Exporters: one base class that asks subclasses only for rows, and writes them safely.

Every exporter is fed by the gate (`reports.aggregation.wave_report`); none
reads responses. Text cells that a spreadsheet would run as a formula are
neutralized.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from reports.aggregation import Figure, WaveReport

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


class Exporter:
    """Subclasses give a header and rows; the base writes them safely."""

    columns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, report: WaveReport) -> None:
        self.report = report

    def rows(self) -> Iterable[list[Any]]:
        raise NotImplementedError

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
