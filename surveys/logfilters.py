"""Keep secrets that travel in addresses, and values stored in the database, out of log lines.

Invitation tokens (`/s/i/<token>/`) and resume codes (`/s/r/<code>/`) are in
the path of exactly one request each, which redirects away at once; Django's
request, CSRF and development-server loggers would still write that path. This
filter, attached to those loggers (and to the console handler as a last net),
replaces the secret before any handler (console, file, test capture) sees the
record.

With DEBUG on, Django logs every SQL statement with its values, which would
write roster e-mail addresses and secret hashes; `DropQueryValues` keeps only
the kind of statement and its duration.
"""

from __future__ import annotations

import logging
import re

SECRET_PATH = re.compile(r"(/s/[ir]/)[^/\s?#\"']+")
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    return SECRET_PATH.sub(REDACTED, text)


class RedactSecretPaths(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        request = getattr(record, "request", None)
        if request is not None and redact(str(getattr(request, "path", ""))) != getattr(
            request, "path", ""
        ):
            # The request object carries the secret path (and the client's address, which
            # an error e-mail to ADMINS would print): such a record travels without it.
            record.request = None
        return True


class DropQueryValues(logging.Filter):
    """Replace a logged SQL statement (values interpolated) by its verb and duration."""

    def filter(self, record: logging.LogRecord) -> bool:
        sql = getattr(record, "sql", None)
        if sql is None:
            return True
        verb = str(sql).lstrip().split(" ", 1)[0].upper()[:16]
        duration = getattr(record, "duration", None)
        alias = getattr(record, "alias", "")
        record.msg = "(%s) %s statement (values not logged); alias=%s"
        record.args = ("-" if duration is None else f"{duration:.3f}", verb, alias)
        record.sql, record.params = verb, None
        return True


class DropTemplateContext(logging.Filter):
    """Keep "Exception while resolving variable 'x' in template 'y'" without its traceback.

    Django's template engine logs, at DEBUG, every missing variable with an exception
    whose text is the whole template context: an invitation e-mail's address and link,
    a resume code. The line itself (variable and template names) stays.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text = None, None
        return True
