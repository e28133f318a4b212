"""The auditor can fail: a gate with a rule taken out publishes exposures, and it says so.

Each test breaks the real gate in one place with monkeypatch (the names the gate
calls), builds a report through it, and checks the auditor names the exposure.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from reports import aggregation, stats
from reports.aggregation import wave_report
from reports.auditor import audit_published, audit_union
from reports.exporters import tidy_rows
from reports.viewers import Viewer, leader_of
from surveys.models import Invitation, OrgUnit, Wave
from surveys.services.responses import response_submit
from surveys.services.units import unit_create
from surveys.services.waves import wave_create, wave_set_status

HR = Viewer("hr")
ANALYST = Viewer("analyst")


@pytest.fixture(autouse=True)
def _fresh_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No statistics or published tables shared with another test (or another patch)."""
    stats.clear_cache()
    monkeypatch.setattr(aggregation, "_TABLES", OrderedDict())
    yield
    stats.clear_cache()


def primary_only(tree: Any, counts: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Small-group suppression without the complementary rule."""
    return np.asarray(counts) >= np.asarray(thresholds)[None, :]


def build(version: Any, members: dict[str, tuple[str | None, int]], **wave_options: Any) -> Wave:
    """Units {code: (parent, people)} in order, each person answering everything; released."""
    units: dict[str, OrgUnit] = {}
    for code, (parent, _people) in members.items():
        units[code] = unit_create(code=code, name=code, parent=units[parent] if parent else None)
    top = next(iter(units.values()))
    options = {"min_group_size": 5, "min_comment_group_size": 10, "min_equity_group_size": 5}
    wave = wave_create(
        slug="w",
        name="w",
        instrument_version=version,
        units=[top],
        open_link_enabled=True,
        **(options | wave_options),
    )
    wave = wave_set_status(wave=wave, status="open")
    for code, (_parent, people) in members.items():
        for i in range(people):
            submit(wave, units[code], i)
    wave_set_status(wave=wave, status="closed")
    return wave_set_status(wave=wave, status="released")


def submit(wave: Wave, unit: OrgUnit, i: int, **extra: Any) -> None:
    answers = {"A1": i % 5, "A2": (i + 1) % 5, "A3": 2, "A4": (2 * i) % 5, "B1": 3, **extra}
    response_submit(
        wave=wave,
        unit=unit,
        answers=answers,
        comments={"E1": f"comment {i}"},
        source="paper",
        with_receipt=False,
    )


DIRECT_MEMBER = {"P": (None, 1), "C1": ("P", 6), "C2": ("P", 7)}


def tagged(exposures: list[str], tag: str) -> list[str]:
    return [exposure for exposure in exposures if exposure.startswith(f"[{tag}]")]


def test_the_real_gate_is_clean(mini_version: Any) -> None:
    wave = build(mini_version, DIRECT_MEMBER)
    assert audit_published(wave_report(wave=wave, viewer=HR)) == []


def test_without_complementary_suppression_the_direct_member_is_exposed(
    mini_version: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(aggregation, "suppress_hierarchy", primary_only)
    wave = build(mini_version, DIRECT_MEMBER)
    exposures = audit_published(wave_report(wave=wave, viewer=HR))
    assert (
        "[residual] P respondents: P minus the shown units below it (C1, C2) leaves 1 person, "
        "which must be nobody or at least 5"
    ) in exposures
    # Every measure of P has the same hole.
    assert {e.split(":")[0] for e in tagged(exposures, "residual")} >= {
        "[residual] P respondents",
        "[residual] P domain stress",
        "[residual] P item A1",
    }


def test_colluding_leaders_are_caught_by_the_union(
    mini_version: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each child's leader alone sees P − own unit ≥ 5; together they see P − C1 − C2 = 1."""
    monkeypatch.setattr(aggregation, "suppress_hierarchy", primary_only)
    wave = build(mini_version, DIRECT_MEMBER)
    units = {unit.code: unit for unit in OrgUnit.objects.all()}
    first = wave_report(wave=wave, viewer=leader_of(units["C1"]))
    second = wave_report(wave=wave, viewer=leader_of(units["C2"]))
    assert audit_published(first) == []
    assert audit_published(second) == []
    assert tagged(audit_union(wave, [first, second]), "residual")


def test_a_true_count_leaked_into_a_hidden_figure(
    mini_version: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish = aggregation.publish

    def leaky(wave_stats: Any, **kwargs: Any) -> Any:
        table = publish(wave_stats, **kwargs)
        true = wave_stats.tree.rollup(wave_stats.respondents)
        table.respondents = np.where(table.respondents < 0, true, table.respondents)
        return table

    monkeypatch.setattr(aggregation, "publish", leaky)
    wave = build(mini_version, {"P": (None, 0), "A": ("P", 2), "B": ("P", 9)})
    exposures = audit_published(wave_report(wave=wave, viewer=HR))
    # A (2 people) and, to protect it, B were hidden; now both show their true count.
    assert exposures == [
        "[minimum] A respondents: shown for 2 people, under the minimum group size of 5"
    ]


def test_a_changed_value(mini_version: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    publish = aggregation.publish

    def nudged(wave_stats: Any, **kwargs: Any) -> Any:
        table = publish(wave_stats, **kwargs)
        table.domain_mean = table.domain_mean + 0.2
        return table

    monkeypatch.setattr(aggregation, "publish", nudged)
    wave = build(mini_version, DIRECT_MEMBER)
    exposures = audit_published(wave_report(wave=wave, viewer=HR))
    assert exposures
    assert all(e.startswith("[value]") and ".mean" in e for e in exposures)


def test_a_wrong_count(mini_version: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    publish = aggregation.publish

    def off_by_one(wave_stats: Any, **kwargs: Any) -> Any:
        table = publish(wave_stats, **kwargs)
        table.respondents = np.where(table.respondents >= 0, table.respondents + 1, -1)
        return table

    monkeypatch.setattr(aggregation, "publish", off_by_one)
    wave = build(mini_version, DIRECT_MEMBER)
    exposures = audit_published(wave_report(wave=wave, viewer=HR))
    assert "[count] P respondents: shows 15 people, the data has 14" in exposures


def test_a_response_rate_for_too_few_invited(
    mini_version: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish = aggregation.publish

    def any_rate(wave_stats: Any, **kwargs: Any) -> Any:
        table = publish(wave_stats, **kwargs)
        invited = wave_stats.tree.rollup(wave_stats.invited)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.round(wave_stats.tree.rollup(wave_stats.respondents) / invited * 100, 1)
        table.rate = np.where(table.respondents >= 0, rate, np.nan)
        return table

    monkeypatch.setattr(aggregation, "publish", any_rate)
    wave = build(mini_version, DIRECT_MEMBER)
    p, c2 = OrgUnit.objects.get(code="P"), OrgUnit.objects.get(code="C2")
    Invitation.objects.bulk_create(
        Invitation(wave=wave, unit=unit, email="") for unit in [p] * 6 + [c2] * 4
    )
    exposures = audit_published(wave_report(wave=wave, viewer=HR))
    assert tagged(exposures, "rate") == [
        "[rate] C2 response_rate: a response rate is shown where 4 people were invited (it needs 5)"
    ]


def test_comments_below_their_threshold(mini_version: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    publish = aggregation.publish

    def chatty(wave_stats: Any, **kwargs: Any) -> Any:
        table = publish(wave_stats, **kwargs)
        table.comments = np.ones_like(table.comments)
        return table

    monkeypatch.setattr(aggregation, "publish", chatty)
    wave = build(mini_version, DIRECT_MEMBER)
    c2 = OrgUnit.objects.get(code="C2")
    exposures = audit_published(wave_report(wave=wave, viewer=leader_of(c2)))
    assert exposures == [
        "[comments] comments are shown for C2 with 7 people, under the comment threshold of 10"
    ]


def test_a_leader_shown_a_sibling(mini_version: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    wave = build(mini_version, {"P": (None, 0), "C1": ("P", 6), "C2": ("P", 7)})
    c1, c2 = OrgUnit.objects.get(code="C1"), OrgUnit.objects.get(code="C2")
    monkeypatch.setattr(Viewer, "may_see", lambda self, unit: True)
    exposures = audit_published(wave_report(wave=wave, viewer=leader_of(c1), unit=c2))
    assert "[scope] a leader is shown C2, outside the units they lead" in exposures


# -- breakdowns --------------------------------------------------------------------------
def breakdown_wave(version: Any, people: dict[str, int], **extra: Any) -> Wave:
    """One unit; `people` maps a D1 answer ('' = skipped) to how many gave it."""
    unit = unit_create(code="P", name="P")
    wave = wave_create(
        slug="w",
        name="w",
        instrument_version=version,
        units=[unit],
        open_link_enabled=True,
        min_group_size=5,
        min_equity_group_size=5,
    )
    wave = wave_set_status(wave=wave, status="open")
    i = 0
    for answer, count in people.items():
        for _ in range(count):
            submit(wave, unit, i, **({"D1": answer} if answer else {}), **extra)
            i += 1
    wave_set_status(wave=wave, status="closed")
    return wave_set_status(wave=wave, status="released")


def test_a_breakdown_without_the_remainder_rule(
    mini_version: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_remainder(patterns: Any, weights: Any, group_count: int, threshold: int) -> Any:
        # The real rule on a copy where nobody is left over: the remainder check never fires.
        sizes = ((np.asarray(patterns)[:, None] >> np.arange(group_count)) & 1).T @ weights
        total = np.asarray(weights).sum(axis=0)
        complement = total[None, :] - sizes
        return (sizes >= threshold) & ((complement == 0) | (complement >= threshold))

    wave = breakdown_wave(mini_version, {"woman": 12, "man": 9, "prefer_not_to_answer": 3})
    assert audit_published(wave_report(wave=wave, viewer=ANALYST)) == []

    monkeypatch.setattr(aggregation, "suppress_breakdown", no_remainder)
    stats.clear_cache()
    exposures = audit_published(wave_report(wave=wave, viewer=ANALYST))
    assert (
        "[breakdown-remainder] D1 (single-choice) respondents: 3 people in no shown group "
        "(man, woman), which must be nobody or at least 5"
    ) in exposures


def test_a_breakdown_without_the_complement_rule(
    mini_version: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def sizes_only(patterns: Any, weights: Any, group_count: int, threshold: int) -> Any:
        sizes = ((np.asarray(patterns)[:, None] >> np.arange(group_count)) & 1).T @ weights
        return sizes >= threshold

    monkeypatch.setattr(aggregation, "suppress_breakdown", sizes_only)
    # With one unit, "everyone else" is also the difference between the group and the unit.
    monkeypatch.setattr(aggregation, "_near_identical_group", lambda *args: None)
    wave = breakdown_wave(mini_version, {"woman": 22, "man": 3})
    exposures = audit_published(wave_report(wave=wave, viewer=ANALYST))
    assert (
        "[breakdown-complement] D1=woman respondents: everyone else is 3 people, which must "
        "be nobody or at least 5"
    ) in exposures


def test_a_group_nearly_equal_to_a_unit(mini_version: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aggregation, "_near_identical_group", lambda *args: None)
    units = {"R": unit_create(code="R", name="R")}
    units["U1"] = unit_create(code="U1", name="U1", parent=units["R"])
    units["U2"] = unit_create(code="U2", name="U2", parent=units["R"])
    wave = wave_create(
        slug="w",
        name="w",
        instrument_version=mini_version,
        units=[units["R"]],
        open_link_enabled=True,
        min_equity_group_size=5,
    )
    wave = wave_set_status(wave=wave, status="open")
    # U1 is ten women and one man; one more woman works in U2.
    for i, (unit, gender) in enumerate(
        [("U1", "woman")] * 10 + [("U1", "man"), ("U2", "woman")] + [("U2", "man")] * 10
    ):
        submit(wave, units[unit], i, D1=gender)
    wave_set_status(wave=wave, status="closed")
    wave = wave_set_status(wave=wave, status="released")

    report = wave_report(wave=wave, viewer=ANALYST)
    exposures = audit_published(report)
    assert (
        "[breakdown-overlap] D1=woman and unit U1 differ by 2 people, which must be nobody "
        "or at least 5"
    ) in exposures
    shown = {r.group for r in tidy_rows(report) if r.breakdown == "D1" and r.respondents}
    assert shown == {"woman", "man"}
