"""Action plan services and the one-month follow-up reminder."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from reports.models import ActionItem
from reports.services.actions import (
    FOLLOW_UP_DAYS,
    action_create,
    action_delete,
    action_follow_up_send,
    action_publish,
    action_update,
    follow_up_recipients,
    schedule_follow_up,
)
from reports.tasks import action_follow_up
from surveys.models import AuditEntry, OrgUnit, Wave

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "QUEUES": ["default", "email"],
    }
}


def create(wave: Wave, unit: OrgUnit, by: Any, **extra: Any) -> ActionItem:
    fields = {
        "commitment": "Debrief after every code, within the shift.",
        "owner_role": "Unit manager",
        "due_on": datetime.date(2030, 1, 31),
        "domain_code": "stress",
        **extra,
    }
    return action_create(wave=wave, unit=unit, by=by, **fields)


def test_leader_creates_for_their_units_and_below(
    alice: Any, released: Wave, org: dict[str, OrgUnit]
) -> None:
    item = create(released, org["N-ED"], alice)
    assert item.created_by == alice
    assert item.status == ActionItem.Status.PLANNED
    assert item.published_on is None
    entry = AuditEntry.objects.get(action="action.create")
    assert entry.actor == alice and entry.data["unit"] == "N-ED"
    assert create(released, org["NORTH"], alice).pk


def test_sibling_leader_analyst_and_outsider_may_not_write(
    bob: Any, analyst: Any, charlie: Any, released: Wave, org: dict[str, OrgUnit]
) -> None:
    for user in (bob, analyst, charlie, None):
        with pytest.raises(PermissionDenied):
            create(released, org["N-ED"], user)
    assert not ActionItem.objects.exists()


def test_hr_may_write_anywhere(hr: Any, released: Wave, org: dict[str, OrgUnit]) -> None:
    assert create(released, org["S-MED"], hr).pk


def test_writes_are_checked_again_on_update_publish_and_delete(
    alice: Any, bob: Any, released: Wave, org: dict[str, OrgUnit]
) -> None:
    item = create(released, org["N-ED"], alice)
    with pytest.raises(PermissionDenied):
        action_update(item=item, by=bob, status=ActionItem.Status.DONE)
    with pytest.raises(PermissionDenied):
        action_publish(item=item, by=bob)
    with pytest.raises(PermissionDenied):
        action_delete(item=item, by=bob)
    item.refresh_from_db()
    assert item.status == ActionItem.Status.PLANNED and item.published_on is None


def test_validation(alice: Any, released: Wave, org: dict[str, OrgUnit]) -> None:
    with pytest.raises(ValidationError):
        create(released, org["N-ED"], alice, domain_code="not_a_domain")
    with pytest.raises(ValidationError):
        create(released, org["N-ED"], alice, owner_role="dana@example.org")
    with pytest.raises(ValidationError):
        create(released, org["N-ED"], alice, commitment="")
    assert create(released, org["N-ED"], alice, domain_code="").domain_name() == ""


def test_not_before_results_are_released(
    alice: Any, open_filled: Wave, org: dict[str, OrgUnit]
) -> None:
    with pytest.raises(ValidationError):
        create(open_filled, org["N-ED"], alice)


def test_update_and_delete_are_audited(alice: Any, released: Wave, org: dict[str, OrgUnit]) -> None:
    item = create(released, org["N-ED"], alice)
    item = action_update(
        item=item, by=alice, status=ActionItem.Status.IN_PROGRESS, commitment="New"
    )
    assert item.status == ActionItem.Status.IN_PROGRESS and item.commitment == "New"
    update = AuditEntry.objects.get(action="action.update")
    assert update.data == {"unit": "N-ED", "status": "in_progress", "commitment": "changed"}
    with pytest.raises(TypeError):
        action_update(item=item, by=alice, unit=org["S-MED"])
    action_delete(item=item, by=alice)
    assert not ActionItem.objects.exists()
    assert AuditEntry.objects.filter(action="action.delete").exists()


def test_publish_schedules_the_follow_up_a_month_later(
    alice: Any,
    released: Wave,
    org: dict[str, OrgUnit],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django_tasks import task_backends

    settings.TASKS = DUMMY_TASKS
    item = create(released, org["N-ED"], alice)
    with django_capture_on_commit_callbacks(execute=True):
        item = action_publish(item=item, by=alice)
    assert item.published_on == timezone.localdate()
    results = task_backends["default"].results
    assert len(results) == 1
    result = results[0]
    assert result.task.name == "action_follow_up"
    assert result.args == [item.pk]
    expected = item.published_on + datetime.timedelta(days=FOLLOW_UP_DAYS)
    assert result.task.run_after.date() == expected
    assert timezone.is_aware(result.task.run_after)
    # Publishing again is a no-op; unpublishing takes it away from staff.
    with django_capture_on_commit_callbacks(execute=True):
        action_publish(item=item, by=alice)
    assert len(task_backends["default"].results) == 1
    item = action_publish(item=item, by=alice, publish=False)
    assert item.published_on is None
    assert AuditEntry.objects.filter(action="action.unpublish").exists()


def test_backends_that_cannot_defer_do_not_remind_at_once(
    alice: Any, released: Wave, org: dict[str, OrgUnit]
) -> None:
    item = create(released, org["N-ED"], alice)
    item.published_on = timezone.localdate()
    assert schedule_follow_up(item) is None  # the test settings use the immediate backend
    assert not mail.outbox


def _published(alice: Any, released: Wave, unit: OrgUnit, days_ago: int) -> ActionItem:
    item = create(released, unit, alice)
    ActionItem.objects.filter(pk=item.pk).update(
        published_on=timezone.localdate() - datetime.timedelta(days=days_ago)
    )
    item.refresh_from_db()
    return item


def test_follow_up_emails_the_units_leaders_once(
    alice: Any, released: Wave, org: dict[str, OrgUnit], django_user_model: Any
) -> None:
    from surveys.services.units import leadership_assign

    dana = django_user_model.objects.create_user(
        username="dana", email="dana@example.org", preferred_language="fr"
    )
    leadership_assign(user=dana, unit=org["N-ED"])
    item = _published(alice, released, org["N-ED"], FOLLOW_UP_DAYS)
    assert action_follow_up_send(item_id=item.pk) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dana@example.org"]
    # Bilingual: the leader's language first, then the other.
    assert message.subject.startswith("Suivi du plan d'action")
    assert " / Action plan follow-up" in message.subject
    assert message.body.index("Bonjour") < message.body.index("Hello")
    assert "/reports/spring/u/N-ED/actions/" in message.body
    assert "Debrief after every code" in message.body
    # Idempotent: the task may run again (retries, a second publish) without a second e-mail.
    assert action_follow_up_send(item_id=item.pk) == 0
    assert action_follow_up.call(item.pk) == 0
    assert len(mail.outbox) == 1
    assert ActionItem.objects.get(pk=item.pk).follow_up_sent_on == timezone.localdate()


def test_no_follow_up_when_done_unpublished_early_or_deleted(
    alice: Any, released: Wave, org: dict[str, OrgUnit]
) -> None:
    done = _published(alice, released, org["N-ED"], 40)
    ActionItem.objects.filter(pk=done.pk).update(status=ActionItem.Status.DONE)
    early = _published(alice, released, org["N-ED"], 3)
    unpublished = create(released, org["N-ED"], alice)
    for item in (done, early, unpublished):
        assert action_follow_up_send(item_id=item.pk) == 0
    assert action_follow_up_send(item_id=999_999) == 0
    assert not mail.outbox


def test_follow_up_goes_up_the_tree_when_a_unit_has_no_leader(
    alice: Any, released: Wave, org: dict[str, OrgUnit]
) -> None:
    assert follow_up_recipients(org["N-ED"]) == [alice]  # N-ED has no leader of its own
    item = _published(alice, released, org["N-ED"], 31)
    assert action_follow_up_send(item_id=item.pk) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    assert mail.outbox[0].body.index("Hello") < mail.outbox[0].body.index("Bonjour")
