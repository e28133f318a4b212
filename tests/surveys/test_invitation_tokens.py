"""Invitation tokens are derived from a stored salt, so reminders resend the same link."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import override_settings

from surveys.models import Invitation
from surveys.services.mailing import invitation_link
from surveys.services.responses import response_submit
from surveys.services.rosters import roster_import, roster_read
from surveys.tokens import invitation_token, new_token_salt, token_hash
from tests.hr_helpers import roster_csv


def test_token_is_256_bits_url_safe_and_stable():
    salt = new_token_salt()

    token = invitation_token(salt)

    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 32 bytes of HMAC-SHA256
    assert invitation_token(salt) == token
    assert invitation_token(new_token_salt()) != token


def test_token_depends_on_the_secret_key():
    salt = new_token_salt()
    token = invitation_token(salt)

    with override_settings(SECRET_KEY="another-key-after-rotation"):
        assert invitation_token(salt) != token


def test_a_purged_invitation_has_no_token():
    with pytest.raises(ValueError, match="no token salt"):
        invitation_token("")


@pytest.mark.django_db
def test_link_shape_and_only_the_hash_is_stored(open_wave, org, settings):
    settings.SITE_URL = "https://survey.example.org"
    roster_import(wave=open_wave, rows=roster_read(roster_csv("a@example.org,N-ED,en")))
    invitation = Invitation.objects.get()

    link = invitation_link(invitation)

    token = invitation_token(invitation.token_salt)
    assert link == f"https://survey.example.org/s/i/{token}/"
    assert invitation.token_hash == token_hash(token)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM surveys_invitation")
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert token not in stored


@pytest.mark.django_db
def test_the_derived_token_answers_the_survey_once(open_wave, org):
    roster_import(wave=open_wave, rows=roster_read(roster_csv("a@example.org,N-ED,en")))
    invitation = Invitation.objects.get()

    response_submit(
        wave=open_wave, answers={"A1": 1}, token=invitation_token(invitation.token_salt)
    )

    invitation.refresh_from_db()
    assert invitation.status == "completed"


@pytest.mark.django_db
def test_seed_demo_prints_three_working_links_and_the_same_ones_again():
    import io

    from django.core.management import call_command

    def links() -> list[str]:
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        return re.findall(r"/s/i/([A-Za-z0-9_-]{43})/", out.getvalue())

    first = links()

    assert len(first) == 3
    for token in first:
        invitation = Invitation.objects.get(token_hash=token_hash(token))
        assert invitation.status == "pending" and invitation.wave.status == "open"
    assert links() == first  # derived, not regenerated: reprinting changes nothing
