"""No token, resume or receipt code, invited e-mail address or client address in any log record.

One test walks everything that handles those values, with every logger at DEBUG and
Django's SQL logging switched on (as with DEBUG=1): an HR admin imports a roster and
sends the invitations; a staff member opens their link, answers, saves, resumes by
link and by code, submits, sees the result and withdraws; requests that fail on a
secret address (unknown link, wrong method, missing CSRF token); a failed login and a
lockout; a leader's report and export. Then it reads every captured record.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from surveys.models import RosterUpload
from surveys.services.waves import wave_set_status
from surveys.tokens import new_code, new_token
from tests.conftest import PASSWORD
from tests.hr_helpers import roster_csv
from tests.journey_helpers import cookie_journey, post_page

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"
AGENT = "Mozilla/5.0 (log-audit-agent)"
EMAILS = ("zoe.quintana@example.org", "yusuf.okafor@example.org", "xavier.lemieux@example.org")
SLUG = "spring"


def staff_client() -> Client:
    return Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)


def record_texts(record: logging.LogRecord) -> list[str]:
    """The line a handler would write, and every value attached to the record."""
    texts = [record.getMessage()]
    if record.exc_info:
        texts.append(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        texts.append(record.stack_info)
    texts.extend(str(value) for value in vars(record).values())
    return texts


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.request", "django.db.backends", "django.security", "axes"):
        caplog.set_level(logging.DEBUG, logger=name)
    connection.force_debug_cursor = True  # SQL with its values, as with DEBUG=1
    yield caplog
    connection.force_debug_cursor = False


def hr_imports_and_invites(hr: Any) -> list[str]:
    client = Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)
    client.force_login(hr)
    rows = roster_csv(*(f"{email},N-ED,en" for email in EMAILS))
    client.post(f"/hr/waves/{SLUG}/roster/", {"file": SimpleUploadedFile("roster.csv", rows)})
    upload = RosterUpload.objects.get()
    assert client.get(f"/hr/waves/{SLUG}/roster/{upload.pk}/").status_code == 200
    assert client.post(f"/hr/waves/{SLUG}/roster/{upload.pk}/confirm/").status_code == 302
    assert client.post(f"/hr/waves/{SLUG}/send/invitations/", {"confirm": "1"}).status_code == 302
    tokens = [
        token for message in mail.outbox for token in re.findall(r"/s/i/([\w-]+)/", message.body)
    ]
    assert len(set(tokens)) == len(EMAILS)
    assert client.get(f"/hr/waves/{SLUG}/").status_code == 200
    assert client.get("/hr/audit/").status_code == 200
    return sorted(set(tokens))


def staff_journey(token: str) -> tuple[str, str]:
    client = staff_client()
    assert client.get(f"/s/i/{token}/").status_code == 302
    assert client.get(f"/s/{SLUG}/").status_code == 200
    client.post(f"/s/{SLUG}/start/")
    assert client.get(f"/s/{SLUG}/page/1/").status_code == 200
    post_page(client, SLUG, 1, {"A1": "4", "A2": "3"}, "next")
    post_page(client, SLUG, 2, {"B1": "1"}, "save")
    resume_code = cookie_journey(client).resume_code
    assert client.get(f"/s/{SLUG}/saved/").status_code == 200

    by_link = staff_client()
    assert by_link.get(f"/s/r/{resume_code}/").status_code == 302
    by_code = staff_client()
    assert by_code.post("/s/resume/", {"code": resume_code}).status_code == 302
    post_page(by_code, SLUG, 3, {"D1": "woman"}, "next")
    assert post_page(by_code, SLUG, 4, {"E1": "More staff"}, "submit").status_code == 302
    assert by_code.get(f"/s/{SLUG}/result/").status_code == 200
    receipt = cookie_journey(by_code).receipt
    response = by_code.post(f"/s/{SLUG}/withdraw/", {"code": receipt})
    assert "withdrawn" in response.content.decode()
    return resume_code, receipt


def failures_on_secret_addresses(token: str, resume_code: str) -> None:
    client = staff_client()
    assert client.get(f"/s/i/{new_token()}/").status_code == 404
    assert client.get(f"/s/r/{new_code()}/").status_code == 404
    assert client.get(f"/s/i/{token}/").status_code == 410  # already used
    assert client.post(f"/s/i/{token}/").status_code == 405
    strict = Client(enforce_csrf_checks=True, REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)
    assert strict.post(f"/s/i/{token}/").status_code == 403
    assert strict.post(f"/s/r/{resume_code}/").status_code == 403
    assert strict.post(f"/s/{SLUG}/withdraw/", {"code": resume_code}).status_code == 403


def failed_logins() -> None:
    client = Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)
    for _ in range(6):
        client.post("/accounts/login/", {"username": "alice", "password": "not-it"})
    client.post("/accounts/login/", {"username": EMAILS[0], "password": "not-it"})


def leader_reads_the_report(alice: Any, wave: Any) -> None:
    for status in ("closed", "released"):
        wave = wave_set_status(wave=wave, status=status)
    client = Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)
    client.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
    client.force_login(alice)
    assert client.get("/reports/").status_code == 200
    assert client.get(f"/reports/{SLUG}/").status_code == 200
    assert client.get(f"/reports/{SLUG}/u/NORTH/").status_code == 200
    assert client.get(f"/reports/{SLUG}/u/S-MED/").status_code == 404
    assert client.get(f"/reports/{SLUG}/u/NORTH/export/csv/").status_code == 200


def test_no_secret_email_or_address_in_any_log_record(everything_logged, hr, alice, bob, open_wave):
    tokens = hr_imports_and_invites(hr)
    resume_code, receipt = staff_journey(tokens[0])
    failures_on_secret_addresses(tokens[0], resume_code)
    failed_logins()
    leader_reads_the_report(alice, open_wave)

    records = everything_logged.records
    assert len(records) > 100, "the loggers were not capturing"
    assert any(r.name == "django.db.backends" for r in records), "SQL logging was off"
    assert any(r.name == "django.request" and "/s/i/" in r.getMessage() for r in records)
    assert any(r.name == "django.security.csrf" for r in records)
    assert any(r.name.startswith("axes") for r in records)

    forbidden = {
        **{f"token {t[:6]}…": t for t in tokens},
        "resume code": resume_code,
        "resume code (plain)": resume_code.replace("-", ""),
        "receipt code": receipt,
        "receipt code (plain)": receipt.replace("-", ""),
        **{f"e-mail {e}": e for e in EMAILS},
        "client address": ADDRESS,
        "user agent": "log-audit-agent",
    }
    leaks = [
        f"{what} in {record.name}: {text[:200]!r}"
        for record in records
        for text in record_texts(record)
        for what, value in forbidden.items()
        if value.lower() in text.lower()
    ]
    assert not leaks, "\n".join(leaks[:20])


def test_every_handler_that_writes_redacts_secret_paths():
    """Records are checked above as the root handlers see them; no other handler may write
    them first (Django's defaults add an unfiltered console and an ADMINS e-mail handler
    to the "django" logger, which would print an invitation path with DEBUG on)."""
    from surveys.logfilters import RedactSecretPaths

    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    unfiltered = [
        f"{logger.name}: {type(handler).__name__}"
        for logger in loggers
        for handler in logger.handlers
        if not type(handler).__module__.startswith("_pytest")
        and not isinstance(handler, logging.NullHandler)
        and not any(isinstance(f, RedactSecretPaths) for f in handler.filters)
    ]
    assert not unfiltered, unfiltered
    assert logging.getLogger("django").handlers == []


def test_the_filters_also_apply_to_what_they_are_attached_to():
    from surveys.logfilters import DropQueryValues, DropTemplateContext, RedactSecretPaths

    def filters_of(name: str) -> set[type]:
        return {type(f) for f in logging.getLogger(name).filters}

    assert RedactSecretPaths in filters_of("django.request")
    assert RedactSecretPaths in filters_of("django.security.csrf")
    assert DropQueryValues in filters_of("django.db.backends")
    assert DropTemplateContext in filters_of("django.template")
