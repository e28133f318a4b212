#!/usr/bin/env python
"""Load: virtual staff walk the real survey pages through gunicorn on PostgreSQL.

    python bench/load.py                      # 30 s, 4 gunicorn workers, 16 virtual staff
    python bench/load.py --duration 60 --workers 5 --staff 24
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/continuum_load python bench/load.py

What it does:
1. A fresh PostgreSQL database (never the project's own), migrated, with one open
   wave of the default instrument (8 section pages), 40 units and one invitation
   per journey it may need; the tokens live only in this process.
2. `collectstatic`, then gunicorn with the project's `config/gunicorn.py`, production
   settings (DEBUG off) on plain HTTP (no TLS redirect), persistent database connections.
3. Virtual staff, each a thread in one of a few client processes, walk a whole
   journey like a browser without assets: the invitation link, the welcome page,
   "Start", every section page (GET, then POST with an answer picked at random for
   each question, CSRF token included), the submission and the private result.
   A journey counts as a submission when its result page came back.
4. Prints requests/s, submissions/s, p50/p95/max per page, the CPU time per
   submission spent by gunicorn, PostgreSQL and the load generator itself (they
   share the machine's cores), then one JSON line:
   {"submissions_per_s": ..., "p95_ms": ..., "errors": ...}
   p95_ms is over every request of the measured window.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from report_bench import prepare_database

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SLUG = "load"
SECRET_KEY = "continuum-load-bench-" + "x" * 40
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/continuum_load"

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_INPUT = re.compile(r"<input\b[^>]*>")
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


# -- the server side ----------------------------------------------------------------
def server_env(url: str, workers: int, threads: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": url,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on the loopback: no TLS redirect, no HSTS (a proxy does TLS in production).
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "CONN_MAX_AGE": "60",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
        "GUNICORN_ACCESS_LOG": str(ROOT / "var" / "load-access.log"),
        "GUNICORN_MAX_REQUESTS": "0",
    }


def seed(url: str, invitations: int) -> list[str]:
    """An open wave of the default instrument over 40 units; returns the invitation tokens."""
    os.environ["DATABASE_URL"] = url
    os.environ["SECRET_KEY"] = SECRET_KEY
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from surveys.models import Invitation, Wave
    from surveys.services.instruments import default_instrument_version
    from surveys.services.units import unit_create
    from surveys.services.waves import wave_create
    from surveys.tokens import new_token, token_hash

    top = unit_create(code="ORG", name="Load Health")
    teams = [unit_create(code=f"T{n:02d}", name=f"Team {n}", parent=top) for n in range(40)]
    wave = wave_create(
        slug=SLUG, name="Load wave", instrument_version=default_instrument_version(), units=[top]
    )
    Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.OPEN)
    tokens = [new_token() for _ in range(invitations)]
    Invitation.objects.bulk_create(
        (
            Invitation(wave=wave, unit=teams[index % len(teams)], token_hash=token_hash(token))
            for index, token in enumerate(tokens)
        ),
        batch_size=5000,
    )
    from django.db import connections

    connections.close_all()
    return tokens


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(env: dict[str, str]) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(ROOT / "var" / "load-gunicorn.log", "wb"),  # noqa: SIM115
    )
    host, port = env["GUNICORN_BIND"].split(":")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}); see var/load-gunicorn.log")
        try:
            connection = http.client.HTTPConnection(host, int(port), timeout=5)
            connection.request("GET", "/s/support/")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not answer within 60 s; see var/load-gunicorn.log")


# -- CPU accounting from /proc ------------------------------------------------------
_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> tuple[str, int, float]:
    """(command name, parent pid, user + system seconds) of a process."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def cpu_by_group(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of gunicorn (master and workers) and of every postgres process."""
    totals: dict[str, float] = defaultdict(float)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, parent, seconds = _proc_cpu(int(entry.name))
        except (OSError, ValueError):
            continue
        if int(entry.name) == server_pid or parent == server_pid:
            totals["gunicorn"] += seconds
        elif name.startswith("postgres"):
            totals["postgres"] += seconds
    return totals


