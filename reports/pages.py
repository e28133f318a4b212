"""What each report page shows, arranged from the gate's `WaveReport` and nothing else.

The HTML page, its PDF, the XLSX sheets and the charts all read these
structures, so they cannot disagree. Every number is a `Cell`: a gate
`Figure` plus the key of its row in the tidy export
(`unit_code|breakdown|group|measure`), which is also how the CSV and XLSX
exports are limited to exactly what the page shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from reports.aggregation import (
    DomainFigures,
    Figure,
    ItemFigures,
    TrendPoint,
    UnitFigures,
    WaveReport,
)
from surveys.instruments.definition import Band, Definition, Domain, Item, Stage
from surveys.models import Wave

COUNT, SCORE, PERCENT = "count", "score", "percent"

# How a band reads for the people concerned: a high risk score is a concern, a
# high protective score is not. Used for tints and words, never colour alone.
CONCERN, WATCH, OK = "concern", "watch", "ok"

GROUP_LABELS = {
    "continuum": _("The stress–trauma continuum"),
    "protective": _("What helps (protective factors)"),
    "cares": _("CARES leadership, as rated by staff"),
    "workplace": _("Workplace experience and inclusion"),
}


def figure_key(unit_code: str, measure: str, breakdown: str = "", group: str = "") -> str:
    return "|".join((unit_code, breakdown, group, measure))


@dataclass(frozen=True)
class Cell:
    """One published number on a page and the key of its tidy-export row."""

    figure: Figure
    kind: str
    key: str

    @property
    def shown(self) -> bool:
        return self.figure.shown


@dataclass(frozen=True)
class BandShare:
    code: str
    label: str
    cell: Cell


@dataclass(frozen=True)
class BandBar:
    """One domain of one group: its mean score and the share of people in each band."""

    domain: Domain
    mean: Cell
    bands: tuple[BandShare, ...]

    @property
    def shown(self) -> bool:
        return self.mean.shown

    @property
    def band(self) -> Band | None:
        return mean_band(self.domain, self.mean.figure)

    @property
    def tone(self) -> str:
        return band_tone(self.domain, self.band)


def mean_band(domain: Domain, figure: Figure) -> Band | None:
    return domain.band_for(figure.value) if figure.shown and figure.value is not None else None


def band_tone(domain: Domain, band: Band | None) -> str:
    if band is None:
        return ""
    order = [b.code for b in domain.bands]
    position = order.index(band.code)
    if domain.direction == "protective":
        position = len(order) - 1 - position
    return (OK, WATCH, CONCERN)[min(position, 2)]


def band_bar(
    unit_code: str, figures: DomainFigures, *, breakdown: str = "", group: str = ""
) -> BandBar:
    code = figures.code
    return BandBar(
        domain=figures.domain,
        mean=Cell(figures.mean, SCORE, figure_key(unit_code, f"{code}.mean", breakdown, group)),
        bands=tuple(
            BandShare(
                band.code,
                band.label,
                Cell(
                    band.figure,
                    PERCENT,
                    figure_key(unit_code, f"{code}.{band.code}", breakdown, group),
                ),
            )
            for band in figures.bands
        ),
    )


def domain_group(definition: Definition, domain: Domain) -> str:
    kind = definition.section(domain.section).kind if domain.section else "assessment"
    if kind in ("cares", "workplace"):
        return kind
    return "continuum" if domain.stage and domain.direction == "risk" else "protective"


# -- the unit report ---------------------------------------------------------------
@dataclass(frozen=True)
class ProfileStage:
    stage: Stage
    bars: tuple[BandBar, ...]


@dataclass(frozen=True)
class ComparisonRow:
    bar: BandBar
    parent: Cell | None
    organization: Cell | None


@dataclass(frozen=True)
class ComparisonGroup:
    code: str
    label: str
    rows: tuple[ComparisonRow, ...]


@dataclass(frozen=True)
class HeatColumn:
    unit: UnitFigures
    respondents: Cell
    is_focus: bool


@dataclass(frozen=True)
class HeatCell:
    cell: Cell
    band: Band | None
    tone: str


@dataclass(frozen=True)
class HeatRow:
    domain: Domain
    cells: tuple[HeatCell, ...]


@dataclass(frozen=True)
class Heatmap:
    columns: tuple[HeatColumn, ...]
    groups: tuple[tuple[str, tuple[HeatRow, ...]], ...]  # (group label, rows)


@dataclass(frozen=True)
class TrendRow:
    domain: Domain
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class TrendTable:
    waves: tuple[Wave, ...]
    respondents: tuple[Cell, ...]
    groups: tuple[tuple[str, tuple[TrendRow, ...]], ...]  # (group label, rows)

    @property
    def has_history(self) -> bool:
        return len(self.waves) > 1


@dataclass(frozen=True)
class CaresRow:
    bar: BandBar
    self_rating: int | None
    gap: float | None


@dataclass(frozen=True)
class OptionShare:
    code: str
    label: str
    cell: Cell


@dataclass(frozen=True)
class ItemRow:
    item: Item
    answered: Cell
    options: tuple[OptionShare, ...]

    @property
    def shown(self) -> bool:
        return self.answered.shown


@dataclass
class UnitReportPage:
    report: WaveReport
    respondents: Cell
    response_rate: Cell
    profile: tuple[ProfileStage, ...]
    comparison: tuple[ComparisonGroup, ...]
    heatmap: Heatmap | None
    trend: TrendTable
    cares: tuple[CaresRow, ...]
    workplace_items: tuple[ItemRow, ...]
    self_ratings: dict[str, int | None] = field(default_factory=dict)

    @property
    def wave(self) -> Wave:
        return self.report.wave

    @property
    def focus(self) -> UnitFigures:
        return self.report.focus

    @property
    def has_self_ratings(self) -> bool:
        return any(row.self_rating is not None for row in self.cares)

    @property
    def comments(self) -> list[str]:
        return self.report.comments

    @property
    def workplace_groups(self) -> list[tuple[tuple[str, ...], list[ItemRow]]]:
        """Workplace items grouped by their answer options, one table per group."""
        groups: dict[tuple[str, ...], list[ItemRow]] = {}
        for row in self.workplace_items:
            groups.setdefault(tuple(option.label for option in row.options), []).append(row)
        return list(groups.items())

    @property
    def comparison_width(self) -> int:
        """Columns of the comparison table: area, mean, band, three shares, benchmarks."""
        return 6 + (self.report.parent is not None) + (self.report.organization is not None)

    @property
    def comparison_labels(self) -> tuple[str | None, str | None]:
        parent = self.report.parent.name if self.report.parent else None
        organization = self.report.organization.name if self.report.organization else None
        return parent, organization

    def cells(self) -> list[Cell]:
        """Every number on the page, in page order."""
        cells = [self.respondents, self.response_rate]
        for stage in self.profile:
            for bar in stage.bars:
                cells += _bar_cells(bar)
        for group in self.comparison:
            for row in group.rows:
                cells += _bar_cells(row.bar)
                cells += [cell for cell in (row.parent, row.organization) if cell is not None]
        if self.heatmap:
            cells += [column.respondents for column in self.heatmap.columns]
            for _code, rows in self.heatmap.groups:
                for heat_row in rows:
                    cells += [heat.cell for heat in heat_row.cells]
        cells += list(self.trend.respondents)
        for _code, trend_rows in self.trend.groups:
            for trend_row in trend_rows:
                cells += list(trend_row.cells)
        for cares in self.cares:
            cells += _bar_cells(cares.bar)
        for item in self.workplace_items:
            cells += [item.answered] + [option.cell for option in item.options]
        return cells

    def keys(self) -> set[str]:
        return {cell.key for cell in self.cells()}


def _bar_cells(bar: BandBar) -> list[Cell]:
    return [bar.mean] + [share.cell for share in bar.bands]


def unit_report_page(
    report: WaveReport, *, self_ratings: dict[str, int | None] | None = None
) -> UnitReportPage:
    """Arrange a unit's `WaveReport` into the sections of the report page."""
    definition = report.definition
    focus = report.focus
    code = focus.code
    bars = {figures.code: band_bar(code, figures) for figures in focus.domains}
    self_ratings = self_ratings or {}
    return UnitReportPage(
        report=report,
        respondents=Cell(focus.respondents, COUNT, figure_key(code, "respondents")),
        response_rate=Cell(focus.response_rate, PERCENT, figure_key(code, "response_rate")),
        profile=_profile(definition, bars),
        comparison=_comparison(report, bars),
        heatmap=_heatmap(report) if report.children else None,
        trend=_trend(report),
        cares=tuple(
            CaresRow(bars[domain.code], *_self_rating(bars[domain.code], self_ratings))
            for domain in definition.domains_of_kind("cares")
        ),
        workplace_items=tuple(
            item_row(code, figures)
            for figures in focus.items
            if definition.section(figures.item.section).kind == "workplace"
        ),
        self_ratings=self_ratings,
    )


