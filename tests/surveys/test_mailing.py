"""Invitation and reminder e-mails through a real SMTP server, in English and in French.

The tasks run immediately here (test settings use the immediate backend);
tests/surveys/test_worker.py runs the same path through the database worker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from surveys.models import AuditEntry, Invitation
from surveys.services.mailing import MailingError, invitations_send, reminders_send
from surveys.services.responses import response_submit
from surveys.services.rosters import roster_import, roster_read
from surveys.tokens import invitation_token, token_hash
from tests.hr_helpers import roster_csv
from tests.smtp_server import Recorder, smtp_server

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https://survey\.example\.org/s/i/([A-Za-z0-9_-]{43})/")
URL = re.compile(r"""https?://[^\s"'<>]+""")


@pytest.fixture
def smtp(settings) -> Iterator[Recorder]:
    settings.SITE_URL = "https://survey.example.org"
    settings.CONTINUUM_ORGANIZATION_NAME = "Coastal Health"
    with smtp_server(settings) as recorder:
        yield recorder


@pytest.fixture
def roster(open_wave, org) -> dict[str, Invitation]:
    roster_import(
        wave=open_wave,
        rows=roster_read(roster_csv("ana@example.org,N-ED,en", "benoit@example.org,N-ICU,fr")),
    )
    return {i.email: i for i in Invitation.objects.filter(wave=open_wave)}


def by_recipient(smtp: Recorder) -> dict[str, object]:
    return {message["To"]: message for message in smtp.messages}


def assert_untracked(smtp: Recorder, message, token: str) -> None:
    text, html = smtp.text(message), smtp.html(message)
    link = f"https://survey.example.org/s/i/{token}/"
    assert set(URL.findall(text)) == {link}, "the invitation link is the only address"
    assert set(URL.findall(html)) == {link}
    for tracker in ("<img", "src=", "url(", "background=", "<script", "utm_", "?"):
        assert tracker not in html.replace(link, ""), tracker
    assert "?" not in link and "#" not in link


def test_invitations_in_english_and_french_through_smtp(smtp, roster, open_wave, hr):
    open_wave.closes_on = None

    assert invitations_send(wave=open_wave, by=hr) == 2

    assert len(smtp.messages) == 2
    received = by_recipient(smtp)
    english, french = received["ana@example.org"], received["benoit@example.org"]

    assert english["Subject"] == "Invitation: Spring check-in, a confidential wellbeing survey"
    assert english["Content-Language"] == "en"
    text = smtp.text(english)
    assert text.startswith("Hello,\n")
    assert 'Coastal Health invites you to answer "Spring check-in"' in text
    assert "no one, not HR and not your leader, can see what you answered" in text
    assert "at least 5 people" in text
    assert "988" in text
    assert '<html lang="en">' in smtp.html(english)

    assert french["Subject"].strip() == (
        "Invitation : Spring check-in, un sondage confidentiel sur le bien-être"
    )
    assert french["Content-Language"] == "fr"
    text = smtp.text(french)
    assert text.startswith("Bonjour,\n")
    assert "Coastal Health vous invite à répondre à « Spring check-in »" in text
    assert "Votre lien personnel :" in text
    assert '<html lang="fr">' in smtp.html(french)

    for email, message in received.items():
        token = LINK.search(smtp.text(message)).group(1)
        invitation = roster[email]
        assert token == invitation_token(invitation.token_salt)
        assert token_hash(token) == invitation.token_hash
        assert_untracked(smtp, message, token)


def test_sent_on_is_recorded_after_delivery_and_nobody_gets_two(smtp, roster, open_wave, hr):
    invitations_send(wave=open_wave, by=hr)

    assert all(i.sent_on is not None for i in Invitation.objects.all())
    assert {i.send_state for i in Invitation.objects.all()} == {""}
    assert invitations_send(wave=open_wave, by=hr) == 0
    assert len(smtp.messages) == 2
    assert AuditEntry.objects.get(action="invitations.send").data == {"count": 2}


