"""Rendering published figures: one look for every hidden number, suppressed or empty."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from reports.aggregation import Figure
from reports.pages import COUNT, PERCENT, Cell, HeatCell

register = template.Library()


def hidden_markup() -> SafeString:
    """What every hidden figure looks like: suppressed and empty are indistinguishable."""
    return format_html(
        '<span class="figure-hidden"><span aria-hidden="true">—</span>'
        '<span class="visually-hidden">{}</span></span>',
        _("not shown"),
    )


def format_figure(figure: Figure, kind: str) -> str:
    """A shown figure as text in the active language ("" for a hidden one)."""
    if not figure.shown or figure.value is None:
        return ""
    if kind == COUNT:
        return number_format(int(figure.n if figure.n is not None else figure.value), 0)
    text = number_format(figure.value, 1)
    return _("%(value)s%%") % {"value": text} if kind == PERCENT else text


@register.filter
def figure(cell: Cell) -> SafeString:
    """`{{ cell|figure }}`: the number, or the hidden look."""
    if not cell.shown:
        return format_html(
            '<span data-figure="{}" data-kind="{}">{}</span>', cell.key, cell.kind, hidden_markup()
        )
    return format_html(
        '<span data-figure="{}" data-kind="{}">{}</span>',
        cell.key,
        cell.kind,
        format_figure(cell.figure, cell.kind),
    )


@register.simple_tag
def td(cell: Cell | None, extra_class: str = "") -> SafeString:
    """A numeric table cell carrying its tidy-export key."""
    if cell is None:
        return format_html('<td class="num {}"></td>', extra_class)
    if not cell.shown:
        return format_html(
            '<td class="num figure-cell-hidden {}" data-figure="{}" data-kind="{}">{}</td>',
            extra_class,
            cell.key,
            cell.kind,
            hidden_markup(),
        )
    return format_html(
        '<td class="num {}" data-figure="{}" data-kind="{}">{}</td>',
        extra_class,
        cell.key,
        cell.kind,
        format_figure(cell.figure, cell.kind),
    )


@register.simple_tag
def heat_td(heat: HeatCell) -> SafeString:
    """A heatmap cell: the score, its band in words and a tint; hidden cells all alike."""
    if not heat.cell.shown or heat.band is None:
        return format_html(
            '<td class="heat heat-hidden" data-figure="{}" data-kind="{}">{}</td>',
            heat.cell.key,
            heat.cell.kind,
            hidden_markup(),
        )
    return format_html(
        '<td class="heat heat-{}" data-figure="{}" data-kind="{}">{} '
        '<span class="heat-band">{}</span></td>',
        heat.tone,
        heat.cell.key,
        heat.cell.kind,
        format_figure(heat.cell.figure, heat.cell.kind),
        heat.band.label,
    )


@register.filter
def hidden(value: object) -> SafeString:
    """`{{ anything|hidden }}`: the hidden look, for places without a figure."""
    del value
    return hidden_markup()
