#!/usr/bin/env python
"""Fill or correct French translations from a JSON object {msgid: msgstr}; clears fuzzy flags.

.venv/bin/python bin/po_fill.py translations.json    # then: make messages
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def main() -> int:
    mapping = json.loads(Path(sys.argv[1]).read_text())
    po = polib.pofile(str(CATALOGUE), wrapwidth=79)
    done = 0
    for entry in po:
        if entry.msgid in mapping:
            value = mapping[entry.msgid]
            if entry.msgid_plural:
                forms = value if isinstance(value, list) else [value, value]
                entry.msgstr_plural = {0: forms[0], 1: forms[1]}
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = None
            done += 1
    po.save()
    missing = sorted(set(mapping) - {entry.msgid for entry in po})
    print(f"filled {done} entries" + (f"; not in the catalogue: {missing}" if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
