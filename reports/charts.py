"""Server-rendered SVG charts (matplotlib), the same on screen and in the PDF.

Rules the charts follow:

- Built with `Figure()` (never pyplot: no global state in a web process),
  text kept as text (`svg.fonttype: none`), stable ids (fixed hash salt, no
  date), so the same data always gives the same bytes.
- Colour never carries meaning alone: every category also has a hatch
  pattern and a legend, bars carry direct value labels, and dot series have
  distinct marker shapes. Colours are colour-blind-safe and at least 3:1
  against white.
- The output is CSP-safe inline SVG: matplotlib's `style` attributes and
  `<style>` element become presentation attributes, ids are prefixed per
  chart, and the `<svg>` gets `role="img"` and a `<title>`/`<desc>`. Every
  chart is followed on the page by a data table with the same numbers.

Charts are memoized by their input data (never per viewer): the same
figures in the same language give the same SVG.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import matplotlib
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from matplotlib.figure import Figure as MplFigure

from reports.pages import BandBar, ItemRow, UnitReportPage

matplotlib.use("Agg")  # no display; Figure() never touches pyplot's global state

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "continuum",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# Okabe–Ito based, darkened to at least 3:1 against white (blue 5.2, orange 4.6,
# charcoal 11.4, green 5.3, purple 6.2, brown 5.6).
PALETTE = ("#0072B2", "#C25400", "#3A3A3A", "#007A5E", "#7A4F9A", "#AD4A00")
HATCHES = ("", "//", "xx", "\\\\", "--", "++", "||")
MARKERS = ("o", "s", "D", "^", "v", "P")
HIDDEN_FILL = "#F2F2F2"
GRID = "#D0D0D0"
ROW_HEIGHT = 0.3  # inches per bar or dot row
WIDTH = 7.2


@dataclass(frozen=True)
class Chart:
    """One rendered chart: the SVG and the text alternative it carries."""

    id: str
    title: str
    description: str
    svg: SafeString


class StackRow(NamedTuple):
    label: str
    heading: bool  # a group heading line (no bar)
    values: tuple[float | None, ...]  # one share per category; all None when hidden


class DotRow(NamedTuple):
    label: str
    heading: bool
    values: tuple[float | None, ...]  # one value per series


def _number(value: float) -> str:
    return number_format(value, 1)


# -- rendering ----------------------------------------------------------------------
CHAR_WIDTH = 0.068  # inches per character at 9 pt, a little generous
LEGEND_ROW = 0.22


def _layout(
    labels: list[str], legend: tuple[str, ...], rows: int, *, right: float
) -> tuple[MplFigure, int]:
    """A figure with margins sized to its labels (cheaper than a "tight" second draw)."""
    left = 0.2 + CHAR_WIDTH * max((len(label) for label in labels), default=4)
    widths = [0.45 + CHAR_WIDTH * 0.9 * len(label) for label in legend]
    columns = len(legend)
    while columns > 1 and max(widths) * columns > WIDTH - 0.2:
        columns -= 1
    legend_rows = -(-len(legend) // columns) if legend else 0
    top = 0.15 + LEGEND_ROW * legend_rows
    bottom = 0.5
    height = top + bottom + ROW_HEIGHT * rows
    figure = MplFigure(figsize=(max(WIDTH, left + right + 2.5), height))
    figure.subplots_adjust(
        left=left / figure.get_figwidth(),
        right=1 - right / figure.get_figwidth(),
        top=1 - top / height,
        bottom=bottom / height,
    )
    return figure, columns


def _finish_axes(axes: object, rows: tuple, axis_label: str) -> list[int]:
    ys = list(range(len(rows)))[::-1]
    axes.set_yticks(ys, [row.label for row in rows])
    for tick, row in zip(axes.get_yticklabels(), rows, strict=True):
        if row.heading:
            tick.set_fontweight("bold")
    axes.set_xlim(0, 100)
    axes.set_ylim(-0.6, len(rows) - 0.4)
    axes.set_xlabel(axis_label)
    axes.tick_params(axis="y", length=0)
    return ys


@lru_cache(maxsize=256)
def _stacked_svg(
    rows: tuple[StackRow, ...],
    categories: tuple[str, ...],
    hidden_text: str,
    axis_label: str,
    language: str,
) -> str:
    del language  # part of the cache key: labels and number formats depend on it
    with matplotlib.rc_context(RC):
        figure, columns = _layout([row.label for row in rows], categories, len(rows), right=0.25)
        axes = figure.subplots()
        ys = _finish_axes(axes, rows, axis_label)
        bars = [(y, row) for y, row in zip(ys, rows, strict=True) if not row.heading]
        shown = [(y, row) for y, row in bars if all(v is not None for v in row.values)]
        hidden = [y for y, row in bars if any(v is None for v in row.values)]
        if hidden:
            axes.barh(hidden, 100, color=HIDDEN_FILL, edgecolor=GRID, linewidth=0.6, height=0.7)
            for y in hidden:
                axes.text(50, y, hidden_text, ha="center", va="center", color="#333333")
        left = [0.0] * len(shown)
        for index in range(len(categories)):
            widths = [float(row.values[index] or 0) for _y, row in shown]
            axes.barh(
                [y for y, _row in shown],
                widths,
                left=left,
                height=0.7,
                color=PALETTE[index % len(PALETTE)],
                hatch=HATCHES[index % len(HATCHES)],
                hatchcolor="#FFFFFF",
                edgecolor="#FFFFFF",
                linewidth=0.6,
                label=categories[index],
            )
            for (y, _row), start, width in zip(shown, left, widths, strict=True):
                if width >= 9:
                    axes.text(
                        start + width / 2,
                        y,
                        _number(width),
                        ha="center",
                        va="center",
                        fontsize=7.5,
                        color="#111111",
                        bbox={"boxstyle": "square,pad=0.12", "fc": "#FFFFFF", "ec": "none"},
                    )
            left = [start + width for start, width in zip(left, widths, strict=True)]
        axes.legend(
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncols=columns,
            frameon=False,
            fontsize=8,
            borderaxespad=0.2,
        )
        return _save(figure)


@lru_cache(maxsize=256)
def _dots_svg(
    rows: tuple[DotRow, ...],
    series: tuple[str, ...],
    connect: bool,
    label_series: int,
    hidden_text: str,
    axis_label: str,
    language: str,
) -> str:
    del language
    with matplotlib.rc_context(RC):
        legend = tuple(label for label in series if not label.startswith("_"))
        figure, columns = _layout([row.label for row in rows], legend, len(rows), right=0.75)
        axes = figure.subplots()
        ys = _finish_axes(axes, rows, axis_label)
        points = [(y, row) for y, row in zip(ys, rows, strict=True) if not row.heading]
        axes.hlines([y for y, _row in points], 0, 100, colors=GRID, linewidth=0.4, zorder=0)
        if connect:
            for y, row in points:
                values = [value for value in row.values if value is not None]
                if len(values) > 1:
                    axes.plot(values, [y] * len(values), color="#777777", lw=1, zorder=1)
        nan = float("nan")
        for index, label in enumerate(series):
            colour = PALETTE[index % len(PALETTE)]
            axes.plot(
                [
                    row.values[index]
                    if index < len(row.values) and row.values[index] is not None
                    else nan
                    for _y, row in points
                ],
                [y for y, _row in points],
                marker=MARKERS[index % len(MARKERS)],
                markersize=6,
                markerfacecolor=colour if index % 2 == 0 else "#FFFFFF",
                markeredgecolor=colour,
                markeredgewidth=1.4,
                linestyle="none",
                zorder=2,
                label=label,
            )
        for y, row in points:
            main = row.values[label_series] if label_series < len(row.values) else None
            text = hidden_text if main is None else _number(main)
            axes.text(101.5, y, text, va="center", fontsize=7.5, color="#111111", clip_on=False)
        axes.legend(
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncols=columns,
            frameon=False,
            fontsize=8,
            borderaxespad=0.2,
        )
        return _save(figure)


def _save(figure: MplFigure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


# -- making the SVG safe to inline ---------------------------------------------------
_URL_REF = re.compile(r"url\(#([^)]+)\)")


def inline_svg(svg: str, *, chart_id: str, title: str, description: str) -> SafeString:
    """Matplotlib's SVG document as an accessible, CSP-safe inline `<svg>` element."""
    root = ET.fromstring(svg)  # noqa: S314 - our own matplotlib output, not user input
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (f"{{{SVG_NS}}}metadata", f"{{{SVG_NS}}}style"):
                parent.remove(child)
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style:
            for declaration in style.split(";"):
                name, _sep, value = declaration.partition(":")
                if name.strip() and value.strip():
                    element.set(name.strip(), value.strip())
        for name, value in list(element.attrib.items()):
            if name == "id":
                element.set("id", f"{chart_id}-{value}")
            elif name == f"{{{XLINK_NS}}}href":
                # Plain `href` (SVG 2): the HTML parser knows no namespace prefixes.
                del element.attrib[name]
                element.set("href", f"#{chart_id}-{value[1:]}" if value.startswith("#") else value)
            elif "url(#" in value:
                element.set(name, _URL_REF.sub(rf"url(#{chart_id}-\1)", value))
    # What matplotlib's <style> said for every element.
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    root.set("class", "chart-svg")
    root.set("focusable", "false")
    desc = ET.Element(f"{{{SVG_NS}}}desc", {"id": f"{chart_id}-desc"})
    desc.text = description
    heading = ET.Element(f"{{{SVG_NS}}}title", {"id": f"{chart_id}-title"})
    heading.text = title
    root.insert(0, desc)
    root.insert(0, heading)
    return mark_safe(_unprefixed(ET.tostring(root, encoding="unicode")))  # noqa: S308


