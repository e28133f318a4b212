"""Leaf-level sufficient statistics of a wave: the only reader of response rows for reporting.

Everything is computed with vectorized bincounts over the packed answer and
score matrices, never a Python loop per response. The statistics are per
unit (not yet rolled up, not yet suppressed) and are held in a small
per-process cache keyed by the wave's data version and response count. The
unit statistics are also stored, one row per wave, in
`reports.models.WaveStatsCache` (per-unit counts and sums before suppression,
read by nothing but this module and replaced whenever the key changes), so a
new process need not read every response again.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connections
from django.db.models import Count

from config.routers import reports_alias
from reports.tree import Tree, tree_for_wave
from surveys.instruments.definition import PREFER_NOT_TO_ANSWER, Definition, Item
from surveys.instruments.encoding import ANSWER_DTYPE, MISSING, SCORE_DTYPE, UNSCORED
from surveys.models import Invitation, Response, Wave

BANDS = 3


@dataclass
class BreakdownStats:
    """One self-identification question, summarized by membership pattern."""

    item: Item
    patterns: np.ndarray  # (P,) bitmask of option indexes (prefer-not-to-answer cleared)
    respondents: np.ndarray  # (P,)
    domain_n: np.ndarray  # (P, D)
    domain_sum: np.ndarray  # (P, D)
    domain_bands: np.ndarray  # (P, D, 3)
    group_units: np.ndarray  # (options, U) own-unit counts of each group's members


@dataclass
class WaveStats:
    wave_id: int
    definition: Definition
    tree: Tree
    respondents: np.ndarray  # (U,) own counts
    invited: np.ndarray  # (U,)
    domain_n: np.ndarray  # (U, D)
    domain_sum: np.ndarray  # (U, D)
    domain_bands: np.ndarray  # (U, D, 3)
    report_items: tuple[Item, ...]  # scale and single items outside self-identification
    item_counts: np.ndarray  # (U, I, K)

    @property
    def response_count(self) -> int:
        return int(self.respondents.sum())


def report_items(definition: Definition) -> tuple[Item, ...]:
    self_id = {section.code for section in definition.sections_of_kind("self_id")}
    return tuple(
        item
        for item in definition.slot_items
        if item.type in ("scale", "single") and item.section not in self_id
    )


def self_id_items(definition: Definition) -> tuple[Item, ...]:
    return tuple(
        item for section in definition.sections_of_kind("self_id") for item in section.items
    )


def _item_width(item: Item) -> int:
    return len(item.scale.options) if item.scale else len(item.options)


def _band_index(definition: Definition, scores: np.ndarray) -> np.ndarray:
    """0, 1, 2 for low, moderate, high (meaningless where the score is UNSCORED)."""
    lows = np.array([domain.bands[0].upper for domain in definition.domains], dtype=np.uint8)
    mids = np.array([domain.bands[1].upper for domain in definition.domains], dtype=np.uint8)
    return (scores > lows[None, :]).astype(np.uint8) + (scores > mids[None, :])


def _load_matrices(
    wave: Wave, tree: Tree, definition: Definition
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unit index, answers, scores) of every response of the wave, in three arrays.

    Read with a plain cursor: building a model or a dict per row would cost
    more than all the arithmetic that follows.
    """
    connection = connections[reports_alias()]
    table = connection.ops.quote_name(Response._meta.db_table)
    # SQLite would walk the (wave, unit) index and then jump around the table
    # for every row; a plain scan is several times faster when a wave is a large
    # share of the table. PostgreSQL's planner makes that choice itself.
    column = "+wave_id" if connection.vendor == "sqlite" else "wave_id"
    sql = f"SELECT unit_id, answers, scores FROM {table} WHERE {column} = %s"  # noqa: S608
    if connection.vendor == "postgresql":
        copied = _copy_matrices(
            connection, sql, wave.pk, len(definition.slot_items), len(definition.domains)
        )
        if copied is not None:
            return _index_units(tree, *copied)
        import psycopg

        # The binary protocol hands bytea over as raw bytes instead of hex text.
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            rows = cursor.execute(sql, [wave.pk], binary=True).fetchall()
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, [wave.pk])
            rows = cursor.fetchall()
    slots, domains = len(definition.slot_items), len(definition.domains)
    if not rows:
        return (
            np.zeros(0, dtype=np.int64),
            np.zeros((0, slots), dtype=ANSWER_DTYPE),
            np.zeros((0, domains), dtype=SCORE_DTYPE),
        )
    # One comprehension per column: much cheaper than zip(*rows) over 10⁵–10⁶ rows.
    unit_ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    answers = b"".join([row[1] for row in rows])
    scores = b"".join([row[2] for row in rows])
    del rows
    return _index_units(
        tree,
        unit_ids,
        np.frombuffer(answers, dtype=ANSWER_DTYPE).reshape(-1, slots),
        np.frombuffer(scores, dtype=SCORE_DTYPE).reshape(-1, domains),
    )


