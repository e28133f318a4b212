"""Real faults, produced for real, and what the people affected see afterwards.

Nothing here is a monkeypatch: the product runs as deployed (gunicorn with
the project's config, `manage.py run_worker`, a real SMTP server) in separate
processes on the test database, and each fault is produced from outside:

- The database goes away mid-submission (PostgreSQL only). A second
  connection holds a row lock on the invitation, so the server's submission
  waits on it; the test then ends that server's database session with
  `pg_terminate_backend`, exactly what a database restart or a failover does
  to open connections. The respondent must get the "try again" page with
  their answers still typed, nothing half-stored, and then succeed.
- A killed worker loses no invitation. A mail server that holds its reply to
  the first message keeps a worker in the middle of a delivery; the worker
  gets SIGKILL (no chance to clean up). The stalled-task sweep and a new
  worker must then deliver every invitation: none failed, none missing.
- A restart loses no draft. Gunicorn, master and workers, gets SIGKILL after
  a person saved a draft; a new gunicorn on the same database and secret key
  must give back every saved answer, through the resume code on another
  device and through the person's own journey cookie.

They need committed rows a second process can read, hence `transaction=True`
and `shared_database` (the PostgreSQL test database, or a file copy of the
SQLite one).
"""

from __future__ import annotations

import asyncio
import datetime
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings
from django.utils import timezone

from surveys.instruments.encoding import decode_answers
from surveys.models import Comment, Draft, Invitation, Response
from tests.live_gunicorn import (
    BASE_DIR,
    Browser,
    answer,
    base_environment,
    enter_and_start,
    gunicorn_server,
    page_path,
    shared_database,
    to_last_page,
)
from tests.smtp_server import Recorder, free_port

pytestmark = pytest.mark.django_db(transaction=True)

SLUG = "spring"
RESULT = f"/s/{SLUG}/result/"
ON_POSTGRES = django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """Requested before the cast, so the cast is written where the subprocesses look."""
    with shared_database(tmp_path) as url:
        yield url


def checked(html: str, code: str, value: str) -> bool:
    """Whether the radio button `code` = `value` is shown selected."""
    return bool(re.search(rf'value="{value}"[^>]*id="id_{code}_\d+" checked', html))


# -- the database goes away mid-submission ------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRES, reason="ends a database session: PostgreSQL only")
def test_a_database_lost_mid_submission_asks_to_try_again_and_loses_nothing(
    database_url: str, invitation_token: str, open_wave: Any, tmp_path: Path
) -> None:
    import psycopg

    invitation = Invitation.objects.get()
    with gunicorn_server(database_url, tmp_path / "gunicorn.log") as server:
        browser = Browser(server.url)
        to_last_page(browser, invitation_token, SLUG)

        with (
            psycopg.connect(database_url) as locker,
            psycopg.connect(database_url, autocommit=True) as admin,
            ThreadPoolExecutor(1) as pool,
        ):
            locker.execute(
                "SELECT id FROM surveys_invitation WHERE id = %s FOR UPDATE", [invitation.pk]
            )
            submitting = pool.submit(
                browser.post, page_path(SLUG, 4), {"E1": "A quieter break room", "action": "submit"}
            )
            blocked = _wait_for_lock_waiter(admin, locker.info.backend_pid)
            [[ended]] = admin.execute("SELECT pg_terminate_backend(%s)", [blocked]).fetchall()
            assert ended, "the server's database session outlived pg_terminate_backend"
            locker.rollback()
            failed = submitting.result(timeout=30)

        assert failed.status == 503, server.log_tail()
        assert "We could not save your answers just now" in failed.body
        assert "A quieter break room</textarea>" in failed.body
        assert Response.objects.count() == 0
        assert Invitation.objects.get().status == Invitation.Status.PENDING

        again = browser.post(page_path(SLUG, 4), {"E1": "A quieter break room", "action": "submit"})

        assert again.status == 302 and again.location == RESULT
        [stored] = Response.objects.all()
        stored_answers = decode_answers(open_wave.instrument_version.parsed, bytes(stored.answers))
        assert (stored_answers["A1"], stored_answers["B1"], stored_answers["D1"]) == (4, 1, "woman")
        assert Comment.objects.get().text == "A quieter break room"
        assert Invitation.objects.get().status == Invitation.Status.COMPLETED


