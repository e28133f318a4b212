"""Server-rendered SVG charts: deterministic, accessible, CSP-safe, never colour alone."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from reports import charts
from reports.charts import DotRow, StackRow, dot_chart, stacked_chart

ROWS = (
    StackRow("Burnout", True, ()),
    StackRow("Exhaustion", False, (20.0, 30.0, 50.0)),
    StackRow("Distance", False, (None, None, None)),
)


def render() -> str:
    return str(
        stacked_chart("chart-x", "A title", "A description.", ROWS, ("Low", "Moderate", "High")).svg
    )


def test_same_data_gives_the_same_bytes() -> None:
    first = render()
    charts._stacked_svg.cache_clear()
    assert render() == first


def test_inline_svg_is_accessible_and_csp_safe() -> None:
    svg = render()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert "<?xml" not in svg and "DOCTYPE" not in svg and "<metadata" not in svg
    assert "style=" not in svg and "<style" not in svg and "<script" not in svg
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-x-title chart-x-desc"' in svg
    root = ET.fromstring(svg)  # noqa: S314 - our own chart
    ns = "{http://www.w3.org/2000/svg}"
    assert root[0].tag == f"{ns}title" and root[0].text == "A title"
    assert root[1].tag == f"{ns}desc" and root[1].text == "A description."
    # Every id belongs to this chart, so several charts can share a page.
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids and all(value.startswith("chart-x-") for value in ids)
    references = re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', svg)
    assert all((a or b).startswith("chart-x-") for a, b in references)
    assert "xlink:" not in svg and "ns0:" not in svg


def test_bands_carry_patterns_and_direct_labels_not_only_colour() -> None:
    svg = render()
    assert svg.count("<pattern") >= 2  # moderate and high are hatched, low is plain
    for label in ("20.0", "30.0", "50.0", "Low", "Moderate", "High", "not shown"):
        assert f">{label}<" in svg


def test_hidden_rows_say_not_shown() -> None:
    svg = render()
    assert svg.count(">not shown<") == 1


def test_dot_chart_uses_marker_shapes_and_labels_the_main_series() -> None:
    svg = str(
        dot_chart(
            "chart-d",
            "Dots",
            "Desc.",
            (
                DotRow("Stress", False, (61.5, None, 48.0)),
                DotRow("Burnout", False, (None, 40.0, 45.0)),
            ),
            ("Unit", "_parent", "Organization"),
        ).svg
    )
    assert ">61.5<" in svg and ">not shown<" in svg
    assert ">Unit<" in svg and ">Organization<" in svg and "_parent" not in svg


def test_palette_meets_three_to_one_against_white() -> None:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in charts.PALETTE:
        assert 1.05 / (luminance(colour) + 0.05) >= 3, colour