def _index_units(
    tree: Tree, unit_ids: np.ndarray, answer_matrix: np.ndarray, score_matrix: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map unit primary keys to tree positions, dropping units no longer in scope."""
    top = max(max(tree.index, default=0), int(unit_ids.max(initial=0)))
    lookup = np.full(top + 1, -1, dtype=np.int64)
    for pk, node in tree.index.items():
        lookup[pk] = node
    leaf = lookup[unit_ids]
    keep = leaf >= 0
    if not keep.all():
        # Responses from units since moved out of the wave's scope belong to no unit.
        return leaf[keep], answer_matrix[keep], score_matrix[keep]
    return leaf, answer_matrix, score_matrix


_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00"


def _copy_matrices(
    connection: Any, sql: str, wave_id: int, slots: int, domains: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """PostgreSQL: stream the rows with binary COPY and parse them in one `frombuffer`.

    Every row of a wave has the same width (one instrument version), so the
    COPY stream is an array of fixed-size records. Returns None if it is not
    (then the caller fetches rows normally).
    """
    record = np.dtype(
        [
            ("fields", ">i2"),
            ("unit_len", ">i4"),
            ("unit", ">i8"),
            ("answers_len", ">i4"),
            ("answers", f"V{slots * ANSWER_DTYPE.itemsize}"),
            ("scores_len", ">i4"),
            ("scores", f"V{domains}"),
        ]
    )
    query = sql.replace("%s", str(int(wave_id)))
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT BINARY)") as copy,
    ):
        data = b"".join(bytes(block) for block in copy)
    header = len(_COPY_HEADER) + 8
    if not data.startswith(_COPY_HEADER) or (len(data) - header - 2) % record.itemsize:
        return None
    extension = int.from_bytes(data[len(_COPY_HEADER) + 4 : header], "big")
    if extension:
        return None
    rows = np.frombuffer(
        data, dtype=record, offset=header, count=(len(data) - header - 2) // record.itemsize
    )
    if (
        (rows["fields"] != 3).any()
        or (rows["unit_len"] != 8).any()
        or (rows["answers_len"] != slots * ANSWER_DTYPE.itemsize).any()
        or (rows["scores_len"] != domains).any()
    ):
        return None
    answers = np.frombuffer(rows["answers"].tobytes(), dtype=ANSWER_DTYPE).reshape(-1, slots)
    scores = np.frombuffer(rows["scores"].tobytes(), dtype=SCORE_DTYPE).reshape(-1, domains)
    return rows["unit"].astype(np.int64), answers, scores


def compute_wave_stats(wave: Wave, *, tree: Tree | None = None) -> WaveStats:
    definition = wave.instrument_version.parsed
    tree = tree or tree_for_wave(wave)
    units = tree.size
    leaf, answers, scores = _load_matrices(wave, tree, definition)
    domain_count = len(definition.domains)

    respondents = np.bincount(leaf, minlength=units)

    # One bincount per statistic over whole matrices, with int32 keys; skipped
    # entries go to a discard bucket rather than being filtered out first.
    leaf32 = leaf.astype(np.int32)
    valid = scores != UNSCORED
    cell = leaf32[:, None] * domain_count + np.arange(domain_count, dtype=np.int32)[None, :]
    size = units * domain_count
    # Bands with a fourth bucket for "unscored": the scored counts are the three bands' sum.
    band = _band_index(definition, scores).astype(np.int32)
    band[~valid] = BANDS
    domain_bands = np.bincount((cell * (BANDS + 1) + band).ravel(), minlength=size * (BANDS + 1))
    domain_bands = domain_bands.reshape(units, domain_count, BANDS + 1)[:, :, :BANDS]
    domain_n = domain_bands.sum(axis=2)
    weights = np.where(valid, scores, 0).ravel().astype(np.float64)
    domain_sum = np.bincount(cell.ravel(), weights=weights, minlength=size)
    domain_sum = domain_sum.reshape(units, domain_count)

    items = report_items(definition)
    width = max((_item_width(item) for item in items), default=1) + 1  # + discard bucket
    # One bincount per item column keeps temporaries at one column's size.
    # Real answers are below width - 1, so clamping sends MISSING to the discard bucket.
    leaf_base = leaf * width
    item_counts = np.zeros((units, len(items), width - 1), dtype=np.int64)
    for i, item in enumerate(items):
        values = np.minimum(answers[:, item.slot], width - 1)
        counts = np.bincount(leaf_base + values, minlength=units * width)
        item_counts[:, i, :] = counts.reshape(units, width)[:, : width - 1]

    invited = np.zeros(units, dtype=np.int64)
    for unit_id, count in (
        Invitation.objects.filter(wave=wave)
        .values_list("unit_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        node = tree.index.get(unit_id)
        if node is not None:
            invited[node] = count

    stats = WaveStats(
        wave_id=wave.pk,
        definition=definition,
        tree=tree,
        respondents=respondents,
        invited=invited,
        domain_n=domain_n,
        domain_sum=domain_sum,
        domain_bands=domain_bands,
        report_items=items,
        item_counts=item_counts,
    )
    return stats


@dataclass
class BreakdownSet:
    """All self-identification breakdowns of a wave (for equity analysts only)."""

    breakdowns: list[BreakdownStats]
    group_overlaps: np.ndarray  # (groups, groups) over all questions' options, in order


def compute_breakdowns(wave: Wave, tree: Tree) -> BreakdownSet:
    """Group statistics by membership pattern, with one matrix product per wave.

    Per response we build [answered, score, band low, band moderate, band high]
    per domain, then sum them per membership pattern of every question at once.
    """
    definition = wave.instrument_version.parsed
    leaf, answers, scores = _load_matrices(wave, tree, definition)
    n, domains = scores.shape
    valid = scores != UNSCORED
    bands = _band_index(definition, scores)
    features = np.concatenate(
        [
            np.ones((n, 1)),
            valid,
            np.where(valid, scores, 0),
            *[(valid & (bands == band)) for band in range(BANDS)],
        ],
        axis=1,
    ).astype(np.int32)
    per_item = []
    memberships = []
    for item in self_id_items(definition):
        assert item.slot is not None
        raw = answers[:, item.slot].astype(np.int64)
        answered = raw != MISSING
        if item.type == "single":
            member_bits = np.where(answered, np.left_shift(1, np.where(answered, raw, 0)), 0)
        else:
            member_bits = np.where(answered, raw, 0)
        pna = next((i for i, o in enumerate(item.options) if o.code == PREFER_NOT_TO_ANSWER), None)
        if pna is not None:
            member_bits &= ~(1 << pna)
        patterns, inverse = np.unique(member_bits, return_inverse=True)
        per_item.append((item, patterns, inverse))
        bits = (member_bits[:, None] >> np.arange(len(item.options))[None, :]) & 1
        memberships.append(bits)

    summed_blocks = []
    for _item, patterns, inverse in per_item:
        # Sort once by pattern, then sum each run of equal patterns in one pass.
        order = np.argsort(inverse, kind="stable")
        starts = np.searchsorted(inverse[order], np.arange(len(patterns)))
        if n:
            summed_blocks.append(np.add.reduceat(features[order], starts, axis=0).astype(np.int64))
        else:
            summed_blocks.append(np.zeros((len(patterns), features.shape[1]), dtype=np.int64))

    breakdowns = []
    for (item, patterns, _inverse), block, bits in zip(
        per_item, summed_blocks, memberships, strict=True
    ):
        group_units = np.stack(
            [
                np.bincount(leaf, weights=bits[:, g], minlength=tree.size)
                for g in range(bits.shape[1])
            ]
        ).astype(np.int64)
        breakdowns.append(
            BreakdownStats(
                item=item,
                patterns=patterns,
                respondents=block[:, 0],
                domain_n=block[:, 1 : 1 + domains],
                domain_sum=block[:, 1 + domains : 1 + 2 * domains],
                domain_bands=np.stack(
                    [
                        block[:, 1 + (2 + band) * domains : 1 + (3 + band) * domains]
                        for band in range(BANDS)
                    ],
                    axis=2,
                ),
                group_units=group_units,
            )
        )
    if memberships:
        matrix = np.concatenate(memberships, axis=1).astype(np.float64)
        overlaps = np.rint(matrix.T @ matrix).astype(np.int64)
    else:
        overlaps = np.zeros((0, 0), dtype=np.int64)
    return BreakdownSet(breakdowns, overlaps)


def response_counts(wave: Wave) -> dict[int, int]:
    """Responses per unit (own unit only), for live participation."""
    return dict(
        Response.objects.filter(wave=wave).values_list("unit_id").annotate(n=Count("id")).order_by()
    )


def invitation_counts(wave: Wave) -> dict[int, int]:
    return dict(
        Invitation.objects.filter(wave=wave)
        .values_list("unit_id")
        .annotate(n=Count("id"))
        .order_by()
    )


# -- cache ----------------------------------------------------------------------
# Two levels: a small per-process LRU, and for unit statistics one database row
# per wave (reports.models.WaveStatsCache) so a new process need not read every
# response again. Both are keyed by everything that changes the statistics.
_CACHE: OrderedDict[tuple[object, ...], object] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 12
_ARRAYS = ("respondents", "invited", "domain_n", "domain_sum", "domain_bands", "item_counts")


def _cache_key(wave: Wave, tree: Tree, kind: str) -> tuple[object, ...]:
    version, status = Wave.objects.filter(pk=wave.pk).values_list("data_version", "status").get()
    if status == Wave.Status.OPEN:
        count = Response.objects.filter(wave=wave).count()
        invited = Invitation.objects.filter(wave=wave).count()
    else:
        # Once closed, responses change only through paper imports, which bump
        # data_version (submissions and withdrawals need an open wave, and a
        # reopened wave drops its stored statistics), and rosters no longer change.
        count = invited = -1
    shape = hashlib.sha256(repr((tree.unit_ids, tree.parent.tolist())).encode()).hexdigest()
    return (kind, wave.pk, version, count, invited, wave.instrument_version.checksum, shape)


def _digest(key: tuple[object, ...]) -> str:
    return hashlib.sha256(repr(key).encode()).hexdigest()


def _remember(key: tuple[object, ...], value: object) -> None:
    with _CACHE_LOCK:
        for old in [k for k in _CACHE if k[:2] == key[:2]]:
            del _CACHE[old]
        _CACHE[key] = value
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)


def _cached(wave: Wave, kind: str, compute: object) -> object:
    tree = tree_for_wave(wave)
    key = _cache_key(wave, tree, kind)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    value = compute(wave, tree)  # type: ignore[operator]
    _remember(key, value)
    return value


def _stored_stats(wave: Wave, tree: Tree, digest: str) -> WaveStats | None:
    from reports.models import WaveStatsCache

    row = (
        WaveStatsCache.objects.filter(wave=wave, key=digest)
        .values_list("arrays", flat=True)
        .first()
    )
    if row is None:
        return None
    with np.load(io.BytesIO(bytes(row)), allow_pickle=False) as data:
        arrays = {name: data[name].astype(np.int64) for name in _ARRAYS}
    definition = wave.instrument_version.parsed
    return WaveStats(
        wave_id=wave.pk,
        definition=definition,
        tree=tree,
        report_items=report_items(definition),
        **arrays,
    )


def _store_stats(wave: Wave, digest: str, stats: WaveStats) -> None:
    from reports.models import WaveStatsCache

    # Counts and sums of 0–100 scores fit in int32 (about 0.7 MB for 500 units);
    # compressing would cost more time than sending the bytes saves.
    buffer = io.BytesIO()
    np.savez(buffer, **{name: getattr(stats, name).astype(np.int32) for name in _ARRAYS})
    WaveStatsCache.objects.update_or_create(
        wave=wave, defaults={"key": digest, "arrays": buffer.getvalue()}
    )


def wave_stats(wave: Wave) -> WaveStats:
    """Unit statistics for a wave, recomputed whenever its responses, scope or tree changed."""
    tree = tree_for_wave(wave)
    key = _cache_key(wave, tree, "units")
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]  # type: ignore[return-value]
    digest = _digest(key)
    stats = _stored_stats(wave, tree, digest)
    if stats is None:
        stats = compute_wave_stats(wave, tree=tree)
        _store_stats(wave, digest, stats)
    _remember(key, stats)
    return stats


def wave_stats_forget(wave: Wave) -> None:
    """Drop a wave's stored statistics (when it reopens: its responses will change)."""
    from reports.models import WaveStatsCache

    WaveStatsCache.objects.filter(wave=wave).delete()
    with _CACHE_LOCK:
        for old in [k for k in _CACHE if k[1] == wave.pk]:
            del _CACHE[old]


def breakdown_stats(wave: Wave) -> BreakdownSet:
    return _cached(wave, "breakdowns", compute_breakdowns)  # type: ignore[return-value]


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()
