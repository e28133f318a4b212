"""POST /hr/waves/<slug>/send/invitations/ and /send/reminders/ (confirmation, counts, audit)."""

from __future__ import annotations

import pytest
from django.core import mail

from surveys.models import AuditEntry, Invitation
from surveys.services.responses import response_submit
from surveys.services.rosters import roster_import, roster_read
from surveys.tokens import invitation_token
from tests.hr_helpers import OUTSIDERS, assert_login_redirect, roster_csv

pytestmark = pytest.mark.django_db
INVITE = "/hr/waves/spring/send/invitations/"
REMIND = "/hr/waves/spring/send/reminders/"


@pytest.fixture
def roster(open_wave, org):
    roster_import(
        wave=open_wave,
        rows=roster_read(
            roster_csv("a@example.org,N-ED,en", "b@example.org,N-ICU,fr", "c@example.org,S-MED,en")
        ),
    )
    return list(Invitation.objects.order_by("pk"))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_send_invitations(client, hr, roster):
    client.force_login(hr)

    response = client.post(INVITE, {"confirm": "1"}, follow=True)

    assert response.redirect_chain == [("/hr/waves/spring/#sending", 302)]
    assert messages_of(response) == ["3 invitations are queued for sending."]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
    ]
    assert Invitation.objects.filter(sent_on__isnull=False).count() == 3
    html = response.content.decode()
    assert 'Invitation sent</th><td class="text-end">3</td>' in html
    entry = AuditEntry.objects.get(action="invitations.send")
    assert (entry.actor, entry.data) == (hr, {"count": 3})


def test_sending_again_sends_nothing_more(client, hr, roster):
    client.force_login(hr)
    client.post(INVITE, {"confirm": "1"}, follow=True)

    response = client.post(INVITE, {"confirm": "1"}, follow=True)

    assert messages_of(response) == ["Everyone on the roster already has their invitation."]
    assert len(mail.outbox) == 3


def test_confirmation_is_required(client, hr, roster):
    client.force_login(hr)

    response = client.post(INVITE, follow=True)

    assert messages_of(response) == ["Tick the confirmation box to send the invitations."]
    assert mail.outbox == []


def test_send_reminders_to_pending_invitations_only(client, hr, roster, open_wave):
    client.force_login(hr)
    client.post(INVITE, {"confirm": "1"}, follow=True)
    response_submit(wave=open_wave, answers={"A1": 0}, token=invitation_token(roster[0].token_salt))
    mail.outbox.clear()

    response = client.post(REMIND, {"confirm": "1"}, follow=True)

    assert messages_of(response) == ["2 reminders are queued for sending."]
    assert sorted(m.to[0] for m in mail.outbox) == ["b@example.org", "c@example.org"]
    assert AuditEntry.objects.get(action="reminders.send").data == {"count": 2}
    assert 'Reminded at least once</th><td class="text-end">2</td>' in response.content.decode()

    response = client.post(REMIND, {"confirm": "1"}, follow=True)
    assert messages_of(response) == [
        "No reminder is due: no pending invitation is left that was not reminded today."
    ]
    assert len(mail.outbox) == 2


def test_reminders_need_confirmation(client, hr, roster):
    client.force_login(hr)
    client.post(INVITE, {"confirm": "1"}, follow=True)
    mail.outbox.clear()

    response = client.post(REMIND, follow=True)

    assert messages_of(response) == ["Tick the confirmation box to send the reminders."]
    assert mail.outbox == []


@pytest.mark.parametrize("url", [INVITE, REMIND])
def test_a_draft_wave_sends_nothing(client, hr, wave, org, url):
    roster_import(wave=wave, rows=roster_read(roster_csv("a@example.org,N-ED,en")))
    client.force_login(hr)

    response = client.post(url, {"confirm": "1"}, follow=True)

    assert messages_of(response) == [
        "Invitations and reminders can be sent only while the wave is open."
    ]
    assert mail.outbox == []


@pytest.mark.parametrize("url", [INVITE, REMIND])
def test_missing_wave(client, hr, url):
    client.force_login(hr)
    assert client.post(url.replace("spring", "nope"), {"confirm": "1"}).status_code == 404


@pytest.mark.parametrize("url", [INVITE, REMIND])
def test_wrong_method(client, hr, open_wave, url):
    client.force_login(hr)
    assert client.get(url).status_code == 405


@pytest.mark.parametrize("url", [INVITE, REMIND])
def test_anonymous_is_sent_to_login(client, open_wave, url):
    assert_login_redirect(client.post(url, {"confirm": "1"}), url)


@pytest.mark.parametrize("url", [INVITE, REMIND])
@pytest.mark.parametrize("name", OUTSIDERS)
def test_other_roles_are_refused(client, request, name, roster, url):
    client.force_login(request.getfixturevalue(name))

    assert client.post(url, {"confirm": "1"}).status_code == 403
    assert mail.outbox == []