# -- the virtual staff --------------------------------------------------------------
@dataclass
class Browser:
    """Cookies and one request at a time, like a browser tab without assets."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for header in response.msg.get_all("Set-Cookie") or []:
                pair, _, attributes = header.partition(";")
                name, _, value = pair.strip().partition("=")
                if "max-age=0" in attributes.lower() or "1970" in attributes:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value.strip('"') if value.startswith('"') else value
            return response.status, response.getheader("Location") or "", text
        finally:
            connection.close()


def answers_for(html: str, rng: random.Random) -> dict[str, str]:
    """A random answer for each question of a section page, as a person would click."""
    options: dict[str, list[str]] = defaultdict(list)
    boxes: dict[str, list[str]] = defaultdict(list)
    for tag in _INPUT.findall(html):
        attributes = dict(_ATTR.findall(tag))
        kind, name = attributes.get("type"), attributes.get("name", "")
        if kind == "radio":
            options[name].append(attributes.get("value", ""))
        elif kind == "checkbox":
            boxes[name].append(attributes.get("value", ""))
    form = {name: rng.choice(values) for name, values in options.items()}
    for name, values in boxes.items():
        form[name] = rng.choice(values)
    return form


class Failed(Exception):
    pass


def journey(
    browser: Browser, token: str, rng: random.Random, record: list[tuple[float, str, float]]
) -> None:
    """One person from the invitation link to the private result; raises Failed on an error."""

    def step(label: str, method: str, path: str, expect: int, form: dict[str, str] | None = None):
        started = time.perf_counter()
        status, location, text = browser.request(method, path, form)
        record.append((started, label, time.perf_counter() - started))
        if status != expect:
            raise Failed(f"{label} {method} {path}: HTTP {status}")
        return location, text

    location, _ = step("entry", "GET", f"/s/i/{token}/", 302)
    _, text = step("welcome", "GET", location, 200)
    csrf = _CSRF.search(text)
    if csrf is None:
        raise Failed("welcome: no CSRF token")
    location, _ = step("start", "POST", f"/s/{SLUG}/start/", 302, {"csrfmiddlewaretoken": csrf[1]})
    while "/page/" in location:
        path = location
        _, text = step("page GET", "GET", path, 200)
        csrf = _CSRF.search(text)
        if csrf is None:
            raise Failed(f"{path}: no CSRF token")
        last = 'value="submit"' in text
        form = {"csrfmiddlewaretoken": csrf[1], **answers_for(text, rng)}
        form["action"] = "submit" if last else "next"
        location, _ = step("submit" if last else "page POST", "POST", path, 302, form)
    if not location.endswith("/result/"):
        raise Failed(f"after the last page: {location}")
    _, text = step("result", "GET", location, 200)
    if "Your private result" not in text:
        raise Failed("result page without a result")


def client_process(
    host: str,
    port: int,
    tokens: list[str],
    threads: int,
    stop_at: float,
    out: multiprocessing.Queue,
) -> None:
    """Run `threads` virtual staff until `stop_at`; report every request and journey."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lock = threading.Lock()
    pending = list(tokens)
    records: list[tuple[float, str, float]] = []
    finished: list[float] = []
    errors: list[str] = []

    def person(seed: int) -> None:
        rng = random.Random(seed)
        local: list[tuple[float, str, float]] = []
        while time.time() < stop_at:
            with lock:
                if not pending:
                    break
                token = pending.pop()
            try:
                journey(Browser(host, port), token, rng, local)
            except (Failed, OSError, http.client.HTTPException) as error:
                errors.append(str(error))
                continue
            finished.append(time.perf_counter())
        with lock:
            records.extend(local)

    workers = [threading.Thread(target=person, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    usage = os.times()
    out.put(
        {
            "records": records,
            "finished": finished,
            "errors": errors,
            "cpu": usage.user + usage.system,
        }
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds not measured")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--staff", type=int, default=16, help="virtual staff walking at once")
    parser.add_argument("--clients", type=int, default=2, help="load generator processes")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("bench/load.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    (ROOT / "var").mkdir(exist_ok=True)
    env = server_env(url, args.workers, args.threads)
    port = free_port()
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    prepare_database(url)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    # Enough invitations for a journey every 5 ms for the whole run.
    tokens = seed(url, int((args.duration + args.warmup) * 200) + 1000)
    server = start_gunicorn(env)
    try:
        begin = time.time()
        stop_at = begin + args.warmup + args.duration
        cpu_before = cpu_by_group(server.pid)
        queue: multiprocessing.Queue = multiprocessing.Queue()
        share = len(tokens) // args.clients
        per_client = max(1, args.staff // args.clients)
        clients = [
            multiprocessing.Process(
                target=client_process,
                args=(
                    "127.0.0.1",
                    port,
                    tokens[n * share : (n + 1) * share],
                    per_client,
                    stop_at,
                    queue,
                ),
            )
            for n in range(args.clients)
        ]
        window_start = time.perf_counter() + args.warmup
        window_end = window_start + args.duration
        for client in clients:
            client.start()
        results = [queue.get() for _ in clients]
        for client in clients:
            client.join()
        cpu_after = cpu_by_group(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    records = [r for result in results for r in result["records"]]
    measured = [r for r in records if window_start <= r[0] < window_end]
    done = sum(
        1 for result in results for t in result["finished"] if window_start <= t < window_end
    )
    errors = [e for result in results for e in result["errors"]]
    elapsed = time.time() - begin
    per_page: dict[str, list[float]] = defaultdict(list)
    for _started, label, seconds in measured:
        per_page[label].append(seconds * 1000)
    all_ms = [seconds * 1000 for _s, _l, seconds in measured]
    rate = done / args.duration
    print(
        f"gunicorn: {args.workers} sync workers x {args.threads} thread(s); "
        f"{args.staff} virtual staff in {args.clients} client processes; "
        f"{os.cpu_count()} cores"
    )
    print(f"measured window: {args.duration:.0f} s after {args.warmup:.0f} s warm-up")
    print(f"requests/s: {len(measured) / args.duration:.1f}   submissions/s: {rate:.1f}")
    print(f"{'page':<10} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for label in ("entry", "welcome", "start", "page GET", "page POST", "submit", "result"):
        values = per_page.get(label, [])
        print(
            f"{label:<10} {len(values):>7} {percentile(values, 0.5):>8.1f} "
            f"{percentile(values, 0.95):>8.1f} {max(values, default=0):>8.1f}"
        )
    journeys = max(1, sum(len(result["finished"]) for result in results))
    cpu = {key: cpu_after.get(key, 0.0) - cpu_before.get(key, 0.0) for key in cpu_after}
    cpu["load generator"] = sum(result["cpu"] for result in results)
    print(
        f"CPU seconds per submission over the whole run ({elapsed:.0f} s, {journeys} journeys): "
        + ", ".join(f"{key} {value / journeys * 1000:.1f} ms" for key, value in cpu.items())
    )
    if errors:
        print(f"errors: {len(errors)}, first: {errors[0]}")
    print(
        json.dumps(
            {
                "submissions_per_s": round(rate, 1),
                "p95_ms": round(percentile(all_ms, 0.95), 1),
                "errors": len(errors),
            }
        )
    )


if __name__ == "__main__":
    main()
