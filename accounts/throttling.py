"""Login throttling with django-axes, by username only, without any trace of the client.

django-axes keeps a row per throttled username (`axes.AccessAttempt`) with the
client's address, user agent, Accept header and the posted form. Continuum keeps
none of that: the address callable answers None (the column stays empty), this
handler blanks the user agent and Accept header before a row is written, the
posted values are masked (`AXES_SENSITIVE_PARAMETERS`), no access log or failure
log is kept, and the lines axes logs describe "a client" and the path only.
`tests/accounts/test_login_throttling.py` reads the table and the log records back.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.http import HttpRequest


def no_client_address(request: HttpRequest) -> None:
    """AXES_CLIENT_IP_CALLABLE: lock out by username only, and never store an address."""
    return None


def client_description(
    username: str, ip_address: str, user_agent: str, path_info: Any, request: HttpRequest
) -> str:
    """AXES_CLIENT_STR_CALLABLE: what axes writes in its log lines (no name, no address)."""
    if isinstance(path_info, tuple | list):
        path_info = path_info[0] if path_info else ""
    return f"a client on {path_info}"


def _forget_client(request: HttpRequest | None) -> None:
    if request is None or not hasattr(request, "axes_updated"):
        return
    request.axes_ip_address = None
    request.axes_user_agent = ""
    request.axes_http_accept = ""


class PrivateDatabaseHandler(AxesDatabaseHandler):
    """The database handler, shared by every app server, minus the client's details."""

    def user_login_failed(
        self, sender: Any, credentials: dict, request: Any = None, **kwargs: Any
    ) -> None:
        _forget_client(request)
        super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        _forget_client(request)
        super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        _forget_client(request)
        super().user_logged_out(sender, request, user, **kwargs)
