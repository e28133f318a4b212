"""One invitation, 200 simultaneous submissions through real gunicorn processes.

A person double-clicks, reopens tabs, or a copied cookie is replayed: many
final POSTs of one journey can reach the server together. Here one browser
walks to the last page, its cookies are copied into 200 clients, and all 200
press Submit at the same moment (a barrier) against gunicorn with 4 worker
processes of 4 threads each on the PostgreSQL test database. The requests
are served in parallel by separate processes and race for the invitation's
row lock; the rest wait in gunicorn's backlog (16 at a time, well under
PostgreSQL's connection limit).

Exactly one response may be stored, the invitation must end completed, and
every client must be told its answers were received: one gets the result
page, the 199 others the "already received" one; nobody gets an error.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from surveys.models import Invitation, Response
from tests.live_gunicorn import (
    Browser,
    Page,
    gunicorn_server,
    page_path,
    shared_database,
    to_last_page,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="row locks under real parallel load: runs on PostgreSQL (set DATABASE_URL)",
    ),
]

SLUG = "spring"
RESULT = f"/s/{SLUG}/result/"
CLIENTS = 200


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with shared_database(tmp_path) as url:
        yield url


def test_200_simultaneous_submissions_of_one_invitation_store_one_response(
    database_url: str, invitation_token: str, tmp_path: Path
) -> None:
    log = tmp_path / "gunicorn.log"
    # The worker's pid in each access-log line shows which process served which request.
    pid_lines = ("--access-logformat", 'pid=%(p)s "%(r)s" %(s)s')
    with gunicorn_server(database_url, log, workers=4, threads=4, arguments=pid_lines) as server:
        browser = Browser(server.url)
        to_last_page(browser, invitation_token, SLUG)
        clients = [browser.copy() for _ in range(CLIENTS)]
        barrier = threading.Barrier(CLIENTS)
        outcomes: list[Page | BaseException] = [ValueError("not run")] * CLIENTS

        def submit(index: int) -> None:
            barrier.wait(timeout=60)
            try:
                outcomes[index] = clients[index].post(
                    page_path(SLUG, 4), {"E1": "More staff at night", "action": "submit"}
                )
            except OSError as error:
                outcomes[index] = error

        threads = [threading.Thread(target=submit, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        seen = Counter(
            (outcome.status, outcome.location) if isinstance(outcome, Page) else repr(outcome)
            for outcome in outcomes
        )
        assert seen == {(302, RESULT): 1, (302, f"{RESULT}?already=1"): CLIENTS - 1}, (
            f"{seen}\n{server.log_tail()}"
        )

    assert Response.objects.count() == 1
    assert Invitation.objects.get().status == Invitation.Status.COMPLETED
    served_by = re.findall(r'pid=<(\d+)> "POST /s/spring/page/4/', log.read_text())
    assert len(served_by) == CLIENTS
    assert len(set(served_by)) > 1, "every submission was served by one process"