def _wait_for_lock_waiter(admin: Any, locker_pid: int) -> int:
    """The pid of the server's database session once it waits on our row lock."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        row = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE '%%surveys_invitation%%' AND pid <> %s",
            [locker_pid],
        ).fetchone()
        if row:
            return int(row[0])
        time.sleep(0.05)
    raise AssertionError("the submission never waited on the invitation's row lock")


# -- a killed worker loses no invitation --------------------------------------------------


class StallingRecorder(Recorder):
    """A mail server that holds its reply to the first message (a delivery in progress).

    If the sender's connection dies meanwhile, the message is dropped unacknowledged
    (aiosmtpd cancels the handler), as a mail server does when the client goes away
    before the "250 OK".
    """

    def __init__(self) -> None:
        super().__init__()
        self.stalled = threading.Event()
        self.dropped = threading.Event()
        self.release = threading.Event()
        self.held_for: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.held_for:
            self.held_for = list(envelope.rcpt_tos)
            self.stalled.set()
            try:
                while not self.release.is_set():
                    await asyncio.sleep(0.05)
            except asyncio.CancelledError:
                self.dropped.set()
                raise
        return await super().handle_DATA(server, session, envelope)


def _start_worker(database_url: str, smtp_port: int, log: Path) -> subprocess.Popen[bytes]:
    environment = base_environment(
        database_url,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_USE_TLS="0",
        EMAIL_TIMEOUT="60",
        EMAIL_MAX_PER_MINUTE="60000",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    )
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--no-startup-delay", "--interval", "0.2"],
            cwd=BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)  # finish the running task, then exit
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def test_a_worker_killed_mid_delivery_loses_no_invitation(
    database_url: str, open_wave: Any, hr: Any, tmp_path: Path, settings: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from surveys.services import mailing
    from surveys.services.rosters import roster_import, roster_read
    from surveys.tasks import send_invitation_email
    from tests.hr_helpers import roster_csv

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}
    }
    settings.EMAIL_MAX_PER_MINUTE = 60_000
    addresses = [f"p{n}@example.org" for n in range(5)]
    roster_import(
        wave=open_wave, rows=roster_read(roster_csv(*(f"{a},N-ED,en" for a in addresses)))
    )
    recorder = StallingRecorder()
    smtp_port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    log = tmp_path / "worker.log"
    workers: list[subprocess.Popen[bytes]] = []
    try:
        assert mailing.invitations_send(wave=open_wave, by=hr) == 5
        workers.append(_start_worker(database_url, smtp_port, log))
        assert recorder.stalled.wait(timeout=30), log.read_text()
        [held] = recorder.held_for
        in_flight = Invitation.objects.get(email=held)
        assert (in_flight.sent_on, in_flight.send_state) == (None, "queued")

        workers[0].kill()  # SIGKILL: no signal handler, no clean-up
        workers[0].wait(timeout=10)
        assert recorder.dropped.wait(timeout=10), "the mail server never saw the worker go"

        [stuck] = DBTaskResult.objects.filter(
            task_path=send_invitation_email.module_path, status="RUNNING"
        )
        assert stuck.args_kwargs["args"][0] == in_flight.pk
        assert Invitation.objects.filter(sent_on__isnull=False).count() == 0
        # Fifteen minutes pass (STALLED_AFTER) without the task finishing.
        DBTaskResult.objects.filter(pk=stuck.pk).update(
            started_at=timezone.now() - mailing.STALLED_AFTER - datetime.timedelta(seconds=1)
        )
        assert mailing.mail_requeue_stalled() == 1

        workers.append(_start_worker(database_url, smtp_port, log))
        _wait_until(lambda: Invitation.objects.filter(sent_on__isnull=True).count() == 0, log)
        _stop(workers[1])
    finally:
        recorder.release.set()
        for worker in workers:
            _stop(worker)
        controller.stop()

    invitations = Invitation.objects.all()
    assert all(i.sent_on == timezone.localdate() for i in invitations)
    assert not invitations.filter(send_state__in=["queued", "failed"]).exists()
    # Everybody once: the delivery cut short was never acknowledged, so only the resend
    # arrived. (Killed after the server's "250 OK" and before recording it, a worker would
    # cause one duplicate at worst: mailing's documented trade-off.)
    assert Counter(message["To"] for message in recorder.messages) == dict.fromkeys(addresses, 1)
    stuck.refresh_from_db()
    assert stuck.status == "FAILED"
    assert stuck.exception_class_path == "surveys.services.mailing.WorkerLost"


def _wait_until(condition: Any, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out; worker log:\n{log.read_text()}")


# -- a restart loses no draft -------------------------------------------------------------


def test_a_killed_and_restarted_server_loses_no_saved_draft(
    database_url: str, invitation_token: str, open_wave: Any, tmp_path: Path
) -> None:
    log = tmp_path / "gunicorn.log"
    port = free_port()
    with gunicorn_server(database_url, log, port=port) as server:
        browser = Browser(server.url)
        enter_and_start(browser, invitation_token, SLUG)
        answer(browser, SLUG, 1, {"A1": "4", "A2": "3"}, "next")
        saving = answer(browser, SLUG, 2, {"B1": "1"}, "save")
        assert saving.location == f"/s/{SLUG}/saved/"
        found = re.search(r"data-resume-code>([^<]+)</code>", browser.get(saving.location).body)
        assert found, "the saved page shows no resume code"
        code = found.group(1)

        server.kill()

        with pytest.raises(ConnectionRefusedError):
            browser.get("/s/support/")

    with gunicorn_server(database_url, log, port=port) as server:
        # Another device with only the resume code.
        device = Browser(server.url)
        resumed = device.get(f"/s/r/{code}/")
        assert resumed.location == page_path(SLUG, 2)
        assert checked(device.get(page_path(SLUG, 2)).body, "B1", "1")
        first = device.get(page_path(SLUG, 1)).body
        assert checked(first, "A1", "4") and checked(first, "A2", "3")
        # The person's own browser, without the code, carries on too.
        own = browser.get(page_path(SLUG, 1))
        assert own.status == 200 and checked(own.body, "A1", "4") and checked(own.body, "A2", "3")
        assert checked(browser.get(page_path(SLUG, 2)).body, "B1", "1")

        answer(device, SLUG, 2, {"B1": "1"}, "next")
        answer(device, SLUG, 3, {"D1": "woman"}, "next")
        submitted = answer(device, SLUG, 4, {"E1": ""}, "submit")
        assert submitted.location == RESULT, server.log_tail()
        twice = answer(browser, SLUG, 4, {"E1": ""}, "submit")
        assert twice.location == f"{RESULT}?already=1"

    [stored] = Response.objects.all()
    stored_answers = decode_answers(open_wave.instrument_version.parsed, bytes(stored.answers))
    assert (stored_answers["A1"], stored_answers["A2"], stored_answers["B1"]) == (4, 3, 1)
    assert Invitation.objects.get().status == Invitation.Status.COMPLETED
    assert not Draft.objects.exists()  # deleted with the submission
