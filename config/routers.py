"""Database routing: report reads may go to a PostgreSQL read replica.

Only reads made inside `reporting_reads()` (the aggregation gate wraps its
work in it) are routed there, and only when REPORTS_READ_FROM_REPLICA is on.
Everything else, including every write and every read that must see a
write just made (submissions, invitations, drafts), stays on the primary, so
replication lag can only make a report a few seconds old, never wrong.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings

REPLICA = "replica"
_reporting = contextvars.ContextVar("continuum_reporting_reads", default=False)


@contextmanager
def reporting_reads() -> Iterator[None]:
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


Function = TypeVar("Function", bound=Callable[..., Any])


def reporting(function: Function) -> Function:
    """Run a report-building function with its reads routed as report reads."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with reporting_reads():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def reports_alias() -> str:
    """The database alias report reads use right now."""
    wanted = _reporting.get() and getattr(settings, "REPORTS_READ_FROM_REPLICA", False)
    return REPLICA if wanted and REPLICA in settings.DATABASES else "default"


class ReportsReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        alias = reports_alias()
        return alias if alias != "default" else None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return None  # always the primary

    def allow_relation(self, first: Any, second: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA  # the replica gets its schema by replication
