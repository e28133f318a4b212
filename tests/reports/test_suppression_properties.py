"""Property-based tests of the gate: random trees, memberships, answers and thresholds.

Every example builds a wave in its own savepoint (rolled back afterwards), runs
it through the real gate, and asks the independent auditor whether anything
any viewer sees, alone or pooled with everyone else, isolates a small group.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reports import stats
from reports.aggregation import wave_report
from reports.auditor import audit_published, audit_union
from reports.exporters import tidy_rows
from reports.suppression import suppress_breakdown, suppress_hierarchy
from reports.tree import Tree
from reports.viewers import Viewer, leader_of
from surveys.instruments.encoding import ANSWER_DTYPE, MISSING, score_matrix
from surveys.models import Comment, Invitation, Response, Wave
from surveys.services.units import unit_create
from surveys.services.waves import wave_create, wave_set_status

MAX_DEPTH = 4  # the root is at depth 0
PROPERTY = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# D2 answers a person can give: First Nations, Métis, both, Not Indigenous (exclusive),
# Prefer not to answer (exclusive).
D2_MASKS = np.array([0b1, 0b10, 0b11, 0b100, 0b1000])


@dataclass(frozen=True)
class Organization:
    parents: list[int | None]
    members: list[int]
    invited: list[int]
    k: int
    comment_k: int
    equity_k: int
    skip: float
    seed: int
    split_top: bool  # the wave covers the root's children, not the root: a virtual top unit
    earlier: list[int] | None  # members of an earlier released wave (the trend), if any
    earlier_k: int


@st.composite
def organizations(draw: st.DrawFn) -> Organization:
    size = draw(st.integers(1, 20))
    parents: list[int | None] = [None]
    depth = [0]
    for node in range(1, size):
        parent = draw(st.sampled_from([u for u in range(node) if depth[u] < MAX_DEPTH]))
        parents.append(parent)
        depth.append(depth[parent] + 1)
    k = draw(st.integers(3, 10))
    top_children = sum(1 for parent in parents if parent == 0)
    split_top = top_children >= 2 and draw(st.booleans())
    members = draw(st.lists(st.integers(0, 12), min_size=size, max_size=size))
    if split_top:
        members[0] = 0  # the root is outside the wave
    return Organization(
        parents=parents,
        members=members,
        invited=draw(st.lists(st.integers(0, 6), min_size=size, max_size=size)),
        k=k,
        comment_k=draw(st.integers(k, 12)),
        equity_k=draw(st.integers(k, 12)),
        skip=draw(st.sampled_from([0.0, 0.1, 0.3, 0.6])),
        seed=draw(st.integers(0, 2**32 - 1)),
        split_top=split_top,
        earlier=draw(st.lists(st.integers(0, 12), min_size=size, max_size=size))
        if draw(st.booleans())
        else None,
        earlier_k=draw(st.integers(3, 10)),
    )


def random_answers(definition: Any, people: int, skip: float, rng: Any) -> np.ndarray:
    """Uniform answers to every item, each skipped with probability `skip`."""
    matrix = np.full((people, len(definition.slot_items)), MISSING, dtype=ANSWER_DTYPE)
    for item in definition.slot_items:
        if item.type == "scale":
            values = rng.integers(0, len(item.scale.options), people)
        elif item.type == "single":
            values = rng.integers(0, len(item.options), people)
        else:
            values = D2_MASKS[rng.integers(0, len(D2_MASKS), people)]
        matrix[:, item.slot] = np.where(rng.random(people) < skip, MISSING, values)
    return matrix


def build(case: Organization, version: Any) -> tuple[Wave, list[Any]]:
    """Units, a released wave (after an earlier one, maybe) and the leaders' units."""
    units: list[Any] = []
    for node, parent in enumerate(case.parents):
        above = units[parent] if parent is not None else None
        units.append(unit_create(code=f"U{node}", name=f"Unit {node}", parent=above))
    rng = np.random.default_rng(case.seed)
    if case.earlier is not None:
        thresholds = (case.earlier_k, max(case.earlier_k, 10), max(case.earlier_k, 10))
        release(version, "w0", units[:1], units, case.earlier, [0] * len(units), thresholds, rng)
    top = [units[u] for u, p in enumerate(case.parents) if p == 0] if case.split_top else units[:1]
    thresholds = (case.k, case.comment_k, case.equity_k)
    wave = release(version, "w", top, units, case.members, case.invited, thresholds, rng, case.skip)
    return wave, units[1:] if case.split_top else units