def test_reminders_carry_the_same_link_and_skip_completed_invitations(smtp, roster, open_wave, hr):
    invitations_send(wave=open_wave, by=hr)
    first_links = {m["To"]: LINK.search(smtp.text(m)).group(0) for m in smtp.messages}
    done = roster["ana@example.org"]
    response_submit(wave=open_wave, answers={"A1": 2}, token=invitation_token(done.token_salt))
    smtp.messages.clear()

    assert reminders_send(wave=open_wave, by=hr) == 1

    [reminder] = smtp.messages
    assert reminder["To"] == "benoit@example.org"
    assert (
        reminder["Subject"].strip()
        == "Rappel : Spring check-in, un sondage confidentiel sur le bien-être"
    )
    assert LINK.search(smtp.text(reminder)).group(0) == first_links["benoit@example.org"]
    assert "le même que dans votre invitation" in smtp.text(reminder)
    assert_untracked(smtp, reminder, LINK.search(smtp.text(reminder)).group(1))
    pending = Invitation.objects.get(email="benoit@example.org")
    assert pending.reminder_count == 1 and pending.reminded_on is not None
    completed = Invitation.objects.get(email="ana@example.org")
    assert completed.reminder_count == 0 and completed.reminded_on is None


def test_english_reminder(smtp, roster, open_wave, hr):
    invitations_send(wave=open_wave, by=hr)
    smtp.messages.clear()
    reminders_send(wave=open_wave, by=hr)

    english = by_recipient(smtp)["ana@example.org"]
    assert english["Subject"] == "Reminder: Spring check-in, a confidential wellbeing survey"
    assert "Your personal link (the same as in your invitation):" in smtp.text(english)


def test_one_reminder_a_day_at_most(smtp, roster, open_wave, hr):
    invitations_send(wave=open_wave, by=hr)
    reminders_send(wave=open_wave, by=hr)

    assert reminders_send(wave=open_wave, by=hr) == 0
    assert len(smtp.messages) == 4


def test_reminders_skip_purged_invitations(smtp, roster, open_wave, hr):
    invitations_send(wave=open_wave, by=hr)
    Invitation.objects.filter(email="ana@example.org").update(email="", token_salt="")
    smtp.messages.clear()

    assert reminders_send(wave=open_wave, by=hr) == 1
    assert [m["To"] for m in smtp.messages] == ["benoit@example.org"]


def test_nothing_is_sent_unless_the_wave_is_open(smtp, wave, org, hr):
    roster_import(wave=wave, rows=roster_read(roster_csv("ana@example.org,N-ED,en")))

    with pytest.raises(MailingError, match="only while the wave is open"):
        invitations_send(wave=wave, by=hr)
    with pytest.raises(MailingError):
        reminders_send(wave=wave, by=hr)
    assert not smtp.messages


def test_a_refused_delivery_is_retried_and_then_succeeds(smtp, roster, open_wave, hr):
    smtp.refuse.append("451 4.3.0 Try again later")

    invitations_send(wave=open_wave, by=hr)

    assert len(smtp.messages) == 2
    assert all(i.sent_on for i in Invitation.objects.all())
    assert {i.send_attempts for i in Invitation.objects.all()} == {0}


def test_an_address_refused_for_good_fails_at_once(smtp, roster, open_wave, hr):
    smtp.refuse.append("550 5.1.1 No such user")

    invitations_send(wave=open_wave, by=hr)

    failed = Invitation.objects.get(send_state="failed")
    assert failed.sent_on is None and failed.send_attempts == 1
    assert failed.last_send_error == "SMTP 550 5.1.1 No such user"
    assert failed.email not in failed.last_send_error
    assert len(smtp.messages) == 1


def test_failed_invitations_are_tried_again_by_the_next_send(smtp, roster, open_wave, hr):
    smtp.refuse.append("550 5.1.1 No such user")
    invitations_send(wave=open_wave, by=hr)

    assert invitations_send(wave=open_wave, by=hr) == 1

    assert not Invitation.objects.filter(send_state="failed").exists()
    assert len(smtp.messages) == 2


def test_gives_up_after_the_last_attempt(settings, roster, open_wave, hr):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on port 9
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 2
    settings.EMAIL_MAX_ATTEMPTS = 3

    invitations_send(wave=open_wave, by=hr)

    for invitation in Invitation.objects.all():
        assert invitation.send_state == "failed"
        assert invitation.send_attempts == 3
        assert invitation.sent_on is None
        assert invitation.last_send_error.startswith("ConnectionRefusedError")
