"""PDF reports prepared by the worker: only for the person who asked, under the rules of now."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reports.models import ReportRender
from reports.services.renders import render_run, renders_purge
from surveys.models import AuditEntry, Wave
from surveys.services.units import leadership_remove

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "QUEUES": ["default", "email"],
    }
}


def ask(client: Client, wave: Wave, code: str = "NORTH") -> str:
    response = client.post(reverse("reports:unit_pdf", args=[wave.slug, code]))
    assert response.status_code == 302
    return response["Location"]


def test_the_progress_page_follows_the_worker(client: Client, alice: Any, released: Wave, settings):
    settings.TASKS = DUMMY_TASKS  # the worker has not run yet
    client.force_login(alice)
    page = ask(client, released)
    render = ReportRender.objects.get()
    html = client.get(page).content.decode()
    assert "Your PDF is being prepared" in html
    assert "<progress" in html and "js/render-status.js" in html
    assert client.get(page + "state/").json() == {"status": "queued"}
    assert client.get(page + "download/")["Location"] == page  # nothing to download yet

    assert render_run(render_id=str(render.pk)) == "done"

    assert client.get(page + "state/").json() == {"status": "done"}
    html = client.get(page).content.decode()
    assert "Your PDF is ready" in html and "js/render-status.js" not in html
    assert client.get(page + "download/").content.startswith(b"%PDF")
    assert render_run(render_id=str(render.pk)) == "gone"  # a second run does nothing
    assert AuditEntry.objects.filter(action="report.export").count() == 1


@pytest.mark.parametrize("other", ["bob", "analyst", "hr"])
def test_nobody_else_can_see_or_download_it(
    client: Client, alice: Any, bob: Any, analyst: Any, hr: Any, released: Wave, other: str
):
    client.force_login(alice)
    page = ask(client, released)
    assert client.get(page + "download/").status_code == 200
    client.force_login({"bob": bob, "analyst": analyst, "hr": hr}[other])
    for path in (page, page + "state/", page + "download/"):
        assert client.get(path).status_code == 404, path
    client.logout()
    assert client.get(page + "download/")["Location"].startswith("/accounts/login/")


def test_a_leader_removed_before_the_worker_runs_gets_no_file(
    client: Client, alice: Any, released: Wave, org: dict[str, Any], settings
):
    settings.TASKS = DUMMY_TASKS
    client.force_login(alice)
    page = ask(client, released)
    leadership_remove(user=alice, unit=org["NORTH"])

    assert render_run(render_id=str(ReportRender.objects.get().pk)) == "failed"

    assert ReportRender.objects.get().content is None
    assert "could not be prepared" in client.get(page).content.decode()
    assert not AuditEntry.objects.filter(action="report.export").exists()


def test_only_the_analyst_can_ask_for_the_equity_pdf(
    client: Client, alice: Any, released: Wave
) -> None:
    client.force_login(alice)
    assert client.post(reverse("reports:equity_pdf", args=[released.slug])).status_code == 403
    assert not ReportRender.objects.exists()


def test_prepared_pdfs_are_deleted_after_a_day(client: Client, alice: Any, released: Wave):
    client.force_login(alice)
    ask(client, released)
    ask(client, released)
    old = ReportRender.objects.order_by("requested_at").first()
    ReportRender.objects.filter(pk=old.pk).update(
        requested_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )

    assert renders_purge() == 1

    assert list(ReportRender.objects.exclude(pk=old.pk)) == list(ReportRender.objects.all())
    assert ReportRender.objects.count() == 1