def release(
    version: Any,
    slug: str,
    top: list[Any],
    units: list[Any],
    members: list[int],
    invited: list[int],
    thresholds: tuple[int, int, int],
    rng: Any,
    skip: float = 0.2,
) -> Wave:
    """A released wave with `members[u]` random responses and `invited[u]` invitations in unit u."""
    wave = wave_create(
        slug=slug,
        name=slug,
        instrument_version=version,
        units=top,
        open_link_enabled=True,
        min_group_size=thresholds[0],
        min_comment_group_size=thresholds[1],
        min_equity_group_size=thresholds[2],
    )
    wave = wave_set_status(wave=wave, status="open")
    in_scope = [any(unit.path.startswith(t.path) for t in top) for unit in units]
    counts = [n if ok else 0 for n, ok in zip(members, in_scope, strict=True)]
    where = np.repeat(np.arange(len(units)), counts)
    definition = version.parsed
    answers = random_answers(definition, len(where), skip, rng)
    scores = score_matrix(definition, answers)
    Response.objects.bulk_create(
        Response(
            id=uuid.uuid4(),
            wave=wave,
            unit=units[u],
            answers=answers[i].tobytes(),
            scores=scores[i].tobytes(),
        )
        for i, u in enumerate(where)
    )
    Comment.objects.bulk_create(
        Comment(wave=wave, unit=units[u], item_code="E1", text=f"comment {i % 4}")
        for i, u in enumerate(where)
        if rng.random() < 0.5
    )
    Invitation.objects.bulk_create(
        Invitation(wave=wave, unit=unit, email="")
        for unit, count, ok in zip(units, invited, in_scope, strict=True)
        if ok
        for _ in range(count)
    )
    wave_set_status(wave=wave, status="closed")
    return wave_set_status(wave=wave, status="released")


class Rollback(Exception):
    pass


def in_savepoint(check: Any) -> None:
    """Run one example in a savepoint that is always rolled back."""
    stats.clear_cache()  # primary keys repeat once the savepoint is rolled back (SQLite)
    try:
        with transaction.atomic():
            check()
            raise Rollback
    except Rollback:
        pass
    finally:
        stats.clear_cache()


def no_exposure(exposures: list[str]) -> None:
    assert exposures == [], "\n".join(exposures)


# -- (i), (ii), (iii): through the database -----------------------------------------------
@pytest.mark.django_db
@PROPERTY
@given(case=organizations())
def test_no_viewer_alone_or_together_can_isolate_a_small_group(
    case: Organization, mini_version: Any
) -> None:
    def check() -> None:
        wave, units = build(case, mini_version)
        hr = wave_report(wave=wave, viewer=Viewer("hr"))
        no_exposure(audit_published(hr))
        leaders = [wave_report(wave=wave, viewer=leader_of(unit)) for unit in units]
        for report in leaders:
            no_exposure(audit_published(report))
        no_exposure(audit_union(wave, [hr, *leaders]))

        # A few figures checked directly against the database, too.
        rows = {(r.unit_code, r.measure): r for r in tidy_rows(hr) if r.breakdown == ""}
        for unit in units:
            row = rows[(unit.code, "respondents")]
            people = Response.objects.filter(wave=wave, unit__path__startswith=unit.path)
            if row.respondents is None and people.count() >= case.k:
                event("a unit large enough on its own is hidden (complementary suppression)")
            if row.respondents is not None:
                assert row.respondents == people.count() >= case.k
        if any(report.comments for report in leaders):
            event("comments shown to a leader")
        trend = [r for report in [hr, *leaders] for r in tidy_rows(report) if r.breakdown == "wave"]
        if any(row.respondents is not None for row in trend):
            event("trend figures from an earlier wave shown")
        top = rows[(hr.focus.code, "respondents")]
        if top.respondents is not None:
            assert top.respondents == Response.objects.filter(wave=wave).count()
        stress = rows[(hr.focus.code, "stress.mean")]
        if stress.value is not None:
            blobs = Response.objects.filter(wave=wave).values_list("scores", flat=True)
            scores = np.frombuffer(b"".join(bytes(b) for b in blobs), dtype=np.uint8)
            definition = mini_version.parsed
            column = scores.reshape(-1, len(definition.domains))[
                :, definition.domain("stress").index
            ]
            scored = column[column != 255]
            assert stress.respondents == len(scored)
            assert abs(stress.value - scored.mean()) <= 0.051
        for unit, report in zip(units, leaders, strict=True):
            if report.comments:
                written = Comment.objects.filter(wave=wave, unit__path__startswith=unit.path)
                assert len(report.comments) == written.count() > 0

    in_savepoint(check)


@pytest.mark.django_db
@settings(PROPERTY, max_examples=40)
@given(case=organizations())
def test_breakdowns_isolate_no_small_group(case: Organization, mini_version: Any) -> None:
    def check() -> None:
        wave, _units = build(case, mini_version)
        report = wave_report(wave=wave, viewer=Viewer("analyst"))
        assert report.breakdowns
        shown = sum(g.respondents.shown for b in report.breakdowns for g in b.groups)
        event(f"breakdown groups shown: {min(shown, 3)}{'+' if shown >= 3 else ''}")
        exposures = audit_published(report)
        no_exposure(exposures)

    in_savepoint(check)


# -- (iv): the hierarchy rule alone, without the database -----------------------------------
@dataclass(frozen=True)
class Forest:
    tree: Tree
    counts: np.ndarray  # (units, measures) subtree counts
    thresholds: np.ndarray


