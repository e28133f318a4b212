"""Gunicorn's access log holds no token, resume code or client address."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from gunicorn.config import Config

from config import gunicorn as settings


def _line(path: str) -> str:
    config = Config()
    config.set("access_log_format", settings.access_log_format)
    logger = settings.PrivateLogger(config)
    request = SimpleNamespace(
        method="GET", path=path, query="", uri=path, version=(1, 1), headers=[]
    )
    response = SimpleNamespace(status="302 Found", sent=0, headers=[], response_length=0)
    environ = {
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_USER_AGENT": "Mozilla/5.0 (nurse's phone)",
        "HTTP_REFERER": "https://mail.example.org/inbox",
        "RAW_URI": path,
        "REQUEST_METHOD": "GET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": path,
        "QUERY_STRING": "",
    }
    atoms = logger.atoms(response, request, environ, datetime.timedelta(milliseconds=12))
    return settings.access_log_format % atoms


def test_invitation_tokens_and_resume_codes_are_redacted():
    token = "A8ApT4iKO92dYywHQl-uXlKW4uDqHOE9KNs-VhgY73o"
    line = _line(f"/s/i/{token}/")
    assert token not in line
    assert "/s/i/[redacted]/" in line
    code_line = _line("/s/r/ABCDE-FGHJK-MNPQR-STVWX-YZ012-3/")
    assert "ABCDE" not in code_line


def test_no_client_address_agent_or_referrer():
    line = _line("/s/spring/page/2/")
    assert "203.0.113.7" not in line
    assert "Mozilla" not in line
    assert "mail.example.org" not in line
    assert "/s/spring/page/2/" in line
