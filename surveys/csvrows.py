"""Reading batch CSV files (units, rosters, paper responses) with line numbers.

Imports are all-or-nothing; every bad line is reported by its number, so an
HR admin can fix the file in one pass.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

MAX_IMPORT_BYTES = 50 * 1024 * 1024


class RowErrors(ValueError):
    """A batch was rejected as a whole; `errors` lists each problem with its line number."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


def read_csv(
    source: IO[str] | IO[bytes] | str | bytes,
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    allow_extra: bool = False,
) -> list[CsvRow]:
    """Parse a CSV file with a header row; raise `RowErrors` for header problems."""
    if isinstance(source, bytes):
        text = _decode(source)
    elif isinstance(source, str):
        text = source
    else:
        raw = source.read()
        text = _decode(raw) if isinstance(raw, bytes) else raw
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if not header:
        raise RowErrors([_("line 1: the file is empty; expected a header row")])
    reader.fieldnames = header
    missing = [column for column in required if column not in header]
    errors = []
    if missing:
        errors.append(_("line 1: missing column(s): %(columns)s") % {"columns": ", ".join(missing)})
    duplicated = sorted({column for column in header if header.count(column) > 1})
    if duplicated:
        errors.append(
            _("line 1: duplicated column(s): %(columns)s") % {"columns": ", ".join(duplicated)}
        )
    if not allow_extra:
        unknown = [c for c in header if c not in required and c not in optional]
        if unknown:
            errors.append(
                _("line 1: unknown column(s): %(columns)s") % {"columns": ", ".join(unknown)}
            )
    if errors:
        raise RowErrors(errors)
    return list(_rows(reader))


def _rows(reader: csv.DictReader) -> Iterator[CsvRow]:
    for record in reader:
        if None in record:  # more fields than the header
            yield CsvRow(
                reader.line_num, {"__extra__": "1", **{k: v for k, v in record.items() if k}}
            )
            continue
        values = {key: (value or "") for key, value in record.items()}
        if not any(value.strip() for value in values.values()):
            continue  # blank line
        yield CsvRow(reader.line_num, values)


def _decode(raw: bytes) -> str:
    if len(raw) > MAX_IMPORT_BYTES:
        raise RowErrors([_("the file is larger than 50 MB")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RowErrors(
            [_("the file is not UTF-8 text; save it as CSV UTF-8 and try again")]
        ) from None
