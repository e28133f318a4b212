#!/usr/bin/env python
"""Report speed at scale: the full organization report and one leader's subtree report.

Builds a synthetic wave in its own database (bulk insert, not through HTTP),
then measures in a fresh process so peak memory is the report's own:

    python bench/report_bench.py --responses 200000 --units 500
    python bench/report_bench.py --curve            # 10k, 100k, 200k and 1M
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/continuum_bench python bench/report_bench.py ...

Prints the figures, then one JSON line:
{"responses": N, "units": U, "full_report_s": ..., "leader_report_s": ..., "peak_rss_mb": ...}
full_report_s: nothing stored or cached (every response is read). leader_report_s: a
leader's first report in a new server process, with the wave's statistics stored at
release (the warm-up task); also printed: warm (in memory) and "nothing stored".
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url
    return f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"


def prepare_database(url: str) -> None:
    """A fresh, migrated database for the bench (never the project's own)."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        import psycopg

        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DATABASE_URL": url},
    )


def build(responses: int, units: int, seed: int) -> None:
    import django

    django.setup()
    import numpy as np

    from surveys.models import Wave
    from surveys.services.instruments import default_instrument_version
    from surveys.services.synthetic import responses_create_synthetic
    from surveys.services.units import unit_create
    from surveys.services.waves import wave_create

    rng = np.random.default_rng(seed)
    created = [unit_create(code="U0", name="Organization")]
    # Four levels: ~2% divisions, ~18% programs, the rest teams.
    divisions = max(1, units // 50)
    programs = max(1, units // 6)
    for index in range(1, units):
        if index <= divisions:
            parent = created[0]
        elif index <= divisions + programs:
            parent = created[1 + int(rng.integers(divisions))]
        else:
            parent = created[1 + divisions + int(rng.integers(programs))]
        created.append(unit_create(code=f"U{index}", name=f"Unit {index}", parent=parent))
    version = default_instrument_version()
    wave = wave_create(
        slug="bench", name="Bench wave", instrument_version=version, units=[created[0]]
    )
    Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.OPEN)
    # Most people sit in teams, a few directly in divisions and programs.
    weights = np.array([0.2 if unit.depth < 3 else 1.0 for unit in created]) * rng.uniform(
        0.3, 1.7, units
    )
    counts = rng.multinomial(responses, weights / weights.sum())
    strain = rng.normal(0, 0.4, units)
    started = time.perf_counter()
    for start in range(0, units, 50):  # bounded memory: 50 units at a time
        stop = min(start + 50, units)
        responses_create_synthetic(
            wave=wave,
            units=created[start:stop],
            counts=counts[start:stop].tolist(),
            strain=strain[start:stop].tolist(),
            rng=rng,
            comment_rate=0.0,
        )
    # Closing would also rewrite storage (the scrub); the bench measures reports only.
    Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.RELEASED)
    print(
        f"built {responses:,} responses in {units} units in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


def measure(leader_unit: str | None) -> dict[str, float]:
    import django

    django.setup()
    from reports import stats
    from reports.aggregation import wave_report
    from reports.exporters import TidyExporter
    from reports.models import WaveStatsCache
    from reports.viewers import Viewer, leader_of
    from surveys.models import OrgUnit, Wave

    wave = Wave.objects.select_related("instrument_version").get(slug="bench")

    def touch(report: object) -> int:
        """Materialize what the report page shows: every unit's participation, domain
        means and band profile (heatmap rows and continuum profiles), and the focus
        unit's item distributions. Exports of every item of every unit stream separately."""
        cells = 0
        for unit in report.units:  # type: ignore[attr-defined]
            cells += 2 + sum(1 + len(d.bands) for d in unit.domains)
            unit.respondents, unit.response_rate  # noqa: B018
        cells += sum(len(item.options) for item in report.focus.items)  # type: ignore[attr-defined]
        return cells

    def timed(viewer: Viewer, unit: OrgUnit | None) -> tuple[float, int]:
        started = time.perf_counter()
        report = wave_report(wave=wave, viewer=viewer, unit=unit)
        cells = touch(report)
        return time.perf_counter() - started, cells

    # A program-level leader: a unit with a handful of teams below it.
    unit = (
        OrgUnit.objects.get(code=leader_unit)
        if leader_unit
        else OrgUnit.objects.filter(depth=2).order_by("code").first()
    )

    def forget_everything() -> None:
        WaveStatsCache.objects.all().delete()
        stats.clear_cache()

    # Warm the process itself (connection, first queries) outside the timings.
    leader_of(unit), wave_report
    list(OrgUnit.objects.values_list("pk", flat=True)[:1])
    # Full report from nothing: every response read, statistics stored.
    forget_everything()
    full_cold, cells = timed(Viewer("hr"), None)
    full_warm, _ = timed(Viewer("hr"), None)
    started = time.perf_counter()
    buffer = io.StringIO()
    TidyExporter(wave_report(wave=wave, viewer=Viewer("hr"))).write_csv(buffer)
    export_s = time.perf_counter() - started
    export_rows = buffer.getvalue().count("\n") - 1
    # A leader's first report in a fresh process: statistics were stored when the
    # wave was released (the warm-up task), nothing is cached in memory.
    stats.clear_cache()
    leader_new_process, leader_cells = timed(leader_of(unit), unit)
    leader_warm, _ = timed(leader_of(unit), unit)
    # Worst case: nothing stored anywhere (the very first report of a wave version).
    forget_everything()
    leader_uncached, _ = timed(leader_of(unit), unit)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "full_report_s": round(full_cold, 3),
        "full_report_warm_s": round(full_warm, 3),
        "leader_report_s": round(leader_new_process, 3),
        "leader_report_warm_s": round(leader_warm, 3),
        "leader_report_uncached_s": round(leader_uncached, 3),
        "peak_rss_mb": round(peak, 1),
        "cells_full": cells,
        "full_export_csv_s": round(export_s, 3),
        "full_export_rows": export_rows,
        "cells_leader": leader_cells,
        "leader_unit": unit.code,
    }


