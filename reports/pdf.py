"""PDF exports: WeasyPrint renders the same includes and SVG charts as the page.

The renderer never fetches anything over the network: our own static files
are read from disk (a PDF render must not call back into the web server that
is rendering it), and every other address is refused.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

# WeasyPrint narrates every step (even on import) at INFO; keep its warnings and errors.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

from reports.charts import unit_report_charts  # noqa: E402
from reports.pages import EquityPage, UnitReportPage  # noqa: E402


class StaticOnlyFetcher(URLFetcher):
    """Serve `STATIC_URL` files from the static finders; refuse every other URL."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        path = urlsplit(url).path
        if not path.startswith(prefix):
            raise ValueError(f"PDF exports fetch only static files, not {url}")
        found = finders.find(path[len(prefix) :])
        if not found:
            raise ValueError(f"no static file {path}")
        mime, _encoding = mimetypes.guess_type(str(found))
        body = Path(found).read_bytes()
        return URLFetcherResponse(url, body, {"Content-Type": mime or "application/octet-stream"})


def render_pdf(template: str, context: dict[str, Any], *, base_url: str) -> bytes:
    html = render_to_string(template, {**context, "pdf": True})
    return HTML(string=html, base_url=base_url, url_fetcher=StaticOnlyFetcher()).write_pdf()


def unit_report_pdf(page: UnitReportPage, *, base_url: str, actions: list[Any]) -> bytes:
    return render_pdf(
        "reports/unit_report_pdf.html",
        {
            "page": page,
            "report": page.report,
            "wave": page.wave,
            "charts": unit_report_charts(page),
            "thresholds": page.report.thresholds,
            "actions": actions,
        },
        base_url=base_url,
    )


def equity_pdf(page: EquityPage, *, base_url: str) -> bytes:
    return render_pdf(
        "reports/equity_pdf.html",
        {"page": page, "wave": page.wave, "thresholds": page.report.thresholds},
        base_url=base_url,
    )