def make_tree(parents: list[int]) -> Tree:
    """A Tree in pre-order from parent indexes (each parent before its children)."""
    size = len(parents)
    children: list[list[int]] = [[] for _ in range(size)]
    for node, parent in enumerate(parents):
        if parent >= 0:
            children[parent].append(node)
    order: list[int] = []
    stack = [0]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(reversed(children[node]))
    position = {node: i for i, node in enumerate(order)}
    parent_array = np.array(
        [position[parents[node]] if parents[node] >= 0 else -1 for node in order], dtype=np.int64
    )
    kids = [[position[c] for c in children[node]] for node in order]
    depth = np.zeros(size, dtype=np.int64)
    for i in range(1, size):
        depth[i] = depth[parent_array[i]] + 1
    paths = ["/" + "/".join(str(n) for n in _chain(parent_array, i)) + "/" for i in range(size)]
    return Tree(
        unit_ids=list(range(size)),
        paths=paths,
        codes=[f"T{i}" for i in range(size)],
        names=[f"T{i}" for i in range(size)],
        parent=parent_array,
        depth=depth,
        children=kids,
        index={i: i for i in range(size)},
    )


def _chain(parent: np.ndarray, node: int) -> list[int]:
    chain = [node]
    while parent[chain[-1]] >= 0:
        chain.append(int(parent[chain[-1]]))
    return chain[::-1]


@st.composite
def forests(draw: st.DrawFn) -> Forest:
    size = draw(st.integers(1, 30))
    parents = [-1] + [draw(st.integers(0, node - 1)) for node in range(1, size)]
    measures = draw(st.integers(1, 4))
    own = np.array(
        draw(
            st.lists(
                st.lists(st.integers(0, 12), min_size=measures, max_size=measures),
                min_size=size,
                max_size=size,
            )
        ),
        dtype=np.int64,
    )
    tree = make_tree(parents)
    # Subtree counts from the paths, not from the gate's own rollup.
    counts = np.array(
        [
            own[[o for o in range(size) if tree.paths[o].startswith(tree.paths[node])]].sum(axis=0)
            for node in range(size)
        ]
    )
    thresholds = np.array(
        draw(st.lists(st.integers(3, 10), min_size=measures, max_size=measures)), dtype=np.int64
    )
    return Forest(tree, counts, thresholds)


def residual_violations(tree: Tree, counts: np.ndarray, shown: np.ndarray, k: np.ndarray) -> list:
    """(node, measure, residual) for shown figures whose residual is neither 0 nor ≥ k.

    Computed from paths alone: a shown node minus the shown nodes below it that
    have no shown node between them and it.
    """
    bad = []
    for m in range(counts.shape[1]):
        on = [node for node in range(tree.size) if shown[node, m]]
        for node in on:
            below = [
                other
                for other in on
                if other != node and tree.paths[other].startswith(tree.paths[node])
            ]
            top = [
                other
                for other in below
                if not any(
                    mid != other and tree.paths[other].startswith(tree.paths[mid]) for mid in below
                )
            ]
            residual = int(counts[node, m] - counts[top, m].sum())
            if 0 < residual < k[m]:
                bad.append((node, m, residual))
    return bad


@settings(max_examples=300, deadline=None)
@given(forest=forests(), extra=st.lists(st.integers(0, 10**6), max_size=8))
def test_hierarchy_rule_on_random_trees(forest: Forest, extra: list[int]) -> None:
    tree, counts, k = forest.tree, forest.counts, forest.thresholds
    shown = suppress_hierarchy(tree, counts, k)
    assert shown.shape == counts.shape
    # Nothing under its threshold is ever shown.
    assert not (shown & (counts < k[None, :])).any()
    assert residual_violations(tree, counts, shown, k) == []
    # Hiding more is always safe: any further hidden figures keep the rule.
    more = shown.copy()
    cells = np.argwhere(more)
    for pick in extra:
        if len(cells):
            more[tuple(cells[pick % len(cells)])] = False
    assert residual_violations(tree, counts, more, k) == []


@settings(max_examples=300, deadline=None)
@given(
    groups=st.integers(1, 4),
    rows=st.lists(st.tuples(st.integers(0, 15), st.integers(0, 12)), min_size=1, max_size=10),
    threshold=st.integers(3, 10),
)
def test_breakdown_rule_on_random_patterns(
    groups: int, rows: list[tuple[int, int]], threshold: int
) -> None:
    """One question, one measure: shown groups, complements and remainder all pass."""
    patterns = np.array([pattern % (1 << groups) for pattern, _ in rows], dtype=np.int64)
    weights = np.array([[weight] for _, weight in rows], dtype=np.int64)
    shown = suppress_breakdown(patterns, weights, groups, threshold)[:, 0]
    total = int(weights.sum())
    in_any = np.zeros(len(rows), dtype=bool)
    for g in np.flatnonzero(shown):
        member = ((patterns >> g) & 1).astype(bool)
        size = int(weights[member].sum())
        assert size >= threshold
        assert total - size == 0 or total - size >= threshold
        in_any |= member
    remainder = int(weights[~in_any].sum())
    assert not shown.any() or remainder == 0 or remainder >= threshold
