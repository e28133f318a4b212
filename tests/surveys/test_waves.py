"""The wave lifecycle and its privacy thresholds (floor 3; never lowered once open)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from surveys.models import AuditEntry, Invitation, OrgUnit, Wave
from surveys.services.instruments import instrument_version_import
from surveys.services.waves import (
    WaveError,
    wave_create,
    wave_open_problems,
    wave_set_status,
    wave_update,
    wave_update_thresholds,
)
from tests.conftest import mini_document

pytestmark = pytest.mark.django_db

THRESHOLDS = ("min_group_size", "min_comment_group_size", "min_equity_group_size")
LABELS = {
    "min_group_size": "minimum group size",
    "min_comment_group_size": "minimum group size for comments",
    "min_equity_group_size": "minimum group size for self-identification breakdowns",
}
# How to reach each status from draft through allowed transitions only.
PATH_TO = {
    "draft": [],
    "open": ["open"],
    "closed": ["open", "closed"],
    "released": ["open", "closed", "released"],
    "archived": ["open", "closed", "archived"],
}
LABEL = {"draft": "Draft", "open": "Open", "closed": "Closed", "released": "Reports released"}
LABEL["archived"] = "Archived"


def stored(wave: Wave) -> Wave:
    return Wave.objects.get(pk=wave.pk)


def move_to(wave: Wave, status: str) -> Wave:
    for step in PATH_TO[status]:
        wave = wave_set_status(wave=wave, status=step)
    return wave


def new_wave(org: dict[str, OrgUnit], mini_version: Any, **options: Any) -> Wave:
    return wave_create(
        slug=options.pop("slug", "autumn"),
        name="Autumn check-in",
        instrument_version=mini_version,
        units=options.pop("units", [org["ORG"]]),
        **options,
    )


# -- thresholds --------------------------------------------------------------------


def test_default_thresholds(wave: Wave) -> None:
    assert (wave.min_group_size, wave.min_comment_group_size, wave.min_equity_group_size) == (
        5,
        10,
        10,
    )
    assert stored(wave).status == "draft"


@pytest.mark.parametrize("field", THRESHOLDS)
def test_threshold_below_the_floor_is_rejected_at_creation(
    org: dict[str, OrgUnit], mini_version: Any, field: str
) -> None:
    values = {"min_group_size": 3, "min_comment_group_size": 3, "min_equity_group_size": 3}
    values[field] = 2

    with pytest.raises(WaveError) as raised:
        new_wave(org, mini_version, **values)

    assert str(raised.value) == f"{LABELS[field]} cannot be below 3."
    assert not Wave.objects.exists()


def test_floor_itself_is_allowed(org: dict[str, OrgUnit], mini_version: Any) -> None:
    wave = new_wave(
        org, mini_version, min_group_size=3, min_comment_group_size=3, min_equity_group_size=3
    )

    assert (stored(wave).min_group_size, stored(wave).min_comment_group_size) == (3, 3)


@pytest.mark.parametrize("field", THRESHOLDS)
def test_threshold_below_the_floor_is_rejected_on_update(wave: Wave, field: str) -> None:
    with pytest.raises(WaveError, match=rf"^{LABELS[field]} cannot be below 3\.$"):
        wave_update_thresholds(wave=wave, **{field: 2})

    assert getattr(stored(wave), field) in (5, 10)


def test_comment_threshold_below_score_threshold_is_rejected(
    org: dict[str, OrgUnit], mini_version: Any
) -> None:
    with pytest.raises(WaveError) as raised:
        new_wave(org, mini_version, min_group_size=8, min_comment_group_size=6)

    assert str(raised.value) == (
        "minimum group size for comments: "
        "The comment threshold cannot be lower than the score threshold."
    )
    assert not Wave.objects.exists()


def test_raising_the_score_threshold_above_the_comment_threshold_is_rejected(wave: Wave) -> None:
    with pytest.raises(WaveError, match="comment threshold cannot be lower"):
        wave_update_thresholds(wave=wave, min_group_size=12)

    assert stored(wave).min_group_size == 5


def test_thresholds_can_be_lowered_while_draft(wave: Wave, hr: Any) -> None:
    wave_update_thresholds(
        wave=wave, min_group_size=3, min_comment_group_size=4, min_equity_group_size=3, by=hr
    )

    current = stored(wave)
    assert (current.min_group_size, current.min_comment_group_size) == (3, 4)
    assert current.min_equity_group_size == 3
    entry = AuditEntry.objects.get(action="wave.thresholds")
    assert entry.actor == hr
    assert entry.data["before"]["min_group_size"] == 5
    assert entry.data["after"]["min_group_size"] == 3


@pytest.mark.parametrize("status", ["open", "closed", "released", "archived"])
@pytest.mark.parametrize("field", THRESHOLDS)
def test_thresholds_cannot_be_lowered_once_opened(wave: Wave, status: str, field: str) -> None:
    wave = move_to(wave, status)
    before = getattr(stored(wave), field)

    with pytest.raises(WaveError) as raised:
        wave_update_thresholds(wave=wave, **{field: before - 1})

    assert str(raised.value) == (
        f"{LABELS[field]} cannot be lowered once the wave has opened (it is {before})."
    )
    assert getattr(stored(wave), field) == before
    assert not AuditEntry.objects.filter(action="wave.thresholds").exists()


def test_lowering_one_threshold_rolls_back_the_others(open_wave: Wave) -> None:
    with pytest.raises(WaveError):
        wave_update_thresholds(wave=open_wave, min_comment_group_size=15, min_equity_group_size=9)

    current = stored(open_wave)
    assert (current.min_comment_group_size, current.min_equity_group_size) == (10, 10)


def test_thresholds_can_be_raised_once_opened(open_wave: Wave) -> None:
    wave_update_thresholds(
        wave=open_wave, min_group_size=7, min_comment_group_size=12, min_equity_group_size=15
    )

    current = stored(open_wave)
    assert (current.min_group_size, current.min_comment_group_size) == (7, 12)
    assert current.min_equity_group_size == 15
    assert AuditEntry.objects.filter(action="wave.thresholds").count() == 1


# -- lifecycle ---------------------------------------------------------------------


ALLOWED = [
    ("draft", "open"),
    ("open", "closed"),
    ("closed", "open"),
    ("closed", "released"),
    ("closed", "archived"),
    ("released", "archived"),
]
STATUSES = ["draft", "open", "closed", "released", "archived"]
DISALLOWED = [
    (current, target)
    for current in STATUSES
    for target in STATUSES
    if current != target and (current, target) not in ALLOWED
]


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_allowed_transition(wave: Wave, current: str, target: str) -> None:
    wave = move_to(wave, current)

    wave_set_status(wave=wave, status=target)

    assert stored(wave).status == target


@pytest.mark.parametrize(("current", "target"), DISALLOWED)
def test_disallowed_transition(wave: Wave, current: str, target: str) -> None:
    wave = move_to(wave, current)
    audits = AuditEntry.objects.count()

    with pytest.raises(WaveError) as raised:
        wave_set_status(wave=wave, status=target)

    assert str(raised.value) == f"A wave cannot go from {LABEL[current]} to {LABEL[target]}."
    assert stored(wave).status == current
    assert AuditEntry.objects.count() == audits


def test_disallowed_transitions_include_the_obvious_ones() -> None:
    for pair in [("draft", "closed"), ("open", "released"), ("archived", "open")]:
        assert pair in DISALLOWED


def test_unknown_status(wave: Wave) -> None:
    with pytest.raises(WaveError, match=r"^Unknown status paused\.$"):
        wave_set_status(wave=wave, status="paused")


def test_setting_the_current_status_again_changes_nothing(open_wave: Wave) -> None:
    audits = AuditEntry.objects.count()

    wave_set_status(wave=open_wave, status="open")

    assert stored(open_wave).status == "open"
    assert AuditEntry.objects.count() == audits


def test_opening_without_roster_or_open_link_is_refused(
    org: dict[str, OrgUnit], mini_version: Any
) -> None:
    wave = new_wave(org, mini_version, open_link_enabled=False)

    assert wave_open_problems(wave) == ["Import a roster or turn on the open link."]
    with pytest.raises(WaveError) as raised:
        wave_set_status(wave=wave, status="open")

    assert str(raised.value) == "Import a roster or turn on the open link."
    assert stored(wave).status == "draft"


def test_opening_with_a_roster_and_no_open_link(org: dict[str, OrgUnit], mini_version: Any) -> None:
    wave = new_wave(org, mini_version, open_link_enabled=False)
    Invitation.objects.create(wave=wave, unit=org["N-ED"], email="dana@example.org")

    assert wave_open_problems(wave) == []
    wave_set_status(wave=wave, status="open")

    assert stored(wave).status == "open"


def test_opening_with_a_closing_date_in_the_past_is_refused(
    org: dict[str, OrgUnit], mini_version: Any
) -> None:
    today = timezone.localdate()
    wave = new_wave(
        org,
        mini_version,
        open_link_enabled=True,
        opens_on=today - datetime.timedelta(days=30),
        closes_on=today - datetime.timedelta(days=1),
    )

    with pytest.raises(WaveError, match=r"^The closing date is in the past\.$"):
        wave_set_status(wave=wave, status="open")

    assert stored(wave).status == "draft"


def test_opening_and_closing_fill_in_the_dates(wave: Wave) -> None:
    today = timezone.localdate()

    wave_set_status(wave=wave, status="open")
    assert stored(wave).opens_on == today
    assert stored(wave).closes_on is None

    wave_set_status(wave=wave, status="closed")
    assert stored(wave).closes_on == today


def test_closing_early_moves_the_closing_date_to_today(
    org: dict[str, OrgUnit], mini_version: Any
) -> None:
    today = timezone.localdate()
    wave = new_wave(
        org, mini_version, open_link_enabled=True, closes_on=today + datetime.timedelta(days=20)
    )
    move_to(wave, "closed")

    assert stored(wave).closes_on == today


def test_each_transition_is_audited(wave: Wave, hr: Any) -> None:
    steps = ["open", "closed", "open", "closed", "released", "archived"]
    previous = "draft"
    for step in steps:
        wave = wave_set_status(wave=wave, status=step, by=hr)
        entry = AuditEntry.objects.filter(action=f"wave.{step}").order_by("-id").first()
        assert entry is not None, f"no audit entry for wave.{step}"
        assert entry.actor == hr
        assert entry.data["previous"] == previous
        assert entry.data["min_group_size"] == 5
        assert entry.target.startswith(f"surveys.wave:{wave.pk} ")
        previous = step

    assert AuditEntry.objects.filter(action="wave.open").count() == 2
    assert AuditEntry.objects.filter(action="wave.closed").count() == 2
    assert AuditEntry.objects.filter(action="wave.released").count() == 1
    assert AuditEntry.objects.filter(action="wave.archived").count() == 1


# -- creating and editing ------------------------------------------------------------


def test_wave_needs_at_least_one_unit(org: dict[str, OrgUnit], mini_version: Any) -> None:
    with pytest.raises(WaveError, match=r"^Choose at least one unit for the wave\.$"):
        new_wave(org, mini_version, units=[])

    assert not Wave.objects.exists()


def test_closing_before_opening_is_rejected(org: dict[str, OrgUnit], mini_version: Any) -> None:
    with pytest.raises(WaveError, match=r"The wave cannot close before it opens\."):
        new_wave(
            org,
            mini_version,
            opens_on=datetime.date(2026, 5, 1),
            closes_on=datetime.date(2026, 4, 1),
        )


def test_create_is_audited(org: dict[str, OrgUnit], mini_version: Any, hr: Any) -> None:
    new_wave(org, mini_version, units=[org["NORTH"], org["SOUTH"]], by=hr)

    entry = AuditEntry.objects.get(action="wave.create")
    assert entry.actor == hr
    assert sorted(entry.data["units"]) == ["NORTH", "SOUTH"]
    assert entry.data["min_group_size"] == 5


def test_units_and_instrument_can_change_while_draft(wave: Wave, org: dict[str, OrgUnit]) -> None:
    document = mini_document()
    document["version"] = 2
    second = instrument_version_import(document=document)

    wave_update(wave=wave, units=[org["SOUTH"]], instrument_version=second)

    current = stored(wave)
    assert [unit.code for unit in current.units.all()] == ["SOUTH"]
    assert current.instrument_version == second


@pytest.mark.parametrize("status", ["open", "closed", "released"])
def test_units_cannot_change_once_opened(wave: Wave, org: dict[str, OrgUnit], status: str) -> None:
    wave = move_to(wave, status)

    with pytest.raises(WaveError) as raised:
        wave_update(wave=wave, units=[org["NORTH"]])

    assert str(raised.value) == (
        "The units and the instrument of a wave cannot change once it has opened."
    )
    assert [unit.code for unit in stored(wave).units.all()] == ["ORG"]


def test_instrument_cannot_change_once_opened(open_wave: Wave, mini_version: Any) -> None:
    document = mini_document()
    document["version"] = 2
    second = instrument_version_import(document=document)

    with pytest.raises(WaveError, match="cannot change once it has opened"):
        wave_update(wave=open_wave, instrument_version=second)

    assert stored(open_wave).instrument_version == mini_version


def test_name_and_dates_can_change_once_opened(open_wave: Wave) -> None:
    closes = timezone.localdate() + datetime.timedelta(days=14)

    wave_update(wave=open_wave, name="Spring check-in (extended)", closes_on=closes)

    current = stored(open_wave)
    assert (current.name, current.closes_on) == ("Spring check-in (extended)", closes)
    assert AuditEntry.objects.filter(action="wave.update").count() == 1
