"""Shared checks for the HR pages: who gets in, who gets 403, and the login redirect."""

from __future__ import annotations

from typing import Any

OUTSIDERS = ("alice", "analyst", "charlie")  # a leader, an equity analyst, no role at all


def assert_login_redirect(response: Any, url: str) -> None:
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert url.split("?")[0] in response.url.replace("%2F", "/")


def roster_csv(*lines: str, header: str = "email,unit_code,language") -> bytes:
    return ("\n".join((header, *lines)) + "\n").encode()
