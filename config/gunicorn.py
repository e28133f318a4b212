"""Gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi`.

The access log never holds a client address, a user agent, a referrer, an
invitation token or a resume code: the survey's promise covers log lines too.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from gunicorn.glogging import Logger

from surveys.logfilters import redact

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Heartbeat files in memory, not on a possibly slow disk (gunicorn docs).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# No runtime control socket (gunicorn 25+): its one path per user clashes between
# instances on a host, and nothing here uses gunicornc.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# Time, request line (redacted), status, size, duration in ms: nothing about the person.
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'


class PrivateLogger(Logger):
    """Redact secrets from the request line and drop every client detail."""

    def atoms(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any
    ) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f", "{raw_uri}e"):
            if key in atoms and isinstance(atoms[key], str):
                atoms[key] = redact(atoms[key])
        for key in ("h", "a", "f", "u"):
            atoms[key] = "-"
        return atoms


logger_class = PrivateLogger
