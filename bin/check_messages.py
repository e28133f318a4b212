#!/usr/bin/env python
"""Fail when French is incomplete: untranslated or fuzzy strings, or a stale compiled catalogue.

Runs makemessages so strings added to code or templates but never extracted
count as untranslated too. Needs GNU gettext (msgattrib, msgfmt).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))
IGNORES = [
    "--ignore=.venv/*",
    "--ignore=var/*",
    "--ignore=tests/*",
    "--ignore=bench/*",
    "--ignore=bin/*",
]


def run(*args: str) -> str:
    return subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def main() -> int:
    problems: list[str] = []
    for po in CATALOGUES:
        mo = po.with_suffix(".mo")
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / "fresh.mo"
            run("msgfmt", "--check", "-o", str(fresh), str(po))
            if not mo.exists() or mo.read_bytes() != fresh.read_bytes():
                problems.append(f"{mo.relative_to(ROOT)} is stale: run `make messages`")
    env = {**os.environ, "DEBUG": "1"}
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-a",
            "--no-obsolete",
            "--no-location",
            *IGNORES,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env=env,
    )
    for po in CATALOGUES:
        stats = subprocess.run(
            ["msgfmt", "--statistics", "-o", os.devnull, str(po)],
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        if "fuzzy" in stats or "untranslated" in stats:
            problems.append(f"{po.relative_to(ROOT)}: {stats.strip()}")
            for flag in ("--untranslated", "--only-fuzzy"):
                listing = run("msgattrib", flag, "--no-obsolete", "--no-wrap", str(po))
                problems.extend(
                    f"  {line}"
                    for line in listing.splitlines()
                    if line.startswith("msgid ") and line != 'msgid ""'
                )
    if problems:
        print("French translations are incomplete:", *problems, sep="\n  ")
        return 1
    print(f"Translations complete in {len(CATALOGUES)} catalogue(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