def _profile(definition: Definition, bars: dict[str, BandBar]) -> tuple[ProfileStage, ...]:
    stages = []
    for stage in definition.stages:
        stage_bars = tuple(
            bars[domain.code]
            for domain in definition.domains
            if domain.stage == stage.code and domain.direction == "risk"
        )
        if stage_bars:
            stages.append(ProfileStage(stage, stage_bars))
    return tuple(stages)


def _grouped(definition: Definition, rows: list[tuple[Domain, object]]) -> list[tuple[str, list]]:
    groups: dict[str, list] = {code: [] for code in GROUP_LABELS}
    for domain, row in rows:
        groups[domain_group(definition, domain)].append(row)
    return [(code, members) for code, members in groups.items() if members]


def _labelled(definition: Definition, rows: list[tuple[Domain, object]]) -> tuple:
    return tuple(
        (str(GROUP_LABELS[code]), tuple(members)) for code, members in _grouped(definition, rows)
    )


def _comparison(report: WaveReport, bars: dict[str, BandBar]) -> tuple[ComparisonGroup, ...]:
    definition = report.definition
    benchmarks = {}
    for label, other in (("parent", report.parent), ("organization", report.organization)):
        if other is not None:
            benchmarks[label] = {
                figures.code: Cell(
                    figures.mean,
                    SCORE,
                    figure_key(other.code, f"{figures.code}.mean", "benchmark", label),
                )
                for figures in other.domains
            }
    rows = [
        (
            domain,
            ComparisonRow(
                bar=bars[domain.code],
                parent=benchmarks["parent"][domain.code] if "parent" in benchmarks else None,
                organization=benchmarks["organization"][domain.code]
                if "organization" in benchmarks
                else None,
            ),
        )
        for domain in definition.domains
    ]
    return tuple(
        ComparisonGroup(code, str(GROUP_LABELS[code]), tuple(members))
        for code, members in _grouped(definition, rows)
    )


