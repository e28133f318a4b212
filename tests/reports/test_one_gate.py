"""One gate (PRODUCT.md invariant 4): nothing reads responses or comments around it.

Scans the application code (not tests, not migrations) for every way Django
offers to read the `Response` and `Comment` tables: their managers, the
`responses` / `comments` relations of waves and units (attributes and query
lookups), `apps.get_model`, and raw SQL naming their tables. Only the modules
below may, each for the reason given. Templates are scanned for the relations
too, since a template can walk `wave.responses` as easily as a view.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("accounts", "surveys", "reports", "config")
ALLOWED = {
    "surveys/services/responses.py": "stores, withdraws and scrubs responses (writes only)",
    "surveys/services/synthetic.py": "bulk-writes synthetic responses for the demo and bench",
    "surveys/services/paper.py": "writes paper responses through response_submit",
    "reports/stats.py": "the gate's only reader of response rows",
    "reports/aggregation.py": "reads comments, after the comment threshold check",
    "reports/auditor.py": "independent verification of what the gate published",
}
MODELS = {"Response", "Comment"}
RELATIONS = {"responses", "comments"}
LOOKUP = re.compile(r"(^|__)(responses|comments)(__|$)")
TABLES = re.compile(r"surveys_(response|comment)\b", re.IGNORECASE)
MANAGERS = {"objects", "_default_manager", "_base_manager"}
# Calls whose string arguments and keyword names are query lookups through relations.
LOOKUP_CALLS = {
    "filter",
    "exclude",
    "get",
    "annotate",
    "aggregate",
    "alias",
    "values",
    "values_list",
    "order_by",
    "distinct",
    "only",
    "defer",
    "select_related",
    "prefetch_related",
    "Prefetch",
    "Count",
    "Sum",
    "Avg",
    "Min",
    "Max",
    "StdDev",
    "Variance",
    "ArrayAgg",
    "StringAgg",
    "F",
    "Q",
    "Exists",
    "FilteredRelation",
    "get_or_create",
    "update_or_create",
    "dates",
}


def application_files() -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def reads_around_the_gate(source: str) -> list[tuple[int, str]]:
    """(line, what) for every way this source reads responses or comments."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Attribute):
            if node.attr in MANAGERS and _name(node.value) in MODELS:
                found.append((line, f"{_name(node.value)}.{node.attr}"))
            elif isinstance(node.value, ast.Attribute) and node.value.attr in RELATIONS:
                found.append((line, f".{node.value.attr}.{node.attr} (the related manager)"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings and TABLES.search(node.value):
                found.append((line, f"raw SQL on {TABLES.search(node.value).group(0)}"))
        elif isinstance(node, ast.Call) and _name(node.func) in LOOKUP_CALLS:
            for argument in node.args:
                if (
                    isinstance(argument, ast.Constant)
                    and isinstance(argument.value, str)
                    and LOOKUP.search(argument.value)
                ):
                    found.append((line, f"lookup {argument.value!r} in {_name(node.func)}()"))
            for keyword in node.keywords:
                if keyword.arg and LOOKUP.search(keyword.arg):
                    found.append((line, f"lookup {keyword.arg}= in {_name(node.func)}()"))
        elif isinstance(node, ast.Call) and _name(node.func) == "get_model":
            names = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if any(str(name).split(".")[-1] in MODELS for name in names):
                found.append((line, "apps.get_model of Response or Comment"))
    return sorted(found)


def test_nothing_reads_responses_around_the_gate() -> None:
    problems = []
    for path in application_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative in ALLOWED:
            continue
        for line, what in reads_around_the_gate(path.read_text(encoding="utf-8")):
            problems.append(f"{relative}:{line}: {what}")
    assert not problems, (
        "Reads of responses or comments outside the gate (use reports.aggregation.wave_report, "
        "or add the module to ALLOWED with its reason):\n" + "\n".join(problems)
    )


def test_templates_do_not_walk_to_responses() -> None:
    pattern = re.compile(r"\.(responses|comments)\.")
    problems = []
    for folder in [ROOT / "templates", *(ROOT / p / "templates" for p in PACKAGES)]:
        for path in sorted(folder.rglob("*.html")) if folder.exists() else []:
            for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(text):
                    problems.append(f"{path.relative_to(ROOT).as_posix()}:{number}: {text.strip()}")
    assert not problems, "Templates reading responses or comments:\n" + "\n".join(problems)


def test_allowed_modules_exist() -> None:
    """An allowlist entry for a module that is gone would silently allow its successor."""
    assert [name for name in ALLOWED if not (ROOT / name).exists()] == []


def imports_of(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def test_views_and_exporters_do_not_use_the_statistics() -> None:
    """Views and exporters get figures only from the gate, never the raw statistics."""
    reports = ROOT / "reports"
    modules = sorted(
        {*reports.glob("views*.py"), *reports.glob("views/**/*.py"), reports / "exporters.py"}
    )
    problems = [
        f"{path.relative_to(ROOT).as_posix()}:{line}: imports {name}"
        for path in modules
        for line, name in imports_of(path.read_text(encoding="utf-8"))
        if name == "reports.stats" or name.startswith("reports.stats.")
    ]
    assert not problems, "\n".join(problems)


def test_the_auditor_is_independent_of_the_gate() -> None:
    """The auditor may read the gate's output types, never use its machinery."""
    gate = {"reports.stats", "reports.suppression", "reports.tree", "reports.aggregation"}
    output_types = {"WaveReport", "Figure", "HIDDEN"}
    source = (ROOT / "reports" / "auditor.py").read_text(encoding="utf-8")
    used = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            used += [(node.lineno, a.name) for a in node.names if a.name in gate]
        elif isinstance(node, ast.ImportFrom) and node.module == "reports.aggregation":
            used += [(node.lineno, a.name) for a in node.names if a.name not in output_types]
        elif isinstance(node, ast.ImportFrom) and node.module in gate:
            used.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.module == "reports":
            used += [(node.lineno, a.name) for a in node.names if f"reports.{a.name}" in gate]
    assert not used, f"reports/auditor.py uses the gate's own code: {used}"


# -- the scanner itself can fail --------------------------------------------------------
@pytest.mark.parametrize(
    "source",
    [
        "from surveys.models import Response\nrows = Response.objects.filter(wave=w)\n",
        "import surveys.models as m\nm.Comment.objects.all()\n",
        "count = wave.responses.count()\n",
        "texts = unit.comments.values_list('text')\n",
        "OrgUnit.objects.annotate(n=Count('responses'))\n",
        "Wave.objects.filter(responses__unit=u)\n",
        "OrgUnit.objects.values('comments__text')\n",
        "cursor.execute('SELECT answers FROM surveys_response')\n",
        "apps.get_model('surveys', 'Response')\n",
        "Response._default_manager.all()\n",
    ],
)
def test_the_scanner_finds(source: str) -> None:
    assert reads_around_the_gate(source)


def test_the_scanner_ignores_docstrings_and_other_names() -> None:
    source = '''"""Talks about Response.objects and surveys_response."""\n
def f():
    """wave.responses is read by the gate only."""
    response_submit(wave=wave, answers=answers, comments=comments)
    return HttpResponse("ok"), len(report.comments), self.comment_text, "comments"
'''
    assert reads_around_the_gate(source) == []


def test_the_import_check_finds_the_statistics() -> None:
    assert imports_of("from reports import stats\n") == [(1, "reports"), (1, "reports.stats")]
    assert (1, "reports.stats") in imports_of("import reports.stats\n")
