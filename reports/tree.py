"""The organization tree of one wave as arrays, for vectorized rollups."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from surveys.models import Wave
from surveys.selectors import wave_scope

WAVE_ROOT_CODE = "*"


@dataclass
class Tree:
    """Units of a wave's scope in pre-order (a parent before its children).

    When the wave covers several separate subtrees, index 0 is a virtual
    root (code `*`) standing for the whole wave.
    """

    unit_ids: list[int | None]
    paths: list[str]
    codes: list[str]
    names: list[str]
    parent: np.ndarray  # parent index, -1 for the root(s)
    depth: np.ndarray
    children: list[list[int]] = field(default_factory=list)
    index: dict[int, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.codes)

    def post_order(self) -> list[int]:
        """Children before parents (pre-order reversed)."""
        return list(range(self.size - 1, -1, -1))

    def rollup(self, values: np.ndarray) -> np.ndarray:
        """Subtree sums: each unit's values plus everything below it (axis 0 is the unit)."""
        totals = np.array(values, copy=True)
        for node in self.post_order():
            up = self.parent[node]
            if up >= 0:
                totals[up] += totals[node]
        return totals

    def subtree(self, node: int) -> list[int]:
        """Indexes of a node and its descendants, in pre-order."""
        found = [node]
        stack = list(reversed(self.children[node]))
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(reversed(self.children[current]))
        return found

    def ancestors(self, node: int) -> list[int]:
        chain = []
        up = self.parent[node]
        while up >= 0:
            chain.append(int(up))
            up = self.parent[up]
        return chain


def tree_for_wave(wave: Wave) -> Tree:
    # Sorted in Python: database collations may not order "/" before digits.
    rows = sorted(wave_scope(wave).values_list("path", "pk", "code", "name", "parent_id"))
    units = [row[1:] for row in rows]
    unit_paths = {row[1]: row[0] for row in rows}
    in_scope = {pk for pk, *_ in units}
    roots = [pk for pk, _code, _name, parent in units if parent not in in_scope]
    virtual = len(roots) > 1
    ids: list[int | None] = [None] if virtual else []
    paths: list[str] = [""] if virtual else []
    codes = [WAVE_ROOT_CODE] if virtual else []
    names = [wave.name] if virtual else []
    parents = [-1] if virtual else []
    index: dict[int, int] = {}
    for pk, code, name, parent in units:
        index[pk] = len(ids)
        ids.append(pk)
        paths.append(unit_paths[pk])
        codes.append(code)
        names.append(name)
        if parent in in_scope:
            parents.append(index[parent])
        else:
            parents.append(0 if virtual else -1)
    parent_array = np.array(parents, dtype=np.int64)
    children: list[list[int]] = [[] for _ in ids]
    depth = np.zeros(len(ids), dtype=np.int64)
    for node, up in enumerate(parents):
        if up >= 0:
            children[up].append(node)
            depth[node] = depth[up] + 1
    return Tree(ids, paths, codes, names, parent_array, depth, children, index)
