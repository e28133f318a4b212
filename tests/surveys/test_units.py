"""The organization tree: materialized paths, visibility, and the all-or-nothing unit import."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from surveys.csvrows import RowErrors
from surveys.models import AuditEntry, Leadership, OrgUnit
from surveys.selectors import (
    ancestors,
    subtree,
    unit_visible_to,
    units_visible_to,
    wave_scope,
)
from surveys.services.units import (
    UnitError,
    UnitRow,
    leadership_assign,
    unit_create,
    unit_update,
    units_import,
)
from surveys.services.waves import wave_create

pytestmark = pytest.mark.django_db

ALL_CODES = {"ORG", "NORTH", "SOUTH", "N-ED", "N-ICU", "S-MED"}


def codes(units: Any) -> set[str]:
    return {unit.code for unit in units}


def fresh(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def expected_path(*units: OrgUnit) -> str:
    return "/" + "".join(f"{unit.pk}/" for unit in units)


# -- paths -------------------------------------------------------------------------


def test_unit_create_sets_path_and_depth(org: dict[str, OrgUnit]) -> None:
    root, north, ned = fresh("ORG"), fresh("NORTH"), fresh("N-ED")

    assert (root.path, root.depth) == (expected_path(root), 0)
    assert (north.path, north.depth) == (expected_path(root, north), 1)
    assert (ned.path, ned.depth) == (expected_path(root, north, ned), 2)
    assert ned.parent == north


def test_subtree_is_the_unit_and_all_its_descendants(org: dict[str, OrgUnit]) -> None:
    assert codes(subtree(org["ORG"])) == ALL_CODES
    assert codes(subtree(org["NORTH"])) == {"NORTH", "N-ED", "N-ICU"}
    assert codes(subtree(org["SOUTH"])) == {"SOUTH", "S-MED"}
    assert codes(subtree(org["N-ICU"])) == {"N-ICU"}


def test_subtree_does_not_leak_into_units_with_a_similar_path(org: dict[str, OrgUnit]) -> None:
    # A second tree whose root is created later: its path shares no prefix with NORTH's.
    other = unit_create(code="OTHER", name="Other organization")
    unit_create(code="OTHER-1", name="Other child", parent=other)

    assert codes(subtree(org["NORTH"])) == {"NORTH", "N-ED", "N-ICU"}
    assert codes(subtree(other)) == {"OTHER", "OTHER-1"}
    assert codes(subtree(org["ORG"])) == ALL_CODES


def test_subtree_is_one_query_whatever_the_depth(db: Any, django_assert_num_queries: Any) -> None:
    chain: list[OrgUnit] = []
    parent = None
    for level in range(6):
        parent = unit_create(code=f"L{level}", name=f"Level {level}", parent=parent)
        chain.append(parent)

    for level, unit in enumerate(chain):
        with django_assert_num_queries(1):
            found = list(subtree(unit))
        assert [item.code for item in found] == [f"L{index}" for index in range(level, 6)]
    assert fresh("L5").depth == 5


def test_ancestors_root_first(org: dict[str, OrgUnit]) -> None:
    assert [unit.code for unit in ancestors(org["N-ED"])] == ["ORG", "NORTH"]
    assert [unit.code for unit in ancestors(org["SOUTH"])] == ["ORG"]
    assert list(ancestors(org["ORG"])) == []


# -- create and update -------------------------------------------------------------


def test_duplicate_code_is_rejected(org: dict[str, OrgUnit]) -> None:
    with pytest.raises(UnitError, match="code: Organization unit with this Code already exists"):
        unit_create(code="NORTH", name="Another north", parent=org["ORG"])

    assert OrgUnit.objects.count() == len(ALL_CODES)


@pytest.mark.parametrize("code", ["", "has space", "-dash-first", "x" * 41])
def test_invalid_code_is_rejected(db: Any, code: str) -> None:
    with pytest.raises(UnitError, match="code:"):
        unit_create(code=code, name="A unit")

    assert not OrgUnit.objects.exists()


def test_unit_create_writes_an_audit_entry(db: Any, hr: Any) -> None:
    unit = unit_create(code="HOSP", name="Hospital", by=hr)

    entry = AuditEntry.objects.get(action="unit.create")
    assert entry.actor == hr
    assert entry.target.startswith(f"surveys.orgunit:{unit.pk} ")


@pytest.mark.parametrize(("unit", "new_parent"), [("NORTH", "N-ED"), ("ORG", "N-ICU")])
def test_moving_a_unit_under_its_own_descendant_is_a_cycle(
    org: dict[str, OrgUnit], unit: str, new_parent: str
) -> None:
    with pytest.raises(UnitError) as raised:
        unit_update(unit=fresh(unit), parent=fresh(new_parent))

    assert str(raised.value) == (
        f"{unit} cannot be placed under {new_parent}: that would make a cycle."
    )
    assert fresh("NORTH").parent == org["ORG"]
    assert codes(subtree(fresh("ORG"))) == ALL_CODES


def test_moving_a_unit_under_itself_is_a_cycle(org: dict[str, OrgUnit]) -> None:
    north = fresh("NORTH")

    with pytest.raises(UnitError, match="NORTH cannot be placed under NORTH"):
        unit_update(unit=north, parent=fresh("NORTH"))

    assert fresh("NORTH").parent_id == org["ORG"].pk


def test_moving_a_subtree_rewrites_every_descendant(org: dict[str, OrgUnit]) -> None:
    root, south = org["ORG"], org["SOUTH"]

    unit_update(unit=fresh("NORTH"), parent=fresh("SOUTH"))

    north, ned, nicu = fresh("NORTH"), fresh("N-ED"), fresh("N-ICU")
    assert north.parent == south
    assert (north.path, north.depth) == (expected_path(root, south, north), 2)
    assert (ned.path, ned.depth) == (expected_path(root, south, north, ned), 3)
    assert (nicu.path, nicu.depth) == (expected_path(root, south, north, nicu), 3)
    # Units outside the moved subtree are untouched.
    assert fresh("S-MED").path == expected_path(root, south, org["S-MED"])
    assert codes(subtree(fresh("SOUTH"))) == {"SOUTH", "S-MED", "NORTH", "N-ED", "N-ICU"}
    assert [unit.code for unit in ancestors(ned)] == ["ORG", "SOUTH", "NORTH"]


def test_moving_a_subtree_to_the_top(org: dict[str, OrgUnit]) -> None:
    unit_update(unit=fresh("NORTH"), parent=None)

    north, ned = fresh("NORTH"), fresh("N-ED")
    assert north.parent is None
    assert (north.path, north.depth) == (expected_path(north), 0)
    assert (ned.path, ned.depth) == (expected_path(north, ned), 1)
    assert codes(subtree(fresh("ORG"))) == {"ORG", "SOUTH", "S-MED"}


def test_rename_keeps_the_position(org: dict[str, OrgUnit]) -> None:
    before = fresh("N-ED").path

    unit_update(unit=fresh("N-ED"), name="Emergency (north)")

    ned = fresh("N-ED")
    assert ned.name == "Emergency (north)"
    assert ned.path == before
    assert AuditEntry.objects.filter(action="unit.update").count() == 1


# -- visibility --------------------------------------------------------------------


def test_leader_sees_their_subtree_only(org: dict[str, OrgUnit], alice: Any, bob: Any) -> None:
    assert codes(units_visible_to(user=alice)) == {"NORTH", "N-ED", "N-ICU"}
    assert codes(units_visible_to(user=bob)) == {"SOUTH", "S-MED"}


def test_org_wide_roles_see_everything(org: dict[str, OrgUnit], hr: Any, analyst: Any) -> None:
    assert codes(units_visible_to(user=hr)) == ALL_CODES
    assert codes(units_visible_to(user=analyst)) == ALL_CODES


def test_outsiders_see_nothing(org: dict[str, OrgUnit], charlie: Any) -> None:
    assert list(units_visible_to(user=charlie)) == []
    assert list(units_visible_to(user=AnonymousUser())) == []


def test_leader_of_two_units_sees_both_subtrees_once(org: dict[str, OrgUnit], alice: Any) -> None:
    leadership_assign(user=alice, unit=org["S-MED"])
    leadership_assign(user=alice, unit=org["N-ED"])  # already inside NORTH

    visible = list(units_visible_to(user=alice))
    assert sorted(unit.code for unit in visible) == ["N-ED", "N-ICU", "NORTH", "S-MED"]


@pytest.mark.parametrize(
    ("code", "alice_sees", "bob_sees"),
    [
        ("ORG", False, False),
        ("NORTH", True, False),
        ("N-ED", True, False),
        ("N-ICU", True, False),
        ("SOUTH", False, True),
        ("S-MED", False, True),
    ],
)
def test_unit_visible_to(
    org: dict[str, OrgUnit],
    alice: Any,
    bob: Any,
    hr: Any,
    analyst: Any,
    charlie: Any,
    code: str,
    alice_sees: bool,
    bob_sees: bool,
) -> None:
    unit = org[code]

    assert unit_visible_to(user=alice, unit=unit) is alice_sees
    assert unit_visible_to(user=bob, unit=unit) is bob_sees
    assert unit_visible_to(user=hr, unit=unit) is True
    assert unit_visible_to(user=analyst, unit=unit) is True
    assert unit_visible_to(user=charlie, unit=unit) is False


def test_visibility_follows_a_move(org: dict[str, OrgUnit], alice: Any, bob: Any) -> None:
    unit_update(unit=fresh("N-ICU"), parent=fresh("SOUTH"))

    assert codes(units_visible_to(user=alice)) == {"NORTH", "N-ED"}
    assert codes(units_visible_to(user=bob)) == {"SOUTH", "S-MED", "N-ICU"}
    assert unit_visible_to(user=alice, unit=fresh("N-ICU")) is False
    assert unit_visible_to(user=bob, unit=fresh("N-ICU")) is True


def test_wave_scope_is_the_chosen_units_and_everything_below(
    org: dict[str, OrgUnit], mini_version: Any
) -> None:
    wave = wave_create(
        slug="north-only",
        name="North only",
        instrument_version=mini_version,
        units=[org["NORTH"], org["S-MED"]],
    )

    assert codes(wave_scope(wave)) == {"NORTH", "N-ED", "N-ICU", "S-MED"}


# -- units_import ------------------------------------------------------------------


def rows(*lines: tuple[str, ...]) -> list[UnitRow]:
    """Rows as the CSV reader gives them: the header is line 1."""
    return [UnitRow(number, *values) for number, values in enumerate(lines, start=2)]


def test_import_with_parents_later_in_the_file(db: Any) -> None:
    report = units_import(
        rows=rows(
            ("WARD-1", "Ward 1", "HOSP"),
            ("CLINIC", "Clinic", "WARD-1"),
            ("HOSP", "Hospital", ""),
            ("WARD-2", "Ward 2", "HOSP"),
        )
    )

    assert (report.created, report.updated, report.leaders_assigned) == (4, 0, 0)
    hosp, ward, clinic = fresh("HOSP"), fresh("WARD-1"), fresh("CLINIC")
    assert hosp.parent is None
    assert ward.parent == hosp
    assert clinic.parent == ward
    assert (clinic.path, clinic.depth) == (expected_path(hosp, ward, clinic), 2)
    assert codes(subtree(hosp)) == {"HOSP", "WARD-1", "WARD-2", "CLINIC"}
    assert AuditEntry.objects.filter(action="units.import").count() == 1


def test_import_again_changes_nothing(db: Any) -> None:
    lines = (("HOSP", "Hospital", ""), ("WARD-1", "Ward 1", "HOSP"))
    units_import(rows=rows(*lines))

    report = units_import(rows=rows(*lines))

    assert (report.created, report.updated, report.leaders_assigned) == (0, 0, 0)
    assert OrgUnit.objects.count() == 2


def test_import_renames_and_moves_existing_units(org: dict[str, OrgUnit]) -> None:
    report = units_import(
        rows=rows(("N-ICU", "Intensive care", "SOUTH"), ("NEW", "New unit", "N-ICU"))
    )

    assert (report.created, report.updated) == (1, 1)
    nicu, new = fresh("N-ICU"), fresh("NEW")
    assert nicu.name == "Intensive care"
    assert nicu.parent == org["SOUTH"]
    assert new.path == expected_path(org["ORG"], org["SOUTH"], nicu, new)
    assert new.depth == 3


def test_import_creates_and_assigns_a_new_leader(db: Any, django_user_model: Any) -> None:
    report = units_import(
        rows=rows(("HOSP", "Hospital", ""), ("WARD-1", "Ward 1", "HOSP", "Nina.Leader@Example.org"))
    )

    assert report.leaders_assigned == 1
    nina = django_user_model.objects.get(email="nina.leader@example.org")
    assert not nina.has_usable_password()
    assert codes(units_visible_to(user=nina)) == {"WARD-1"}


def test_import_assigns_an_existing_user_by_email(
    org: dict[str, OrgUnit], alice: Any, django_user_model: Any
) -> None:
    users = django_user_model.objects.count()

    report = units_import(rows=rows(("S-MED", "South medicine", "SOUTH", "ALICE@example.org")))

    assert report.leaders_assigned == 1
    assert django_user_model.objects.count() == users
    assert Leadership.objects.filter(user=alice, unit=org["S-MED"]).exists()
    assert "S-MED" in codes(units_visible_to(user=alice))

    again = units_import(rows=rows(("S-MED", "South medicine", "SOUTH", "alice@example.org")))
    assert again.leaders_assigned == 0


def assert_rejected(lines: list[UnitRow], expected: list[str]) -> None:
    """The import fails with exactly these errors and writes nothing at all."""
    units, audits = OrgUnit.objects.count(), AuditEntry.objects.count()
    leaderships = Leadership.objects.count()

    with pytest.raises(RowErrors) as raised:
        units_import(rows=lines)

    assert raised.value.errors == expected
    assert OrgUnit.objects.count() == units
    assert AuditEntry.objects.count() == audits
    assert Leadership.objects.count() == leaderships


def test_import_rejects_a_duplicate_code(org: dict[str, OrgUnit]) -> None:
    assert_rejected(
        rows(("HOSP", "Hospital", ""), ("WARD", "Ward", "HOSP"), ("HOSP", "Hospital again", "")),
        ["line 4: duplicate code HOSP (first on line 2)"],
    )


def test_import_rejects_an_unknown_parent(org: dict[str, OrgUnit]) -> None:
    assert_rejected(
        rows(("HOSP", "Hospital", "ORG"), ("WARD", "Ward", "NOWHERE")),
        ["line 3: unknown parent_code NOWHERE"],
    )


def test_import_rejects_an_empty_name(org: dict[str, OrgUnit]) -> None:
    assert_rejected(
        rows(("HOSP", "Hospital", "ORG"), ("WARD", "", "HOSP")),
        ["line 3: name is empty"],
    )


def test_import_rejects_an_invalid_code(org: dict[str, OrgUnit]) -> None:
    assert_rejected(
        rows(("bad code", "Hospital", "ORG"), ("", "Nameless code", "ORG")),
        [
            "line 2: Use 1–40 letters, digits, dots, dashes or underscores, "
            "starting with a letter or digit.",
            "line 3: code is empty",
        ],
    )


@pytest.mark.parametrize("email", ["not-an-address", "nina@", "nina leader@example.org"])
def test_import_rejects_a_bad_leader_email(org: dict[str, OrgUnit], email: str) -> None:
    assert_rejected(
        rows(("HOSP", "Hospital", "ORG", email)),
        [f"line 2: leader_email {email} is not an e-mail address"],
    )


@pytest.mark.parametrize("code", ["NEW", "NORTH"])
def test_import_rejects_an_overlong_name(org: dict[str, OrgUnit], code: str) -> None:
    # A new unit and a rename alike: reported by line, not a crash half-way through.
    assert_rejected(
        rows(("OK", "Fine", "ORG"), (code, "n" * 201, "ORG")),
        ["line 3: name is longer than 200 characters"],
    )
    assert fresh("NORTH").name == "North"


def test_import_accepts_a_name_of_exactly_200_characters(org: dict[str, OrgUnit]) -> None:
    units_import(rows=rows(("NEW", "n" * 200, "ORG")))

    assert fresh("NEW").name == "n" * 200


def test_import_rejects_a_cycle_inside_the_file(db: Any) -> None:
    assert_rejected(
        rows(("ROOT", "Root", ""), ("A", "A", "B"), ("B", "B", "A")),
        [
            "line 3: A would be its own ancestor (a cycle)",
            "line 4: B would be its own ancestor (a cycle)",
        ],
    )


def test_import_rejects_a_cycle_through_existing_units(org: dict[str, OrgUnit]) -> None:
    # N-ED is already below NORTH; putting NORTH below N-ED closes a loop.
    assert_rejected(
        rows(("NORTH", "North", "N-ED")),
        ["line 2: NORTH would be its own ancestor (a cycle)"],
    )
    assert fresh("NORTH").parent == org["ORG"]


def test_import_reports_every_bad_line_at_once(org: dict[str, OrgUnit]) -> None:
    assert_rejected(
        rows(
            ("GOOD", "Good", "ORG"),
            ("EMPTY", "", "ORG"),
            ("GOOD", "Good twice", "ORG"),
            ("ORPHAN", "Orphan", "MISSING"),
        ),
        [
            "line 3: name is empty",
            "line 4: duplicate code GOOD (first on line 2)",
            "line 5: unknown parent_code MISSING",
        ],
    )