def _heatmap(report: WaveReport) -> Heatmap:
    units = [(report.focus, True)] + [(child, False) for child in report.children]
    columns = tuple(
        HeatColumn(unit, Cell(unit.respondents, COUNT, figure_key(unit.code, "respondents")), focus)
        for unit, focus in units
    )
    rows = []
    for index, domain in enumerate(report.definition.domains):
        cells = []
        for unit, _focus in units:
            figures = unit.domains[index]
            band = mean_band(domain, figures.mean)
            cells.append(
                HeatCell(
                    Cell(figures.mean, SCORE, figure_key(unit.code, f"{domain.code}.mean")),
                    band,
                    band_tone(domain, band),
                )
            )
        rows.append((domain, HeatRow(domain, tuple(cells))))
    return Heatmap(
        columns=columns,
        groups=_labelled(report.definition, rows),
    )


def _trend_key(report: WaveReport, point: TrendPoint, measure: str) -> str:
    if point.wave.pk == report.wave.pk:
        return figure_key(report.focus.code, measure)
    return figure_key(report.focus.code, measure, "wave", point.wave.slug)


def _trend(report: WaveReport) -> TrendTable:
    points = report.trend
    rows = [
        (
            domain,
            TrendRow(
                domain,
                tuple(
                    Cell(
                        point.domains.get(domain.code, Figure()),
                        SCORE,
                        _trend_key(report, point, f"{domain.code}.mean"),
                    )
                    for point in points
                ),
            ),
        )
        for domain in report.definition.domains
    ]
    return TrendTable(
        waves=tuple(point.wave for point in points),
        respondents=tuple(
            Cell(point.respondents, COUNT, _trend_key(report, point, "respondents"))
            for point in points
        ),
        groups=_labelled(report.definition, rows),
    )