_XMLNS = re.compile(r'xmlns:([A-Za-z0-9_]+)="' + re.escape(SVG_NS) + '"')


def _unprefixed(markup: str) -> str:
    """Serialized SVG with the SVG namespace as the default one, whatever prefix it got.

    ElementTree's prefix registry is process-wide and other libraries change
    it; HTML wants plain `<svg xmlns="...">` elements.
    """
    match = _XMLNS.search(markup)
    if match is None:
        return markup
    prefix = match.group(1)
    markup = markup.replace(match.group(0), f'xmlns="{SVG_NS}"', 1)
    return re.sub(rf"<(/?){prefix}:", r"<\1", markup)


# -- the charts of a unit report -----------------------------------------------------
def _band_rows(groups: list[tuple[str, list[BandBar]]]) -> tuple[StackRow, ...]:
    rows: list[StackRow] = []
    for heading, bars in groups:
        single = len(bars) == 1
        if not single:
            rows.append(StackRow(heading, True, ()))
        for bar in bars:
            values = tuple(share.cell.figure.value if bar.shown else None for share in bar.bands)
            label = heading if single else str(bar.domain.name)
            rows.append(StackRow(label, False, values))
    return tuple(rows)


def _band_labels(bars: list[BandBar]) -> tuple[str, ...]:
    return tuple(share.label for share in bars[0].bands) if bars else ()


