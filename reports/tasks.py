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