def run(responses: int, units: int, seed: int) -> dict[str, object]:
    url = database_url()
    env = {**os.environ, "DATABASE_URL": url}
    prepare_database(url)
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--build-only",
            "--responses",
            str(responses),
            "--units",
            str(units),
            "--seed",
            str(seed),
        ],
        check=True,
        env=env,
    )
    output = subprocess.run(
        [sys.executable, __file__, "--measure-only"],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    engine = "postgresql" if url.startswith("postgres") else "sqlite"
    return {"responses": responses, "units": units, "database": engine, **figures}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--curve", action="store_true", help="run 10k, 100k, 200k and 1M responses")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--leader-unit", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        build(args.responses, args.units, args.seed)
        return
    if args.measure_only:
        print(json.dumps(measure(args.leader_unit)))
        return
    sizes = [10_000, 100_000, 200_000, 1_000_000] if args.curve else [args.responses]
    results = []
    for size in sizes:
        result = run(size, args.units, args.seed)
        results.append(result)
        print(
            f"{result['database']}: {size:>9,} responses, {args.units} units: "
            f"full report {result['full_report_s']:.3f} s cold / "
            f"{result['full_report_warm_s']:.3f} s warm; "
            f"leader ({result['leader_unit']}) {result['leader_report_s']:.3f} s new process / "
            f"{result['leader_report_warm_s']:.3f} s warm / "
            f"{result['leader_report_uncached_s']:.3f} s nothing stored; "
            f"peak {result['peak_rss_mb']:.0f} MB",
            flush=True,
        )
    keys = ("responses", "units", "full_report_s", "leader_report_s", "peak_rss_mb")
    for result in results:
        print(
            json.dumps(
                {key: result[key] for key in keys}
                | {k: v for k, v in result.items() if k not in keys}
            )
        )


if __name__ == "__main__":
    main()