def stacked_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: tuple[StackRow, ...],
    categories: tuple[str, ...],
) -> Chart:
    svg = _stacked_svg(
        rows,
        categories,
        _("not shown"),
        _("Share of people who answered (%)"),
        get_language() or "en",
    )
    return Chart(
        chart_id,
        title,
        description,
        inline_svg(svg, chart_id=chart_id, title=title, description=description),
    )


def dot_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: tuple[DotRow, ...],
    series: tuple[str, ...],
    *,
    connect: bool = False,
    label_series: int = 0,
) -> Chart:
    svg = _dots_svg(
        rows,
        series,
        connect,
        label_series,
        _("not shown"),
        _("Average score (0–100)"),
        get_language() or "en",
    )
    return Chart(
        chart_id,
        title,
        description,
        inline_svg(svg, chart_id=chart_id, title=title, description=description),
    )


def profile_chart(page: UnitReportPage) -> Chart | None:
    groups = [(str(stage.stage.name), list(stage.bars)) for stage in page.profile]
    if not groups:
        return None
    bars = [bar for _heading, stage_bars in groups for bar in stage_bars]
    description = _(
        "Stacked bars, one per result area of each stage of the continuum, from everyday "
        "stress to collective trauma: the share of people whose score was low, moderate or "
        "high. Each band has its own pattern. The table after the chart gives every value."
    )
    return stacked_chart(
        "chart-profile",
        _("Continuum profile of %(unit)s") % {"unit": page.focus.name},
        description,
        _band_rows(groups),
        _band_labels(bars),
    )


