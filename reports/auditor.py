"""The independent privacy auditor: placeholder until the auditor lands.

The real module is being written on main; the lead replaces this file at
merge. Both functions return a list of exposures (empty means "nothing to
object to"), which is what `export_report` and the report exports expect.
"""

from __future__ import annotations

from typing import Any


# placeholder until the auditor lands
def audit_published(report: Any) -> list[str]:
    return []


# placeholder until the auditor lands
def audit_union(wave: Any, reports: Any) -> list[str]:
    return []
