"""PDF reports prepared by the worker: the only writers of `ReportRender`.

A PDF takes seconds to lay out (WeasyPrint), too long for a web request, so
the download button asks for one (`render_request`), the worker makes it
(`render_run`, through `reports.tasks.render_report_pdf`) and the person
downloads it from a page that follows its progress.

The worker builds the report again for the person who asked, under the
rules that hold when it runs: a unit they no longer lead, or a wave taken
back from release, gives no file. Like every export, the privacy auditor
sees the report first and can refuse it; the export is written to the audit
log by `report_export`.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from reports.aggregation import ReportUnavailable, UnitNotVisible, wave_report
from reports.models import ReportRender
from reports.pages import equity_page, unit_report_page
from reports.selectors import actions_for_unit, cares_self_ratings, wave_visible_to
from reports.services.exports import ExportRefused, report_export
from reports.viewers import Role, viewer_for
from surveys.models import OrgUnit, Wave

logger = logging.getLogger(__name__)

KEEP = datetime.timedelta(days=1)  # a prepared PDF is kept this long for its reader


def render_request(
    *, user: object, wave: Wave, unit: OrgUnit | None, kind: str = ReportRender.Kind.UNIT
) -> ReportRender:
    """Record the request and hand it to the worker.

    With the database task backend the task row is written in the same
    transaction as the request, so the worker never sees one without the other.
    """
    from reports.tasks import render_report_pdf

    render = ReportRender.objects.create(requested_by=user, wave=wave, unit=unit, kind=kind)
    render_report_pdf.enqueue(str(render.pk))
    return render


def render_run(*, render_id: str) -> str:
    """Make the PDF of one request; returns its final status. Running twice does nothing."""
    render = (
        ReportRender.objects.select_related("requested_by", "wave__instrument_version", "unit")
        .filter(pk=render_id, status=ReportRender.Status.QUEUED)
        .first()
    )
    if render is None:
        return "gone"
    try:
        content, filename = _pdf_for(render)
    except ExportRefused:
        return _finish(render, ReportRender.Status.REFUSED)
    except (ReportUnavailable, UnitNotVisible, PermissionDenied):
        return _finish(render, ReportRender.Status.FAILED)
    except Exception:
        logger.exception("a PDF report could not be prepared")
        _finish(render, ReportRender.Status.FAILED)
        raise
    return _finish(render, ReportRender.Status.DONE, content=content, filename=filename)


def _pdf_for(render: ReportRender) -> tuple[bytes, str]:
    user = render.requested_by
    equity = render.kind == ReportRender.Kind.EQUITY
    # The same rules as the report page, as they stand now (PermissionDenied otherwise).
    viewer = viewer_for(user, Role.ANALYST if equity else None)
    unit = None if equity else render.unit
    if not wave_visible_to(wave=render.wave, viewer=viewer) or (
        unit is not None and not viewer.may_see(unit)
    ):
        raise PermissionDenied
    report = wave_report(wave=render.wave, viewer=viewer, unit=unit)
    base_url = settings.SITE_URL + "/"
    if equity:
        export = report_export(page=equity_page(report), fmt="pdf", by=user, base_url=base_url)
    else:
        focus = (
            OrgUnit.objects.filter(pk=report.focus.unit_id).first()
            if report.focus.unit_id is not None
            else None
        )
        ratings = cares_self_ratings(wave=render.wave, unit=focus) if focus is not None else {}
        actions = (
            list(actions_for_unit(wave=render.wave, unit=focus, published_only=True))
            if focus is not None
            else []
        )
        export = report_export(
            page=unit_report_page(report, self_ratings=ratings),
            fmt="pdf",
            by=user,
            base_url=base_url,
            actions=actions,
        )
    assert isinstance(export.content, bytes)
    return export.content, export.filename


def _finish(
    render: ReportRender, status: str, *, content: bytes | None = None, filename: str = ""
) -> str:
    ReportRender.objects.filter(pk=render.pk).update(
        status=status, content=content, filename=filename
    )
    return status


def renders_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete prepared PDFs older than KEEP (the daily maintenance)."""
    now = now or timezone.now()
    deleted, _detail = ReportRender.objects.filter(requested_at__lt=now - KEEP).delete()
    return deleted
