"""THE aggregation gate (PRODUCT.md invariant 4).

Every report, chart, export and API response is built from `wave_report` or
`participation` below. They take statistics from `reports.stats` (the only
reader of response rows for reporting), apply the rules of
`reports.suppression` once per wave for the whole organization, and hand a
viewer only the part of that single published table they may see. What
comes out is plain Python: `Figure`s with a count and a value, or neither.
A suppressed figure and an empty one are the same object, `HIDDEN`.
"""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language

from config.routers import reporting
from reports.stats import BreakdownSet, BreakdownStats, WaveStats, breakdown_stats, wave_stats
from reports.suppression import near_identical_pairs, suppress_breakdown, suppress_hierarchy
from reports.tree import Tree
from reports.viewers import Role, Viewer
from surveys.instruments.definition import PREFER_NOT_TO_ANSWER, Definition, Domain, Item
from surveys.models import MIN_INVITED_FOR_RATE, Comment, OrgUnit, Wave

REPORTABLE = (Wave.Status.RELEASED, Wave.Status.ARCHIVED)
ROUNDING = 1  # decimals for means and percentages


class ReportUnavailable(Exception):
    """The wave has no report for this viewer yet (not released, or not in scope)."""


class UnitNotVisible(Exception):
    """The viewer may not see this unit: views answer 404."""


class Figure(NamedTuple):
    """A published number: `n` people behind it and its `value`, or neither."""

    n: int | None = None
    value: float | None = None

    @property
    def shown(self) -> bool:
        return self.n is not None


HIDDEN = Figure()


class BandFigure(NamedTuple):
    code: str
    label: str
    figure: Figure


class DomainFigures(NamedTuple):
    domain: Domain
    mean: Figure
    bands: tuple[BandFigure, ...]

    @property
    def code(self) -> str:
        return self.domain.code


class OptionFigure(NamedTuple):
    code: str
    label: str
    figure: Figure


class ItemFigures(NamedTuple):
    item: Item
    answered: Figure
    options: tuple[OptionFigure, ...]

    @property
    def code(self) -> str:
        return self.item.code


# -- the published table (viewer-independent) -------------------------------------
@dataclass
class PublishedTable:
    """Rolled-up, suppressed figures of every unit of a wave; -1 / NaN where hidden."""

    stats: WaveStats
    respondents: np.ndarray  # (U,)
    rate: np.ndarray  # (U,) percent
    domain_n: np.ndarray  # (U, D)
    domain_mean: np.ndarray  # (U, D)
    band_pct: np.ndarray  # (U, D, 3)
    item_n: np.ndarray  # (U, I)
    item_pct: np.ndarray  # (U, I, K)
    comments: np.ndarray  # (U,) bool

    @property
    def definition(self) -> Definition:
        return self.stats.definition

    def labels(self) -> Labels:
        language = get_language() or "en"
        cache = self.__dict__.setdefault("_labels", {})
        if language not in cache:
            cache[language] = build_labels(self.definition, self.stats.report_items)
        return cache[language]