def _self_rating(bar: BandBar, ratings: dict[str, int | None]) -> tuple[int | None, float | None]:
    rating = ratings.get(bar.domain.code)
    if rating is None or not bar.mean.shown or bar.mean.figure.value is None:
        return rating, None
    return rating, round(bar.mean.figure.value - rating, 1)


def item_row(unit_code: str, figures: ItemFigures) -> ItemRow:
    options = tuple(
        OptionShare(
            option.code,
            option.label,
            Cell(option.figure, PERCENT, figure_key(unit_code, f"{figures.code}.{option.code}")),
        )
        for option in figures.options
    )
    # "Answered by" is the count behind every share; its row is the first option's.
    first_key = options[0].cell.key if options else figure_key(unit_code, figures.code)
    return ItemRow(figures.item, Cell(figures.answered, COUNT, first_key), options)


# -- the equity page ---------------------------------------------------------------
@dataclass(frozen=True)
class EquityGroup:
    code: str
    label: str
    respondents: Cell


@dataclass(frozen=True)
class EquityQuestion:
    item: Item
    groups: tuple[EquityGroup, ...]
    rows: tuple[tuple[Domain, Cell, tuple[Cell, ...]], ...]  # domain, everyone, each group

    @property
    def any_shown(self) -> bool:
        return any(group.respondents.shown for group in self.groups)


@dataclass
class EquityPage:
    report: WaveReport
    respondents: Cell
    questions: tuple[EquityQuestion, ...]

    @property
    def wave(self) -> Wave:
        return self.report.wave

    def cells(self) -> list[Cell]:
        cells = [self.respondents]
        for question in self.questions:
            cells += [group.respondents for group in question.groups]
            for _domain, everyone, groups in question.rows:
                cells += [everyone, *groups]
        return cells

    def keys(self) -> set[str]:
        return {cell.key for cell in self.cells()}


def equity_page(report: WaveReport) -> EquityPage:
    """Organization-wide breakdowns by each self-identification question (analysts only)."""
    code = report.focus.code
    everyone = {
        figures.code: Cell(figures.mean, SCORE, figure_key(code, f"{figures.code}.mean"))
        for figures in report.focus.domains
    }
    questions = []
    for breakdown in report.breakdowns:
        groups = tuple(
            EquityGroup(
                group.code,
                group.label,
                Cell(
                    group.respondents,
                    COUNT,
                    figure_key(code, "respondents", breakdown.code, group.code),
                ),
            )
            for group in breakdown.groups
        )
        rows = tuple(
            (
                domain,
                everyone[domain.code],
                tuple(
                    Cell(
                        group.domains[index].mean,
                        SCORE,
                        figure_key(code, f"{domain.code}.mean", breakdown.code, group.code),
                    )
                    for group in breakdown.groups
                ),
            )
            for index, domain in enumerate(report.definition.domains)
        )
        questions.append(EquityQuestion(breakdown.item, groups, rows))
    return EquityPage(
        report=report,
        respondents=Cell(report.focus.respondents, COUNT, figure_key(code, "respondents")),
        questions=tuple(questions),
    )