def comparison_chart(page: UnitReportPage) -> Chart:
    parent, organization = page.comparison_labels
    # Fixed places, so each comparison keeps its marker shape; "_" hides an absent one.
    series = (page.focus.name, parent or "_parent", organization or "_organization")
    rows: list[DotRow] = []
    for group in page.comparison:
        rows.append(DotRow(group.label, True, ()))
        for row in group.rows:
            values = (
                row.bar.mean.figure.value,
                row.parent.figure.value if row.parent else None,
                row.organization.figure.value if row.organization else None,
            )
            rows.append(DotRow(str(row.bar.domain.name), False, values))
    return dot_chart(
        "chart-domains",
        _("Average scores of %(unit)s compared with others") % {"unit": page.focus.name},
        _(
            "Dots on a 0 to 100 scale, one row per result area: a filled circle for this "
            "unit, an open square for the unit above it and a filled diamond for the whole "
            "organization, where shown. The number at the right is this unit's score. The "
            "table after the chart gives every value."
        ),
        tuple(rows),
        series,
    )


def trend_chart(page: UnitReportPage) -> Chart | None:
    trend = page.trend
    if not trend.has_history:
        return None
    rows: list[DotRow] = []
    for label, trend_rows in trend.groups:
        rows.append(DotRow(label, True, ()))
        for row in trend_rows:
            rows.append(
                DotRow(
                    str(row.domain.name),
                    False,
                    tuple(cell.figure.value for cell in row.cells),
                )
            )
    return dot_chart(
        "chart-trend",
        _("How the scores of %(unit)s changed across waves") % {"unit": page.focus.name},
        _(
            "One row per result area, one marker shape per wave, joined by a line from the "
            "earliest to the latest wave. The number at the right is the latest score. The "
            "table after the chart gives every value."
        ),
        tuple(rows),
        tuple(wave.name for wave in trend.waves),
        connect=True,
        label_series=len(trend.waves) - 1,
    )


def cares_chart(page: UnitReportPage) -> Chart | None:
    bars = [row.bar for row in page.cares]
    if not bars:
        return None
    rows = tuple(
        StackRow(
            str(bar.domain.name),
            False,
            tuple(share.cell.figure.value if bar.shown else None for share in bar.bands),
        )
        for bar in bars
    )
    return stacked_chart(
        "chart-cares",
        _("How staff of %(unit)s rate their leadership (CARES)") % {"unit": page.focus.name},
        _(
            "Stacked bars, one per CARES competency: the share of people whose rating was in "
            "each band, each band with its own pattern. The table after the chart gives every "
            "value."
        ),
        rows,
        _band_labels(bars),
    )


def workplace_chart(page: UnitReportPage) -> Chart | None:
    """The workplace statements that share the most common answer scale."""
    scaled = [row for row in page.workplace_items if row.item.scale is not None]
    if not scaled:
        return None
    scale = max(
        {row.item.scale.code for row in scaled},
        key=lambda code: sum(1 for row in scaled if row.item.scale.code == code),
    )
    chosen: list[ItemRow] = [row for row in scaled if row.item.scale.code == scale]
    rows = tuple(
        StackRow(
            row.item.code,
            False,
            tuple(option.cell.figure.value if row.shown else None for option in row.options),
        )
        for row in chosen
    )
    return stacked_chart(
        "chart-workplace",
        _("Workplace experience in %(unit)s") % {"unit": page.focus.name},
        _(
            "Stacked bars, one per workplace statement (labelled by its question code): the "
            "share of people who gave each answer, each answer with its own pattern. The table "
            "after the chart gives the statements and every value."
        ),
        rows,
        tuple(option.label for option in chosen[0].options),
    )


def unit_report_charts(page: UnitReportPage) -> dict[str, Chart]:
    """At most five charts for a unit report page (and its PDF)."""
    charts = {
        "profile": profile_chart(page),
        "domains": comparison_chart(page),
        "trend": trend_chart(page),
        "cares": cares_chart(page),
        "workplace": workplace_chart(page),
    }
    return {name: chart for name, chart in charts.items() if chart is not None}