def _percent(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.round(part / whole * 100.0, ROUNDING)


def publish(stats: WaveStats, *, min_group: int, min_comment: int) -> PublishedTable:
    """Roll up and suppress every figure of a wave once, for everyone."""
    tree = stats.tree
    respondents = tree.rollup(stats.respondents)
    invited = tree.rollup(stats.invited)
    domain_n = tree.rollup(stats.domain_n)
    domain_sum = tree.rollup(stats.domain_sum)
    domain_bands = tree.rollup(stats.domain_bands)
    item_counts = tree.rollup(stats.item_counts)
    item_n = item_counts.sum(axis=2)

    counts = np.column_stack([respondents, respondents, domain_n, item_n])
    thresholds = np.array(
        [min_group, min_comment] + [min_group] * (domain_n.shape[1] + item_n.shape[1]),
        dtype=np.int64,
    )
    shown = suppress_hierarchy(tree, counts, thresholds)
    unit_shown = shown[:, 0]
    # A unit hidden for its respondents is hidden for everything: hiding more is always safe.
    shown &= unit_shown[:, None]
    domains = domain_n.shape[1]
    domain_shown = shown[:, 2 : 2 + domains]
    item_shown = shown[:, 2 + domains :]

    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.round(domain_sum / domain_n, ROUNDING)
    rate_shown = unit_shown & (invited >= MIN_INVITED_FOR_RATE)
    return PublishedTable(
        stats=stats,
        respondents=np.where(unit_shown, respondents, -1),
        rate=np.where(rate_shown, _percent(respondents, invited), np.nan),
        domain_n=np.where(domain_shown, domain_n, -1),
        domain_mean=np.where(domain_shown, mean, np.nan),
        band_pct=np.where(
            domain_shown[:, :, None], _percent(domain_bands, domain_n[:, :, None]), np.nan
        ),
        item_n=np.where(item_shown, item_n, -1),
        item_pct=np.where(
            item_shown[:, :, None], _percent(item_counts, item_n[:, :, None]), np.nan
        ),
        comments=shown[:, 1],
    )


_TABLES: OrderedDict[tuple[int, int, int, int], PublishedTable] = OrderedDict()
_TABLES_LOCK = threading.Lock()


def published_table(wave: Wave) -> PublishedTable:
    stats = wave_stats(wave)
    key = (id(stats), wave.min_group_size, wave.min_comment_group_size, wave.pk)
    with _TABLES_LOCK:
        if key in _TABLES:
            return _TABLES[key]
    table = publish(stats, min_group=wave.min_group_size, min_comment=wave.min_comment_group_size)
    with _TABLES_LOCK:
        for old in [k for k in _TABLES if k[3] == wave.pk]:
            del _TABLES[old]
        _TABLES[key] = table
        while len(_TABLES) > 12:
            _TABLES.popitem(last=False)
    return table


def _figure(n: int, value: float) -> Figure:
    if n < 0 or value != value:  # hidden, or NaN
        return HIDDEN
    return Figure(int(n), float(value))


class UnitFigures:
    """One unit's published figures, read lazily from the table."""

    def __init__(self, table: PublishedTable, node: int) -> None:
        self._table = table
        self.node = node
        tree = table.stats.tree
        self.unit_id = tree.unit_ids[node]
        self.code = tree.codes[node]
        self.name = tree.names[node]
        self.depth = int(tree.depth[node])
        parent = int(tree.parent[node])
        self.parent_code = tree.codes[parent] if parent >= 0 else ""

    @property
    def respondents(self) -> Figure:
        n = int(self._table.respondents[self.node])
        return _figure(n, float(n))

    @property
    def response_rate(self) -> Figure:
        return _figure(int(self._table.respondents[self.node]), float(self._table.rate[self.node]))

    @property
    def comments_allowed(self) -> bool:
        return bool(self._table.comments[self.node])

    @cached_property
    def domains(self) -> tuple[DomainFigures, ...]:
        labels = self._table.labels()
        counts = self._table.domain_n[self.node].tolist()
        means = self._table.domain_mean[self.node].tolist()
        bands = self._table.band_pct[self.node].tolist()
        result = []
        for d, (domain, band_labels, hidden) in enumerate(labels.domains):
            n = counts[d]
            if n < 0:
                result.append(hidden)
                continue
            result.append(
                DomainFigures(
                    domain,
                    Figure(n, means[d]),
                    tuple(
                        BandFigure(code, label, Figure(n, pct))
                        for (code, label), pct in zip(band_labels, bands[d], strict=True)
                    ),
                )
            )
        return tuple(result)

    def domain(self, code: str) -> DomainFigures:
        return next(figures for figures in self.domains if figures.code == code)

    @cached_property
    def items(self) -> tuple[ItemFigures, ...]:
        labels = self._table.labels()
        counts = self._table.item_n[self.node].tolist()
        shares = self._table.item_pct[self.node].tolist()
        result = []
        for i, (item, option_labels, hidden) in enumerate(labels.items):
            n = counts[i]
            if n < 0:
                result.append(hidden)
                continue
            result.append(
                ItemFigures(
                    item,
                    Figure(n, float(n)),
                    tuple(
                        OptionFigure(code, label, Figure(n, pct))
                        for (code, label), pct in zip(option_labels, shares[i], strict=False)
                    ),
                )
            )
        return tuple(result)


@dataclass(frozen=True)
class Labels:
    """Per-language labels, with a shared all-hidden object per domain and item."""

    domains: list[tuple[Domain, list[tuple[str, str]], DomainFigures]]
    items: list[tuple[Item, list[tuple[str, str]], ItemFigures]]


def build_labels(definition: Definition, items: tuple[Item, ...]) -> Labels:
    domains = []
    for domain in definition.domains:
        band_labels = [(band.code, str(band.label)) for band in domain.bands]
        hidden = DomainFigures(
            domain, HIDDEN, tuple(BandFigure(c, label, HIDDEN) for c, label in band_labels)
        )
        domains.append((domain, band_labels, hidden))
    item_labels = []
    for item in items:
        options = (
            [(str(o.value), str(o.label)) for o in item.scale.options]
            if item.scale
            else [(o.code, str(o.label)) for o in item.options]
        )
        hidden_item = ItemFigures(
            item, HIDDEN, tuple(OptionFigure(c, label, HIDDEN) for c, label in options)
        )
        item_labels.append((item, options, hidden_item))
    return Labels(domains, item_labels)


# -- breakdowns (equity analysts) -----------------------------------------------
@dataclass(frozen=True)
class GroupFigures:
    code: str
    label: str
    respondents: Figure
    domains: tuple[DomainFigures, ...]


@dataclass(frozen=True)
class BreakdownFigures:
    item: Item
    groups: tuple[GroupFigures, ...]

    @property
    def code(self) -> str:
        return self.item.code

    @property
    def any_shown(self) -> bool:
        return any(group.respondents.shown for group in self.groups)


def publish_breakdowns(
    breakdowns: BreakdownSet, table: PublishedTable, *, min_equity: int
) -> list[BreakdownFigures]:
    """Organization-wide breakdowns by self-identification.

    Each question is suppressed with the remainder rule (`suppress_breakdown`).
    Then a shown group is hidden too, and its question re-suppressed, while it
    nearly coincides (fewer than the threshold apart, but not identical) with
    a set a reader can compute from other published figures: another group,
    any union of the units' residual groups (so a unit, a unit's complement,
    a sum of sibling units...), or any union of another single-choice
    question's shown groups and remainder.
    """
    questions = breakdowns.breakdowns
    bits = [_membership_bits(question) for question in questions]
    sizes = np.concatenate(
        [b.T @ q.respondents for b, q in zip(bits, questions, strict=True)] or [[]]
    ).astype(np.int64)
    offsets = np.cumsum([0] + [len(q.item.options) for q in questions])
    tree = table.stats.tree
    group_units = (
        np.concatenate([tree.rollup(q.group_units.T).T for q in questions])
        if questions
        else np.zeros((0, tree.size), dtype=np.int64)
    )
    atoms_size, atoms_groups = _unit_atoms(table, group_units)
    total = int(table.stats.respondents.sum())
    forbidden = np.array(
        [option.code == PREFER_NOT_TO_ANSWER for q in questions for option in q.item.options],
        dtype=bool,
    )
    while True:
        masks = [
            _suppress_question(q, forbidden[offsets[k] : offsets[k + 1]], min_equity)
            for k, q in enumerate(questions)
        ]
        shown = np.concatenate([m[:, 0] for m in masks] or [np.zeros(0, bool)])
        conflict = _near_identical_group(
            shown, sizes, breakdowns.group_overlaps, atoms_size, atoms_groups,
            questions, offsets, total, min_equity,
        )  # fmt: skip
        if conflict is None:
            break
        forbidden[conflict] = True
    return [
        _question_figures(q, b, mask, table.definition)
        for q, b, mask in zip(questions, bits, masks, strict=True)
    ]


def _membership_bits(question: BreakdownStats) -> np.ndarray:
    options = len(question.item.options)
    return ((question.patterns[:, None] >> np.arange(options)[None, :]) & 1).astype(np.int64)


def _suppress_question(
    question: BreakdownStats, forbidden: np.ndarray, threshold: int
) -> np.ndarray:
    """Suppress one question with forbidden groups' members counted in the remainder.

    A group hidden for its size is hidden for every measure, and each measure's
    remainder must then count its members: so repeat with such groups forbidden
    until nothing changes.
    """
    options = len(question.item.options)
    forbidden = forbidden.copy()
    weights = np.column_stack([question.respondents, question.domain_n])
    while True:
        allowed = sum(1 << g for g in range(options) if not forbidden[g])
        mask = suppress_breakdown(question.patterns & allowed, weights, options, threshold)
        mask[forbidden] = False
        newly_hidden = ~mask[:, 0] & ~forbidden & mask.any(axis=1)
        if not newly_hidden.any():
            return mask
        forbidden |= newly_hidden


def _unit_atoms(table: PublishedTable, group_units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The finest groups of people the shown unit figures let anyone compute.

    Each shown unit's residual (the unit minus its shown units below) is one;
    people outside every shown unit are one more. Returns their sizes and each
    breakdown group's overlap with each of them: (atoms,), (groups, atoms).
    """
    tree = table.stats.tree
    people = tree.rollup(table.stats.respondents)
    shown = table.respondents >= 0
    frontier_people = np.zeros(tree.size, dtype=np.int64)
    frontier_groups = np.zeros_like(group_units)
    for node in tree.post_order():
        for child in tree.children[node]:
            frontier_people[node] += people[child] if shown[child] else frontier_people[child]
            frontier_groups[:, node] += (
                group_units[:, child] if shown[child] else frontier_groups[:, child]
            )
    nodes = np.flatnonzero(shown)
    sizes = people[nodes] - frontier_people[nodes]
    groups = group_units[:, nodes] - frontier_groups[:, nodes]
    roots = [node for node in range(tree.size) if tree.parent[node] < 0]
    outside_people = sum(0 if shown[r] else people[r] - frontier_people[r] for r in roots)
    outside_groups = sum(
        (np.zeros(len(group_units), dtype=np.int64) if shown[r] else
         group_units[:, r] - frontier_groups[:, r]) for r in roots
    )  # fmt: skip
    return (
        np.append(sizes, outside_people).astype(np.int64),
        np.column_stack([groups, outside_groups]).astype(np.int64),
    )


def _closest_union_distance(overlap: np.ndarray, atom_sizes: np.ndarray) -> np.ndarray:
    """For each group, how far it is from the closest union of disjoint atoms.

    Taking an atom into the union costs the atom's members outside the group;
    leaving it out costs the group's members inside it; each atom is chosen
    independently. overlap: (groups, atoms).
    """
    return np.minimum(overlap, atom_sizes[None, :] - overlap).sum(axis=1)


def _near_identical_group(
    shown: np.ndarray,
    sizes: np.ndarray,
    overlaps: np.ndarray,
    atom_sizes: np.ndarray,
    atom_groups: np.ndarray,
    questions: list[BreakdownStats],
    offsets: np.ndarray,
    total: int,
    threshold: int,
) -> int | None:
    """A shown group within (0, threshold) of some computable set, or None."""
    active = np.flatnonzero(shown)
    if not len(active):
        return None

    def close(distance: np.ndarray) -> np.ndarray:
        return (distance > 0) & (distance < threshold)

    # Against unions of the units' residual groups (a unit, its complement, ...).
    hits = active[close(_closest_union_distance(atom_groups[active], atom_sizes))]
    if len(hits):
        return int(hits[np.argmin(sizes[hits])])
    # Against every other shown group.
    pairs = near_identical_pairs(sizes[active], overlaps[np.ix_(active, active)], threshold)
    if pairs:
        first, second = active[pairs[0][0]], active[pairs[0][1]]
        return int(first if sizes[first] <= sizes[second] else second)
    # Against unions of another single-choice question's shown groups and its remainder.
    for k, question in enumerate(questions):
        if question.item.type != "single":
            continue
        own = np.arange(offsets[k], offsets[k + 1])
        own_shown = own[shown[own]]
        if not len(own_shown):
            continue
        others = np.setdiff1d(active, own)
        if not len(others):
            continue
        inside = overlaps[np.ix_(others, own_shown)]
        remainder_overlap = sizes[others] - inside.sum(axis=1)
        atom_overlap = np.column_stack([inside, remainder_overlap])
        atom_sizes_q = np.append(sizes[own_shown], total - sizes[own_shown].sum())
        hits = others[close(_closest_union_distance(atom_overlap, atom_sizes_q))]
        if len(hits):
            return int(hits[np.argmin(sizes[hits])])
    return None


def _question_figures(
    question: BreakdownStats, bits: np.ndarray, mask: np.ndarray, definition: Definition
) -> BreakdownFigures:
    n = bits.T @ question.respondents
    domain_n = bits.T @ question.domain_n
    domain_sum = bits.T @ question.domain_sum
    domain_bands = np.einsum("pg,pdb->gdb", bits, question.domain_bands)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.round(domain_sum / domain_n, ROUNDING)
        band_pct = _percent(domain_bands, domain_n[:, :, None])
    groups = []
    for g, option in enumerate(question.item.options):
        if option.code == PREFER_NOT_TO_ANSWER:
            continue
        domains = []
        for d, domain in enumerate(definition.domains):
            count = int(domain_n[g, d]) if mask[g, 1 + d] else -1
            domains.append(
                DomainFigures(
                    domain=domain,
                    mean=_figure(count, float(means[g, d])),
                    bands=tuple(
                        BandFigure(
                            band.code, str(band.label), _figure(count, float(band_pct[g, d, k]))
                        )
                        for k, band in enumerate(domain.bands)
                    ),
                )
            )
        size = int(n[g]) if mask[g, 0] else -1
        groups.append(
            GroupFigures(option.code, str(option.label), _figure(size, float(n[g])), tuple(domains))
        )
    return BreakdownFigures(item=question.item, groups=tuple(groups))


# -- trend ------------------------------------------------------------------------
@dataclass(frozen=True)
class TrendPoint:
    wave: Wave
    respondents: Figure
    domains: dict[str, Figure]


def _trend(wave: Wave, unit_id: int | None) -> list[TrendPoint]:
    instrument = wave.instrument_version.instrument_id
    waves = list(
        Wave.objects.filter(instrument_version__instrument_id=instrument, status__in=REPORTABLE)
        .filter(Q(closes_on__lte=wave.closes_on) | Q(pk=wave.pk) if wave.closes_on else Q())
        .select_related("instrument_version")
        .order_by("closes_on", "created_on")
    )
    if wave not in waves:
        waves.append(wave)
    points = []
    for other in waves:
        table = published_table(other)
        node = table.stats.tree.index.get(unit_id) if unit_id is not None else 0
        if node is None:
            continue
        figures = UnitFigures(table, node)
        points.append(
            TrendPoint(
                wave=other,
                respondents=figures.respondents,
                domains={d.code: d.mean for d in figures.domains},
            )
        )
    return points


# -- the report a viewer gets -----------------------------------------------------
@dataclass
class WaveReport:
    wave: Wave
    viewer: Viewer
    definition: Definition
    focus: UnitFigures
    units: list[UnitFigures]
    organization: UnitFigures | None
    parent: UnitFigures | None
    children: list[UnitFigures]
    thresholds: dict[str, int]
    breakdowns: list[BreakdownFigures] = field(default_factory=list)
    _trend: list[TrendPoint] | None = None

    @property
    def trend(self) -> list[TrendPoint]:
        if self._trend is None:
            self._trend = _trend(self.wave, self.focus.unit_id)
        return self._trend

    @cached_property
    def comments(self) -> list[str]:
        """The focus unit's comments where the comment threshold allows, in random-key order."""
        if not self.focus.comments_allowed:
            return []
        tree_units = self.focus_unit_ids
        return list(
            Comment.objects.filter(wave=self.wave, unit_id__in=tree_units)
            .order_by("id")
            .values_list("text", flat=True)
        )

    @property
    def focus_unit_ids(self) -> list[int]:
        return [unit.unit_id for unit in self.units if unit.unit_id is not None]


def available_to(wave: Wave, viewer: Viewer) -> bool:
    if wave.status in REPORTABLE:
        return True
    # HR may check a closed wave's organization report before releasing it to leaders.
    return viewer.role == Role.HR and wave.status == Wave.Status.CLOSED


@reporting
def wave_report(*, wave: Wave, viewer: Viewer, unit: OrgUnit | None = None) -> WaveReport:
    """Everything a viewer may see of a wave, focused on one unit (default: their top unit)."""
    if not available_to(wave, viewer):
        raise ReportUnavailable
    table = published_table(wave)
    tree = table.stats.tree
    if unit is None:
        focus_node = _default_focus(tree, viewer)
    else:
        if not viewer.may_see(unit) or unit.pk not in tree.index:
            raise UnitNotVisible
        focus_node = tree.index[unit.pk]
    if focus_node is None:
        raise UnitNotVisible
    nodes = tree.subtree(focus_node)
    units = [UnitFigures(table, node) for node in nodes]
    root = 0
    parent = int(tree.parent[focus_node])
    report = WaveReport(
        wave=wave,
        viewer=viewer,
        definition=table.definition,
        focus=units[0],
        units=units,
        organization=UnitFigures(table, root) if focus_node != root else None,
        parent=UnitFigures(table, parent) if parent >= 0 and parent != root else None,
        children=[UnitFigures(table, child) for child in tree.children[focus_node]],
        thresholds={
            "min_group_size": wave.min_group_size,
            "min_comment_group_size": wave.min_comment_group_size,
            "min_equity_group_size": wave.min_equity_group_size,
        },
    )
    if viewer.sees_breakdowns and focus_node == root:
        # An equity group is a group too: never below the score threshold.
        threshold = max(wave.min_equity_group_size, wave.min_group_size)
        report.breakdowns = publish_breakdowns(breakdown_stats(wave), table, min_equity=threshold)
    return report


def _default_focus(tree: Tree, viewer: Viewer) -> int | None:
    """Organization-wide roles start at the top; a leader at their highest visible unit."""
    if viewer.org_wide:
        return 0
    for node, path in enumerate(tree.paths):
        if path and any(path.startswith(prefix) for prefix in viewer.unit_paths):
            return node
    return None


def report_date() -> datetime.date:
    return timezone.localdate()
