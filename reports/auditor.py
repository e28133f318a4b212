"""The independent privacy auditor: checks what a viewer sees against the raw data.

`audit_published(report)` takes exactly what the viewer of a report gets (the
rows of the tidy export, plus the comments) and recomputes every figure
straight from the stored responses. It shares no code with the gate that built
the report: `reports.stats`, `reports.suppression`, `reports.tree` and the
internals of `reports.aggregation` are never used here. It returns one plain
sentence per problem, each starting with the rule it breaks in brackets; an
empty list means the report is clean.

The rules, in words a privacy officer can verify:

a. Every number shown for a unit is true. Its number of people equals the
   people of the unit and everything below it who count for that figure (all
   respondents; for a domain score, those whose score could be computed; for a
   question, those who answered it); its value (mean, percentage, response
   rate) equals the value recomputed from the answers; no figure rests on
   fewer people than the minimum group size; and a response rate appears only
   where at least 5 people were invited.
b. No subtraction isolates a small group. For every shown unit and every
   measure, the unit's people minus the people of the highest shown units
   below it (its *residual*: its own direct members and any hidden sub-units)
   is either nobody or at least the minimum group size. The organization and
   parent figures shown for comparison count as shown units.
c. Trend figures from other waves are true, come from released waves, and
   respect that wave's minimum group size.
d. Self-identification breakdowns (equity analysts only, organization-wide):
   every shown group has at least the equity threshold (and never fewer than
   the minimum group size); its complement (everyone else) is nobody or at
   least that threshold; the people in no shown group of a question (including
   "prefer not to answer" and "not answered") are nobody or at least that
   threshold; and no two shown groups, nor a shown group and a shown unit,
   differ by fewer than that threshold people. All of this per measure, since
   people skip questions.
e. Comments appear only for a unit with at least the comment threshold of
   respondents, and are exactly the comments written in that unit and below.
f. Nobody sees outside their part of the organization: a leader sees their own
   units, plus the organization and the parent unit for comparison; only
   equity analysts see breakdowns.

`audit_union(wave, reports)` applies rule b to everything several viewers see
together (for example every leader and HR pooling their reports), so that
colluding viewers cannot subtract their way to a small group either.

Not covered (see the tests): differences between a group and sums or
complements of units (a group that is "everyone outside unit X, plus one
person of X"), and near-identical groups measured per domain.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count

from reports.aggregation import WaveReport
from reports.exporters import TidyRow, tidy_rows
from surveys.instruments.definition import Definition, Item
from surveys.instruments.encoding import ANSWER_DTYPE, MISSING, SCORE_DTYPE, UNSCORED
from surveys.models import MIN_INVITED_FOR_RATE, Comment, Invitation, OrgUnit, Response, Wave

# The gate names a wave that spans several separate subtrees "*". Unit codes must start
# with a letter or a digit, so "*" can never be a real unit: it stands for the whole wave.
WHOLE_WAVE = "*"
TOLERANCE = 0.051  # means and percentages are shown to one decimal
RELEASED = (Wave.Status.RELEASED, Wave.Status.ARCHIVED)
UNIT, BENCHMARK, TREND = "", "benchmark", "wave"
RESPONDENTS = "respondents"
COMMENTS = "comments"


@dataclass(frozen=True)
class Measure:
    """What a tidy `measure` means: the count it rests on and how its value is made.

    Its value is `numerator / denominator * scale` over the columns of `WaveFacts.totals`.
    """

    family: str  # the count behind it: "respondents", "domain:<code>" or "item:<code>"
    kind: str  # respondents | rate | mean | band | option
    count: tuple[object, ...]
    numerator: tuple[object, ...]
    denominator: tuple[object, ...] | None = None
    scale: float = 1.0
    domain: int = -1
    band: int = -1


def measures_of(definition: Definition) -> dict[str, Measure]:
    people = ("people",)
    measures = {
        RESPONDENTS: Measure(RESPONDENTS, "respondents", people, people),
        "response_rate": Measure(RESPONDENTS, "rate", people, people, ("invited",), 100.0),
    }
    for item in definition.slot_items:
        if item.type == "scale" and item.scale:
            codes = [str(option.value) for option in item.scale.options]
        elif item.type == "single":
            codes = [option.code for option in item.options]
        else:
            continue
        answered = ("answered", item.code)
        for index, code in enumerate(codes):
            measures[f"{item.code}.{code}"] = Measure(
                f"item:{item.code}",
                "option",
                answered,
                ("option", item.code, index),
                answered,
                100.0,
            )
    for d, domain in enumerate(definition.domains):
        scored = ("scored", d)
        family = f"domain:{domain.code}"
        measures[f"{domain.code}.mean"] = Measure(
            family, "mean", scored, ("sum", d), scored, domain=d
        )
        for b, band in enumerate(domain.bands):
            measures[f"{domain.code}.{band.code}"] = Measure(
                family, "band", scored, ("band", d, b), scored, 100.0, domain=d, band=b
            )
    return measures


def _ancestor_paths(path: str) -> list[str]:
    """'/1/7/42/' -> ['/1/', '/1/7/', '/1/7/42/']."""
    parts = [part for part in path.split("/") if part]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def _close(shown: float | None, true: float) -> bool:
    return shown is not None and not math.isnan(true) and abs(shown - true) <= TOLERANCE


def _band_of(definition: Definition, d: int, scores: np.ndarray) -> np.ndarray:
    """Band index of each score: how many band upper bounds (inclusive) it exceeds."""
    band = np.zeros(len(scores), dtype=np.int64)
    for upper in (b.upper for b in definition.domains[d].bands if b.upper is not None):
        band += scores.astype(np.int64) > upper
    return band


@dataclass
class WaveFacts:
    """One wave's raw data, read from the database and decoded with numpy.

    `totals` holds, for every unit of the wave's scope (rolled up over the unit
    and everything below it) and, in its last row, for the whole wave: the
    number of respondents, of invitations, and per domain and per question the
    people counted, score sums, band and option counts.
    """

    wave: Wave
    definition: Definition
    codes: list[str]  # units of the wave's scope, by path
    paths: dict[str, str]  # code -> materialized path; "" for the whole wave
    unit_pks: list[int]
    person_unit: np.ndarray  # (people,) index into `codes`
    answers: np.ndarray  # (people, slots) uint16
    scores: np.ndarray  # (people, domains) uint8
    parent: np.ndarray  # (units,) nearest unit above in scope, -1 for a top unit
    columns: dict[tuple[object, ...], int] = field(default_factory=dict)
    totals: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    index: dict[str, int] = field(default_factory=dict)
    bottom_up: list[int] = field(default_factory=list)
    _counted: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def load(cls, wave: Wave) -> WaveFacts:
        definition = wave.instrument_version.parsed
        roots = list(wave.units.values_list("path", flat=True))
        scope = sorted(
            (path, pk, code)
            for pk, code, path in OrgUnit.objects.values_list("pk", "code", "path")
            if any(path.startswith(root) for root in roots)
        )
        position = {pk: i for i, (_path, pk, _code) in enumerate(scope)}
        by_path = {path: i for i, (path, _pk, _code) in enumerate(scope)}
        unit_of: list[int] = []
        answer_blobs: list[bytes] = []
        score_blobs: list[bytes] = []
        responses = Response.objects.filter(wave=wave).values_list("unit_id", "answers", "scores")
        for unit_id, answers, scores in responses.order_by().iterator(chunk_size=20000):
            if unit_id in position:  # a response of a unit moved out of the wave counts nowhere
                unit_of.append(position[unit_id])
                answer_blobs.append(bytes(answers))
                score_blobs.append(bytes(scores))
        parent = np.full(len(scope), -1, dtype=np.int64)
        for i, (path, _pk, _code) in enumerate(scope):
            above = _ancestor_paths(path)[:-1]
            if above and above[-1] in by_path:
                parent[i] = by_path[above[-1]]
        slots, domains = len(definition.slot_items), len(definition.domains)
        facts = cls(
            wave=wave,
            definition=definition,
            codes=[code for _path, _pk, code in scope],
            paths={code: path for path, _pk, code in scope} | {WHOLE_WAVE: ""},
            unit_pks=[pk for _path, pk, _code in scope],
            person_unit=np.asarray(unit_of, dtype=np.int64),
            answers=np.frombuffer(b"".join(answer_blobs), dtype=ANSWER_DTYPE).reshape(-1, slots),
            scores=np.frombuffer(b"".join(score_blobs), dtype=SCORE_DTYPE).reshape(-1, domains),
            parent=parent,
        )
        facts.index = {code: u for u, code in enumerate(facts.codes)}
        facts.index[WHOLE_WAVE] = len(facts.codes)
        facts.bottom_up = sorted(
            range(len(facts.codes)), key=lambda u: -facts.paths[facts.codes[u]].count("/")
        )
        facts._tabulate()
        return facts

    # -- tabulation ---------------------------------------------------------------
    @property
    def people(self) -> int:
        return len(self.person_unit)

    def rollup(self, own: np.ndarray) -> np.ndarray:
        """Per-unit values (units, k) -> subtree totals (units + 1, k), the whole wave last."""
        own = np.asarray(own, dtype=np.float64).reshape(len(self.codes), -1)
        totals = np.vstack([own, own.sum(axis=0, keepdims=True)])
        for u in self.bottom_up:  # deepest first, so a unit is complete before its parent
            if self.parent[u] >= 0:
                totals[self.parent[u]] += totals[u]
        return totals

    def per_unit(self, weights: np.ndarray) -> np.ndarray:
        return np.bincount(self.person_unit, weights=weights, minlength=len(self.codes))

    def _tabulate(self) -> None:
        columns: dict[tuple[object, ...], int] = {}
        own: list[np.ndarray] = []

        def add(key: tuple[object, ...], weights: np.ndarray) -> None:
            columns[key] = len(own)
            own.append(self.per_unit(weights.astype(np.float64)))

        add(("people",), np.ones(self.people))
        for d in range(len(self.definition.domains)):
            scored = self.scores[:, d] != UNSCORED
            add(("scored", d), scored)
            add(("sum", d), np.where(scored, self.scores[:, d], 0))
            band = _band_of(self.definition, d, self.scores[:, d])
            for b in range(len(self.definition.domains[d].bands)):
                add(("band", d, b), scored & (band == b))
        for item in self.definition.slot_items:
            if item.type not in ("scale", "single"):
                continue
            raw = self.answers[:, item.slot]
            add(("answered", item.code), raw != MISSING)
            width = len(item.scale.options) if item.scale else len(item.options)
            for k in range(width):
                add(("option", item.code, k), raw == k)
        invited = dict(
            Invitation.objects.filter(wave=self.wave, unit_id__in=self.unit_pks)
            .values_list("unit_id")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("unit_id", "n")
        )
        columns[("invited",)] = len(own)
        own.append(np.array([invited.get(pk, 0) for pk in self.unit_pks], dtype=np.float64))
        self.columns = columns
        self.totals = self.rollup(np.column_stack(own) if own else np.zeros((0, 0)))

    # -- reading ------------------------------------------------------------------
    def knows(self, code: str) -> bool:
        return code in self.paths

    def total(self, code: str, *key: object) -> float:
        return float(self.totals[self.index[code], self.columns[key]])

    def count(self, code: str, family: str) -> int:
        """People of a unit and below who count for a measure family."""
        kind, _, name = family.partition(":")
        if kind in (RESPONDENTS, COMMENTS):
            return int(self.total(code, "people"))
        if kind == "domain":
            return int(self.total(code, "scored", self.definition.domain(name).index))
        return int(self.total(code, "answered", name))

    def figure(self, code: str, measure: Measure) -> tuple[int, float]:
        """The true count and unrounded value of a unit figure."""
        row = self.totals[self.index[code]]
        count = int(row[self.columns[measure.count]])
        numerator = float(row[self.columns[measure.numerator]])
        if measure.denominator is None:
            return count, numerator
        denominator = float(row[self.columns[measure.denominator]])
        return count, numerator / denominator * measure.scale if denominator else math.nan

    # -- people, for breakdowns -----------------------------------------------------
    def has_measure(self, family: str) -> np.ndarray:
        if family not in self._counted:
            kind, _, name = family.partition(":")
            if kind == RESPONDENTS:
                counted = np.ones(self.people, dtype=bool)
            elif kind == "domain":
                counted = self.scores[:, self.definition.domain(name).index] != UNSCORED
            else:
                counted = self.answers[:, self.definition.item(name).slot] != MISSING
            self._counted[family] = counted
        return self._counted[family]

    def self_id_items(self) -> dict[str, Item]:
        return {
            item.code: item
            for section in self.definition.sections_of_kind("self_id")
            for item in section.items
            if item.slot is not None
        }

    def group(self, item: Item, option_code: str) -> np.ndarray:
        """Who is in a self-identification group: chose it (single) or ticked it (multi)."""
        raw = self.answers[:, item.slot].astype(np.int64)
        answered = raw != MISSING  # MISSING has every bit set: never a member
        index = item.option_index(option_code)
        if item.type == "multi":
            return answered & ((raw >> index) & 1).astype(bool)
        return answered & (raw == index)

    def group_figure(self, members: np.ndarray, measure: Measure) -> tuple[int, float]:
        """The true count and unrounded value of a breakdown figure; `members` are indexes."""
        if measure.kind == RESPONDENTS:
            return len(members), float(len(members))
        raw = self.scores[members, measure.domain]
        scored = raw[raw != UNSCORED]
        if not len(scored):
            return 0, math.nan
        if measure.kind == "mean":
            return len(scored), float(scored.astype(np.float64).mean())
        band = _band_of(self.definition, measure.domain, scored)
        return len(scored), float((band == measure.band).mean() * 100.0)

    def comments(self, code: str) -> Counter[str]:
        query = Comment.objects.filter(wave=self.wave, unit_id__in=self.unit_pks)
        if code != WHOLE_WAVE:
            query = query.filter(unit__path__startswith=self.paths[code])
        return Counter(query.values_list("text", flat=True))


# -- a: unit figures ------------------------------------------------------------------
def _check_unit_rows(facts: WaveFacts, rows: Iterable[TidyRow]) -> list[str]:
    wave, measures = facts.wave, measures_of(facts.definition)
    self_id = set(facts.self_id_items())
    exposures = []
    for row in rows:
        where = f"{row.unit_code} {row.measure}" + (f" ({row.group})" if row.group else "")
        if row.respondents is None:
            if row.value is not None:
                exposures.append(f"[suppressed] {where}: a suppressed figure carries a value")
            continue
        measure = measures.get(row.measure)
        if measure is None or not facts.knows(row.unit_code):
            exposures.append(f"[unknown] {where}: not a unit and measure of this wave")
            continue
        if measure.family.removeprefix("item:") in self_id:
            exposures.append(
                f"[self-id] {where}: self-identification answers are shown for a unit, "
                "outside the equity breakdowns"
            )
        true_n, true_value = facts.figure(row.unit_code, measure)
        if row.respondents != true_n:
            exposures.append(
                f"[count] {where}: shows {row.respondents} people, the data has {true_n}"
            )
        if min(true_n, row.respondents) < wave.min_group_size:
            exposures.append(
                f"[minimum] {where}: shown for {_people(true_n)}, "
                f"under the minimum group size of {wave.min_group_size}"
            )
        if measure.kind == "rate":
            invited = int(facts.total(row.unit_code, "invited"))
            if invited < MIN_INVITED_FOR_RATE:
                exposures.append(
                    f"[rate] {where}: a response rate is shown where {_people(invited)} "
                    f"were invited (it needs {MIN_INVITED_FOR_RATE})"
                )
        if not _close(row.value, true_value):
            exposures.append(f"[value] {where}: shows {row.value}, the data gives {true_value:.3f}")
    return exposures


# -- b: residuals ---------------------------------------------------------------------
def _shown_families(facts: WaveFacts, rows: Iterable[TidyRow]) -> dict[str, set[str]]:
    """Measure family -> units whose count for it the viewer can read."""
    measures = measures_of(facts.definition)
    shown: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        measure = measures.get(row.measure)
        if row.respondents is not None and measure and facts.knows(row.unit_code):
            shown[measure.family].add(row.unit_code)
    return shown


def _check_residuals(
    facts: WaveFacts, shown: dict[str, set[str]], thresholds: dict[str, int] | None = None
) -> list[str]:
    """Every shown unit minus the highest shown units below it: nobody or at least the threshold."""
    exposures = []
    for family in sorted(shown):
        codes = shown[family]
        threshold = (thresholds or {}).get(family, facts.wave.min_group_size)
        code_at = {facts.paths[code]: code for code in codes}
        below: dict[str, list[str]] = defaultdict(list)
        for code in codes:
            path = facts.paths[code]
            # The nearest shown unit above; "" (the whole wave) is above every unit.
            above = ["", *_ancestor_paths(path)[:-1]] if path else []
            up = next((p for p in reversed(above) if p in code_at), None)
            if up is not None:
                below[code_at[up]].append(code)
        for code in sorted(below):
            parts = sorted(below[code])
            residual = facts.count(code, family) - sum(facts.count(p, family) for p in parts)
            if 0 < residual < threshold:
                exposures.append(
                    f"[residual] {code} {family.replace(':', ' ')}: {code} minus the shown "
                    f"units below it ({', '.join(parts)}) leaves {_people(residual)}, "
                    f"which must be nobody or at least {threshold}"
                )
    return exposures


# -- c: trend -------------------------------------------------------------------------
def _check_trend(report: WaveReport, rows: list[TidyRow]) -> list[str]:
    exposures = []
    loaded: dict[str, WaveFacts | None] = {}
    for row in rows:
        where = f"trend {row.group} {row.unit_code} {row.measure}"
        if row.respondents is None:
            if row.value is not None:
                exposures.append(f"[suppressed] {where}: a suppressed figure carries a value")
            continue
        if row.group not in loaded:
            other = Wave.objects.select_related("instrument_version").filter(slug=row.group)
            loaded[row.group] = WaveFacts.load(other[0]) if other else None
        facts = loaded[row.group]
        if facts is None or not facts.knows(row.unit_code):
            exposures.append(f"[trend] {where}: no such wave or unit to check it against")
            continue
        other = facts.wave
        if other.status not in RELEASED:
            exposures.append(f"[trend] {where}: wave {other.slug} has not been released")
        if other.instrument_version.instrument_id != report.wave.instrument_version.instrument_id:
            exposures.append(f"[trend] {where}: wave {other.slug} used another instrument")
        if row.unit_code != report.focus.code:
            exposures.append(f"[scope] {where}: a trend for a unit other than the report's")
        measure = measures_of(facts.definition).get(row.measure)
        if measure is None or measure.kind not in (RESPONDENTS, "mean"):
            exposures.append(f"[unknown] {where}: not a trend measure")
            continue
        true_n, true_value = facts.figure(row.unit_code, measure)
        if row.respondents != true_n:
            exposures.append(
                f"[count] {where}: shows {row.respondents} people, the data has {true_n}"
            )
        if min(true_n, row.respondents) < other.min_group_size:
            exposures.append(
                f"[minimum] {where}: shown for {_people(true_n)}, under that wave's minimum "
                f"group size of {other.min_group_size}"
            )
        if not _close(row.value, true_value):
            exposures.append(f"[value] {where}: shows {row.value}, the data gives {true_value:.3f}")
    return exposures


# -- d: breakdowns --------------------------------------------------------------------
def _check_breakdowns(
    facts: WaveFacts, rows: list[TidyRow], unit_codes: Iterable[str]
) -> list[str]:
    """Rule d over shown breakdown rows, against the given shown units (respondents)."""
    wave = facts.wave
    # Equity groups are groups too: never below the minimum group size either.
    threshold = max(wave.min_equity_group_size, wave.min_group_size)
    items = facts.self_id_items()
    measures = measures_of(facts.definition)
    exposures = []
    members_of: dict[tuple[str, str], np.ndarray] = {}
    indices_of: dict[tuple[str, str], np.ndarray] = {}
    shown: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        where = f"breakdown {row.breakdown}={row.group} {row.measure}"
        if row.respondents is None:
            if row.value is not None:
                exposures.append(f"[suppressed] {where}: a suppressed figure carries a value")
            continue
        item = items.get(row.breakdown)
        measure = measures.get(row.measure)
        if (
            item is None
            or row.group not in {option.code for option in item.options}
            or measure is None
            or measure.kind not in (RESPONDENTS, "mean", "band")
        ):
            exposures.append(f"[unknown] {where}: not a self-identification group and measure")
            continue
        key = (item.code, row.group)
        if key not in members_of:
            members_of[key] = facts.group(item, row.group)
            indices_of[key] = np.flatnonzero(members_of[key])
        true_n, true_value = facts.group_figure(indices_of[key], measure)
        shown[measure.family][item.code].add(row.group)
        if row.respondents != true_n:
            exposures.append(
                f"[count] {where}: shows {row.respondents} people, the data has {true_n}"
            )
        if min(true_n, row.respondents) < threshold:
            exposures.append(
                f"[breakdown-minimum] {where}: shown for {_people(true_n)}, "
                f"under the threshold of {threshold}"
            )
        if not _close(row.value, true_value):
            exposures.append(f"[value] {where}: shows {row.value}, the data gives {true_value:.3f}")

    for family in sorted(shown):
        counted = facts.has_measure(family)
        label = family.replace(":", " ")
        for code, options in sorted(shown[family].items()):
            in_any = np.zeros(facts.people, dtype=bool)
            for option in sorted(options):
                members = members_of[(code, option)] & counted
                in_any |= members
                complement = int((counted & ~members).sum())
                if 0 < complement < threshold:
                    exposures.append(
                        f"[breakdown-complement] {code}={option} {label}: everyone else is "
                        f"{_people(complement)}, which must be nobody or at least {threshold}"
                    )
            remainder = int((counted & ~in_any).sum())
            if 0 < remainder < threshold:
                kind = "multi-select" if items[code].type == "multi" else "single-choice"
                exposures.append(
                    f"[breakdown-remainder] {code} ({kind}) {label}: {_people(remainder)} in no "
                    f"shown group ({', '.join(sorted(options))}), which must be nobody or at "
                    f"least {threshold}"
                )

    # Near-identical sets of people (respondents): one could be subtracted from the other.
    groups = sorted((c, o) for c, options in shown[RESPONDENTS].items() for o in options)
    units = sorted(set(unit_codes))
    for i, first in enumerate(groups):
        name = f"{first[0]}={first[1]}"
        for second in groups[i + 1 :]:
            differ = int((members_of[first] ^ members_of[second]).sum())
            if 0 < differ < threshold:
                exposures.append(
                    f"[breakdown-overlap] {name} and {second[0]}={second[1]} differ by "
                    f"{_people(differ)}, which must be nobody or at least {threshold}"
                )
        size = int(members_of[first].sum())
        inside = facts.rollup(facts.per_unit(members_of[first].astype(np.float64)))[:, 0]
        for unit in units:
            differ = size + facts.count(unit, RESPONDENTS) - 2 * int(inside[facts.index[unit]])
            if 0 < differ < threshold:
                exposures.append(
                    f"[breakdown-overlap] {name} and unit {unit} differ by {_people(differ)}, "
                    f"which must be nobody or at least {threshold}"
                )
    return exposures


# -- e: comments, f: scope -------------------------------------------------------------
def _check_comments(report: WaveReport, facts: WaveFacts) -> list[str]:
    shown = list(report.comments)
    if not shown:
        return []
    code, wave = report.focus.code, facts.wave
    if not facts.knows(code):
        return [f"[comments] comments are shown for {code}, which is not a unit of this wave"]
    exposures = []
    people = facts.count(code, RESPONDENTS)
    if people < wave.min_comment_group_size:
        exposures.append(
            f"[comments] comments are shown for {code} with {_people(people)}, "
            f"under the comment threshold of {wave.min_comment_group_size}"
        )
    if Counter(shown) != facts.comments(code):
        exposures.append(f"[comments] the comments shown for {code} are not exactly its own")
    return exposures


def _check_scope(report: WaveReport, facts: WaveFacts, rows: list[TidyRow]) -> list[str]:
    viewer, focus = report.viewer, report.focus.code
    if not facts.knows(focus):
        return [f"[scope] the report's unit {focus} is not part of wave {facts.wave.slug}"]
    focus_path = facts.paths[focus]
    led = tuple(viewer.unit_paths) if viewer.role == "leader" else None
    exposures = []
    if led is not None and not (focus_path and focus_path.startswith(led)):
        exposures.append(f"[scope] a leader is shown {focus}, outside the units they lead")
    for row in rows:
        if not facts.knows(row.unit_code):
            continue  # reported by the figure checks
        path = facts.paths[row.unit_code]
        if row.breakdown == UNIT:
            if not path.startswith(focus_path):
                exposures.append(f"[scope] {row.unit_code} is outside the report's unit {focus}")
            elif led is not None and not (path and path.startswith(led)):
                exposures.append(f"[scope] a leader is shown {row.unit_code}")
        elif row.breakdown == BENCHMARK:
            if not focus_path.startswith(path) or path == focus_path:
                exposures.append(f"[scope] benchmark {row.unit_code} is not above {focus}")
        elif row.breakdown != TREND and viewer.role != "analyst":
            exposures.append(
                f"[scope] a self-identification breakdown ({row.breakdown}) is shown to "
                f"a viewer with role {viewer.role}"
            )
    return exposures


def _split(rows: Iterable[TidyRow]) -> tuple[list[TidyRow], list[TidyRow], list[TidyRow]]:
    """Unit and benchmark rows, trend rows, breakdown rows."""
    units: list[TidyRow] = []
    trend: list[TidyRow] = []
    breakdowns: list[TidyRow] = []
    for row in rows:
        if row.breakdown in (UNIT, BENCHMARK):
            units.append(row)
        elif row.breakdown == TREND:
            trend.append(row)
        else:
            breakdowns.append(row)
    return units, trend, breakdowns


def audit_published(report: WaveReport) -> list[str]:
    """Every problem with what this report's viewer sees (rules a to f); empty when safe."""
    rows = list(tidy_rows(report))
    facts = WaveFacts.load(report.wave)
    unit_rows, trend_rows, breakdown_rows = _split(rows)
    shown = _shown_families(facts, unit_rows)
    exposures = _check_scope(report, facts, rows)
    exposures += _check_unit_rows(facts, unit_rows)
    exposures += _check_residuals(facts, shown)
    exposures += _check_trend(report, trend_rows)
    if breakdown_rows:
        exposures += _check_breakdowns(facts, breakdown_rows, shown.get(RESPONDENTS, set()))
    exposures += _check_comments(report, facts)
    return exposures


