"""Importing instrument definitions as immutable-once-used versions."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from surveys.audit import audit
from surveys.instruments.definition import (
    InstrumentError,
    definition_checksum,
    load_definition,
    parse_definition_text,
)
from surveys.models import Instrument, InstrumentVersion

DEFAULT_DEFINITION = (
    Path(__file__).resolve().parent.parent / "instruments" / "data" / "continuum-v1.json"
)


class InstrumentInUse(InstrumentError):
    pass


@transaction.atomic
def instrument_version_import(
    *, document: Mapping[str, Any], by: object = None
) -> InstrumentVersion:
    """Validate and store a definition. Re-importing identical content is a no-op.

    A version already used by a wave that has opened can never change: import
    the next version number instead.
    """
    definition = load_definition(document)
    checksum = definition_checksum(document)
    instrument, _created = Instrument.objects.get_or_create(
        code=definition.code, defaults={"name": definition.title.en}
    )
    existing = (
        InstrumentVersion.objects.select_for_update()
        .filter(instrument=instrument, version=definition.version)
        .first()
    )
    if existing is not None:
        if existing.checksum == checksum:
            return existing
        if existing.is_in_use:
            raise InstrumentInUse(
                [
                    _(
                        "%(code)s version %(version)s is used by a wave that has opened and cannot "
                        "change; import it as version %(next)s instead."
                    )
                    % {
                        "code": definition.code,
                        "version": definition.version,
                        "next": definition.version + 1,
                    }
                ]
            )
        existing.definition = dict(document)
        existing.checksum = checksum
        existing.save(update_fields=["definition", "checksum"])
        audit(by, "instrument.replace", existing)
        return existing
    version = InstrumentVersion.objects.create(
        instrument=instrument,
        version=definition.version,
        definition=dict(document),
        checksum=checksum,
    )
    instrument.name = definition.title.en
    instrument.save(update_fields=["name"])
    audit(by, "instrument.import", version)
    return version


def instrument_version_import_text(*, raw: str | bytes, by: object = None) -> InstrumentVersion:
    return instrument_version_import(document=parse_definition_text(raw), by=by)


def default_instrument_version(*, by: object = None) -> InstrumentVersion:
    """The project's own default instrument, imported on first use."""
    return instrument_version_import_text(raw=DEFAULT_DEFINITION.read_bytes(), by=by)
