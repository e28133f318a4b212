"""Keep secrets that travel in addresses out of log lines.

Invitation tokens (`/s/i/<token>/`) and resume codes (`/s/r/<code>/`) are in
the path of exactly one request each, which redirects away at once; Django's
request and development-server loggers would still write that path. This
filter, attached to those loggers, replaces the secret before any handler
(console, file, test capture) sees the record.
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
        return True
