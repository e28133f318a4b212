"""Background tasks of the reports app (django-tasks).

Tasks take primary keys only; the logic lives in the services.
"""

from __future__ import annotations

from django_tasks import task

from reports.services.actions import action_follow_up_send


@task(queue_name="email")
def action_follow_up(item_id: int) -> int:
    """About a month after publishing: ask the unit's leaders to update the item's status."""
    return action_follow_up_send(item_id=item_id)


@task()
def warm_wave_stats(wave_id: int) -> int:
    """Compute and store a released wave's statistics ahead of the first report.

    Leaders then get their first report without any process reading every
    response. Returns the number of responses summed (0 if nothing to do).
    """
    from reports.aggregation import REPORTABLE
    from reports.stats import wave_stats
    from surveys.models import Wave

    wave = Wave.objects.select_related("instrument_version").filter(pk=wave_id).first()
    if wave is None or wave.status not in REPORTABLE:
        return 0
    return wave_stats(wave).response_count


@task()
def render_report_pdf(render_id: str) -> str:
    """Prepare one requested PDF report (see `reports.services.renders`)."""
    from reports.services.renders import render_run

    return render_run(render_id=render_id)


@task()
def purge_renders() -> int:
    """Daily: delete prepared PDFs nobody needs any more."""
    from reports.services.renders import renders_purge

    return renders_purge()
