"""Small-group and differencing protection (PRODUCT.md invariants 2 and 3).

The rule, in words a privacy officer can check: from the figures shown for
a unit and for units below it, a reader can compute by subtraction the figure
for "this unit minus the shown units below it" (its *residual*: its own direct
members plus any hidden sub-units). Every such residual is a group too. So:

1. Primary: a unit's figure is hidden when fewer than the threshold answered.
2. Complementary: for every shown unit, its residual must be empty or at least
   the threshold. Where it is not, we hide the smallest shown sub-unit whose
   own residual is non-empty (that merges its residual, itself empty or at
   least the threshold, into the parent's), or, when there is none, the unit
   itself (which pushes its residual up to its parent).

Because every shown count and every residual is then 0 or at least the
threshold, and residuals of a tree partition its people, no combination of
shown figures (sums and differences) isolates fewer people than the
threshold. Hiding more never breaks this. Figures are computed once per wave
for the whole tree, so every viewer sees a part of one safe table.

Each measure (respondents, each domain, each item, comments) has its own
count, because people skip questions; the rule runs per measure, vectorized.
"""

from __future__ import annotations

import numpy as np

from reports.tree import Tree


def suppress_hierarchy(tree: Tree, counts: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Return a boolean (units, measures) mask of figures that may be shown.

    `counts[u, m]` is the subtree count of unit u for measure m; `thresholds[m]`
    the minimum group size for measure m.
    """
    counts = np.asarray(counts, dtype=np.int64)
    thresholds = np.asarray(thresholds, dtype=np.int64)
    shown = counts >= thresholds
    residual = np.zeros_like(counts)
    frontier = np.zeros_like(counts)  # summed counts of the maximal shown units strictly below
    for node in tree.post_order():
        kids = tree.children[node]
        if kids:
            kid_counts = counts[kids]
            kid_shown = shown[kids]
            covered = np.where(kid_shown, kid_counts, frontier[kids]).sum(axis=0)
        else:
            covered = np.zeros(counts.shape[1], dtype=np.int64)
        rest = counts[node] - covered
        exposed = shown[node] & (rest > 0) & (rest < thresholds)
        if exposed.any() and kids:
            candidates = kid_shown & (residual[kids] > 0)
            sizes = np.where(candidates, kid_counts, np.iinfo(np.int64).max)
            pick = sizes.argmin(axis=0)
            fixable = exposed & candidates[pick, np.arange(counts.shape[1])]
            if fixable.any():
                measures = np.flatnonzero(fixable)
                chosen = np.asarray(kids)[pick[measures]]
                shown[chosen, measures] = False
                # Hiding a sub-unit moves its residual into this unit's.
                rest[measures] += residual[chosen, measures]
                covered[measures] -= residual[chosen, measures]
                exposed &= ~fixable
        # Still exposed: hide this unit; its residual then counts towards its parent's.
        shown[node, exposed] = False
        residual[node] = np.where(shown[node], rest, 0)
        frontier[node] = covered
    return shown


def suppress_breakdown(
    patterns: np.ndarray, weights: np.ndarray, group_count: int, threshold: int
) -> np.ndarray:
    """Which groups of one self-identification breakdown may be shown, per measure.

    People are summarized by membership pattern: `patterns[p]` is a bitmask of
    the groups pattern p belongs to (several bits for select-all questions, none
    for "prefer not to answer" or "not answered"); `weights[p, m]` how many
    people with that pattern have measure m. A group is shown for a measure only
    when the group and its complement (everyone else) each reach the threshold
    or are empty, and the remainder (everyone in no shown group) is empty or
    reaches it; otherwise the smallest shown group is hidden until that holds.
    Returns a boolean (groups, measures) mask.
    """
    patterns = np.asarray(patterns, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.int64)
    bits = (patterns[:, None] >> np.arange(group_count)[None, :]) & 1  # (patterns, groups)
    sizes = bits.T @ weights  # (groups, measures)
    total = weights.sum(axis=0)
    complement = total[None, :] - sizes
    shown = (sizes >= threshold) & ((complement == 0) | (complement >= threshold))
    for _round in range(group_count + 1):
        shown_mask = (shown * (1 << np.arange(group_count))[:, None]).sum(axis=0)  # (measures,)
        in_shown = (patterns[:, None] & shown_mask[None, :]) != 0  # (patterns, measures)
        remainder = total - (weights * in_shown).sum(axis=0)
        exposed = (remainder > 0) & (remainder < threshold) & shown.any(axis=0)
        if not exposed.any():
            break
        candidate_sizes = np.where(shown, sizes, np.iinfo(np.int64).max)
        smallest = candidate_sizes.argmin(axis=0)
        measures = np.flatnonzero(exposed)
        shown[smallest[measures], measures] = False
    return shown


def near_identical_pairs(
    sizes: np.ndarray, overlaps: np.ndarray, threshold: int
) -> list[tuple[int, int]]:
    """Pairs of shown sets whose symmetric difference is non-empty but under the threshold.

    Two nearly identical groups (or a group and a unit) let a reader subtract
    one from the other; one of each such pair must be hidden.
    `sizes[i]` is the size of set i, `overlaps[i, j]` the size of i ∩ j.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    differences = sizes[:, None] + sizes[None, :] - 2 * np.asarray(overlaps, dtype=np.int64)
    close = (differences > 0) & (differences < threshold)
    first, second = np.nonzero(np.triu(close, k=1))
    return list(zip(first.tolist(), second.tolist(), strict=True))
