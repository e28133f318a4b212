"""/hr/audit/: the read-only audit log, 50 entries a page, filtered by action and target."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from surveys.audit import audit
from surveys.models import AuditEntry, RosterUpload, Wave
from tests.hr_helpers import OUTSIDERS, assert_login_redirect, roster_csv

pytestmark = pytest.mark.django_db
URL = "/hr/audit/"


def test_columns_and_masked_details(client, hr, wave):
    audit(hr, "wave.thresholds", wave, before={"min_group_size": 5}, token="abc", after=7)
    client.force_login(hr)

    html = client.get(URL).content.decode()

    assert '<th scope="col">Day</th>' in html and '<th scope="col">Details</th>' in html
    assert "<code>wave.thresholds</code>" in html
    assert "<td>hr</td>" in html
    assert "surveys.wave:" in html and "Spring check-in" in html
    assert "<dt>token</dt><dd>***</dd>" in html
    assert "abc" not in html
    assert "<dt>before</dt><dd>{&quot;min_group_size&quot;: 5}</dd>" in html


def test_fifty_entries_a_page(client, hr):
    for index in range(120):
        audit(hr, "unit.create", f"unit {index:03d}")
    client.force_login(hr)

    first = client.get(URL).content.decode()
    last = client.get(URL, {"page": 3}).content.decode()

    assert first.count("<code>unit.create</code>") == 50
    assert "page 1 of 3 (120 in all)" in first
    assert "Older entries" in first and "Newer entries" not in first
    assert last.count("<code>unit.create</code>") == 20
    assert "unit 000" in last and "unit 119" in first  # newest first
    assert client.get(URL, {"page": "x"}).status_code == 200


def test_filter_by_action_prefix_and_target(client, hr, wave):
    audit(hr, "roster.import", wave, count=3)
    audit(hr, "roster.purge", "spring", purged=3)
    audit(hr, "instrument.export", "mini v1")
    client.force_login(hr)

    html = client.get(URL, {"action": "roster"}).content.decode()
    assert html.count("<code>roster.") == 2
    assert "<code>instrument.export</code>" not in html
    assert '<option value="roster" selected>roster.*</option>' in html

    html = client.get(URL, {"target": "mini"}).content.decode()
    assert "<code>instrument.export</code>" in html
    assert "<code>roster." not in html

    html = client.get(URL, {"action": "roster", "page": 1, "target": "spring"}).content.decode()
    assert html.count("<code>roster.") == 2


def test_empty_states(client, hr):
    client.force_login(hr)

    assert "Nothing has been recorded yet." in client.get(URL).content.decode()
    assert "No entry matches these filters." in client.get(URL, {"target": "zzz"}).content.decode()


def test_admin_actions_through_the_pages_all_leave_entries(client, hr, org, mini_version):
    client.force_login(hr)
    thresholds = {"min_group_size": 5, "min_comment_group_size": 10, "min_equity_group_size": 10}
    client.post(
        "/hr/waves/new/",
        {
            "name": "Audited",
            "slug": "audited",
            "instrument_version": mini_version.pk,
            "units": [org["ORG"].pk],
            **thresholds,
        },
    )
    client.post("/hr/waves/audited/checklist/", {"key": "leaders_briefed", "done": "1"})
    roster = SimpleUploadedFile("r.csv", roster_csv("a@example.org,N-ED,en"))
    client.post("/hr/waves/audited/roster/", {"file": roster})
    client.post(f"/hr/waves/audited/roster/{RosterUpload.objects.get().pk}/confirm/")
    client.post("/hr/waves/audited/stage/", {"status": "open", "confirm": "1"})
    opened = Wave.objects.get(slug="audited")
    client.post(
        "/hr/waves/audited/edit/",
        {
            "name": "Audited again",
            "opens_on": opened.opens_on.isoformat(),
            **thresholds,
            "min_group_size": 6,
        },
    )
    assert Wave.objects.get(slug="audited").name == "Audited again"
    client.post("/hr/waves/audited/send/invitations/", {"confirm": "1"})
    client.get("/hr/instruments/mini/v1/download/")
    client.post("/hr/waves/audited/stage/", {"status": "closed", "confirm": "1"})

    actions = set(AuditEntry.objects.filter(actor=hr).values_list("action", flat=True))
    assert actions >= {
        "wave.create",
        "checklist.done",
        "roster.import",
        "wave.open",
        "wave.update",
        "wave.thresholds",
        "invitations.send",
        "instrument.export",
        "wave.closed",
    }
    html = client.get(URL).content.decode()
    assert "<code>wave.thresholds</code>" in html


def test_wrong_method(client, hr):
    client.force_login(hr)
    assert client.post(URL).status_code == 405


def test_anonymous_is_sent_to_login(client, db):
    assert_login_redirect(client.get(URL), URL)


@pytest.mark.parametrize("name", OUTSIDERS)
def test_other_roles_are_refused(client, request, name):
    client.force_login(request.getfixturevalue(name))
    assert client.get(URL).status_code == 403