def audit_union(wave: Wave, reports: list[WaveReport]) -> list[str]:
    """Rule b over everything these reports show together: what colluding viewers could combine.

    Pooled per measure: the unit and benchmark figures of the wave, the units
    whose comments are shown (against the comment threshold), and the trend
    figures of each other wave (against that wave's data and threshold). Pooled
    breakdowns are checked against every unit anyone was shown.
    """
    facts = WaveFacts.load(wave)
    exposures = []
    pooled: dict[str, set[str]] = defaultdict(set)
    trend: dict[str, list[TidyRow]] = defaultdict(list)
    breakdowns: dict[tuple[str, str, str], TidyRow] = {}
    for report in reports:
        if report.wave.pk != wave.pk:
            exposures.append(f"[union] a report of {report.wave.slug} was pooled with {wave.slug}")
            continue
        unit_rows, trend_rows, breakdown_rows = _split(tidy_rows(report))
        for family, codes in _shown_families(facts, unit_rows).items():
            pooled[family] |= codes
        for row in trend_rows:
            trend[row.group].append(row)
        for row in breakdown_rows:
            breakdowns[(row.breakdown, row.group, row.measure)] = row
        if report.comments and facts.knows(report.focus.code):
            pooled[COMMENTS].add(report.focus.code)
    exposures += _check_residuals(facts, pooled, {COMMENTS: wave.min_comment_group_size})
    for slug, rows in sorted(trend.items()):
        other = Wave.objects.select_related("instrument_version").filter(slug=slug).first()
        if other is None:
            exposures.append(f"[trend] a trend shows an unknown wave {slug}")
            continue
        other_facts = WaveFacts.load(other)
        known = [row for row in rows if other_facts.knows(row.unit_code)]
        exposures += [
            f"{message} (in wave {slug})"
            for message in _check_residuals(other_facts, _shown_families(other_facts, known))
        ]
    if breakdowns:
        exposures += _check_breakdowns(
            facts, list(breakdowns.values()), pooled.get(RESPONDENTS, set())
        )
    return exposures
