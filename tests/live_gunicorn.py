"""Run the product the way it is deployed, for tests that need real separate processes.

- `gunicorn_server` starts `gunicorn -c config/gunicorn.py config.wsgi` (the
  production settings module with DEBUG=1, so cookies work over plain HTTP)
  on a free port of 127.0.0.1 and always stops it, workers included.
- `Browser` is a minimal cookie-keeping HTTP client: it follows no redirects
  and posts forms with the CSRF token of the last page it fetched.
- `enter_and_start` and `answer` walk the staff journey with a `Browser`.
- `shared_database` gives the test database an address another process can
  open: the PostgreSQL test database as is, or, on SQLite, a file copy of the
  in-memory test database that this process then uses too.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.db import connection, connections

from tests.smtp_server import free_port

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "live-gunicorn-test-key-not-secret"
# gunicorn 27 opens a control socket at one fixed path per user; test servers (and a
# benchmark running meanwhile) would take it from each other.
_OWN_CONTROL = ("--no-control-socket",)
_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# -- the database a second process can open -----------------------------------------


@contextmanager
def shared_database(tmp_path: Path) -> Iterator[str]:
    """A DATABASE_URL for subprocesses that names the database this test process uses.

    Needs `django_db(transaction=True)`: subprocesses only see committed rows.
    On SQLite the in-memory test database is copied (schema and migration data)
    to a file under `tmp_path`, and this thread's `default` connection points
    at that file until the block ends.
    """
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user = settings["USER"] or "postgres"
        password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
        port = f":{settings['PORT']}" if settings["PORT"] else ""
        yield f"postgres://{user}{password}@{settings['HOST']}{port}/{settings['NAME']}"
        return
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    in_memory = connections["default"]
    on_file = type(in_memory)({**in_memory.settings_dict, "NAME": str(path)}, alias="default")
    connections["default"] = on_file
    try:
        yield f"sqlite:///{path}"  # an absolute path: sqlite:////tmp/...
    finally:
        on_file.close()
        connections["default"] = in_memory


def base_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a product process: production settings, DEBUG on, a fixed key."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_", "EMAIL_", "PYTEST_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DATABASE_URL=database_url,
        DEBUG="1",
        SECRET_KEY=SECRET_KEY,
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    environment.update(extra)
    return environment


# -- gunicorn --------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: a crash, not a shutdown."""
        _signal_group(self.process, signal.SIGKILL)
        self.process.wait(timeout=10)
        _wait_until_group_gone(self.process)


@contextmanager
def gunicorn_server(
    database_url: str,
    log: Path,
    *,
    port: int | None = None,
    workers: int = 2,
    threads: int = 1,
    environment: Mapping[str, str] | None = None,
    arguments: tuple[str, ...] = (),
    ready_timeout: float = 60,
) -> Iterator[Server]:
    """Start gunicorn with the project's config; yield once it answers; always stop it.

    `arguments` go on the command line after the config file, so they override it.
    """
    port = port or free_port()
    env = base_environment(
        database_url,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS=str(workers),
        GUNICORN_THREADS=str(threads),
        GUNICORN_ACCESS_LOG="-",
        **dict(environment or {}),
    )
    with log.open("ab") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "config/gunicorn.py",
                *_OWN_CONTROL,
                *arguments,
                "config.wsgi",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers go with it
        )
    server = Server(url=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        _wait_until_answering(server, ready_timeout)
        yield server
    finally:
        if process.poll() is None:
            _signal_group(process, signal.SIGINT)  # quick shutdown
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=10)
        _signal_group(process, signal.SIGKILL)  # any worker left behind by a killed master


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, sig)  # the group id is the master's pid (start_new_session)


def _wait_until_group_gone(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """Orphaned workers are reaped by init a moment after the master; the socket goes with them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise RuntimeError(f"gunicorn's process group {process.pid} is still alive")


def _wait_until_answering(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited ({server.process.returncode}):\n{server.log_tail()}"
            )
        try:
            if Browser(server.url).get("/s/support/").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{server.log_tail()}")


# -- a browser without JavaScript ------------------------------------------------------


@dataclass(frozen=True)
class Page:
    status: int
    headers: http.client.HTTPMessage
    body: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


@dataclass
class Browser:
    """Keeps cookies (one site, any path) and the CSRF token of the last form it saw."""

    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)
    csrf_token: str = ""
    timeout: float = 60

    def copy(self) -> Browser:
        """Another tab or device with the same cookies, as a copied cookie jar would be."""
        return Browser(self.base_url, dict(self.cookies), self.csrf_token, self.timeout)

    def get(self, path: str) -> Page:
        return self._request("GET", path)

    def post(self, path: str, data: Mapping[str, str]) -> Page:
        body = urlencode({**data, "csrfmiddlewaretoken": self.csrf_token})
        return self._request(
            "POST",
            path,
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.base_url},
        )

    def _request(
        self,
        method: str,
        path: str,
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Page:
        address = urlsplit(self.base_url)
        conn = http.client.HTTPConnection(address.hostname, address.port, timeout=self.timeout)
        sent = {"Connection": "close", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            page = Page(response.status, response.headers, response.read().decode())
        finally:
            conn.close()
        for header in page.headers.get_all("Set-Cookie") or []:
            self._keep(header)
        if token := _CSRF_FIELD.search(page.body):
            self.csrf_token = token.group(1)
        return page

    def _keep(self, header: str) -> None:
        for name, morsel in SimpleCookie(header).items():
            if morsel["max-age"] == "0" or not morsel.value:
                self.cookies.pop(name, None)  # deleted
            else:
                self.cookies[name] = morsel.coded_value  # sent back exactly as received


# -- the staff journey through a live server -------------------------------------------


def page_path(slug: str, number: int) -> str:
    return f"/s/{slug}/page/{number}/"


def enter_and_start(browser: Browser, token: str, slug: str) -> None:
    """Follow the invitation link and press Start, as a person would."""
    assert browser.get(f"/s/i/{token}/").location == f"/s/{slug}/"
    assert browser.get(f"/s/{slug}/").status == 200  # the welcome page and its form
    assert browser.post(f"/s/{slug}/start/", {}).location == page_path(slug, 1)


def answer(
    browser: Browser, slug: str, number: int, answers: Mapping[str, str], action: str
) -> Page:
    """Open a survey page, then send it with these answers and this button."""
    assert browser.get(page_path(slug, number)).status == 200
    return browser.post(page_path(slug, number), {**answers, "action": action})


def to_last_page(browser: Browser, token: str, slug: str) -> None:
    """From the invitation link to the mini instrument's last page, answering pages 1 to 3."""
    enter_and_start(browser, token, slug)
    answer(browser, slug, 1, {"A1": "4", "A2": "3"}, "next")
    answer(browser, slug, 2, {"B1": "1"}, "next")
    answer(browser, slug, 3, {"D1": "woman"}, "next")
    assert browser.get(page_path(slug, 4)).status == 200
