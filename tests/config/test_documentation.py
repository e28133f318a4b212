"""Every setting read from the environment is documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _variables(path: Path) -> set[str]:
    text = path.read_text()
    found = set(re.findall(r"env_(?:str|int|bool|list)\(\s*\"([A-Z0-9_]+)\"", text))
    found |= set(re.findall(r"os\.environ\.get\(\s*\"([A-Z0-9_]+)\"", text))
    return found


def test_every_environment_variable_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    sources = [*(ROOT / "config" / "settings").glob("*.py"), ROOT / "config" / "gunicorn.py"]
    variables = set().union(*(_variables(path) for path in sources)) - {"DJANGO_SETTINGS_MODULE"}
    assert variables, "no environment variables found: the scan is broken"
    missing = sorted(name for name in variables if f"`{name}`" not in readme)
    assert not missing, f"document these in README.md's configuration table: {missing}"
