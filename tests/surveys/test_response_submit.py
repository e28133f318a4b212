"""response_submit: scores, atomicity, tokens, closed waves, double submits, withdrawal."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from django.db import DatabaseError, connection

from surveys.instruments.encoding import decode_answers, decode_scores
from surveys.models import Comment, Invitation, Response, Wave
from surveys.services.responses import (
    AlreadySubmitted,
    InvalidAnswers,
    TokenUnknown,
    TokenUsed,
    UnitNotInWave,
    WaveNotOpen,
    WithdrawalError,
    response_submit,
    response_withdraw,
)
from surveys.services.units import unit_create
from surveys.services.waves import wave_set_status

pytestmark = pytest.mark.django_db

ANSWERS = {
    "A1": 4,
    "A2": 2,
    "A3": 4,
    "A4": 0,
    "B1": 3,
    "D1": "woman",
    "D2": ["first_nations", "metis"],
}


def test_invitation_submission_stores_scores_and_marks_the_invitation_used(
    open_wave, invitation_token, org
):
    submission = response_submit(wave=open_wave, answers=ANSWERS, token=invitation_token)

    response = Response.objects.get()
    assert response.unit == org["N-ED"]
    definition = open_wave.instrument_version.parsed
    assert decode_answers(definition, bytes(response.answers))["D2"] == ["first_nations", "metis"]
    assert decode_scores(definition, bytes(response.scores)) == {
        "stress": 75,
        "burnout": 100,
        "cares_connect": 75,
    }
    assert submission.scores == {"stress": 75, "burnout": 100, "cares_connect": 75}
    assert Invitation.objects.get().status == Invitation.Status.COMPLETED


def test_a_used_token_is_refused_and_stores_nothing_more(open_wave, invitation_token):
    response_submit(wave=open_wave, answers=ANSWERS, token=invitation_token)
    with pytest.raises(TokenUsed):
        response_submit(wave=open_wave, answers=ANSWERS, token=invitation_token)
    assert Response.objects.count() == 1


def test_an_unknown_token_is_refused(open_wave, invitation_token):
    with pytest.raises(TokenUnknown):
        response_submit(wave=open_wave, answers=ANSWERS, token="not-a-real-token")
    with pytest.raises(TokenUnknown):
        response_submit(wave=open_wave, answers=ANSWERS, token=None)
    assert Response.objects.count() == 0


def test_a_token_of_another_wave_is_refused(open_wave, invitation_token, org, mini_version):
    from surveys.services.waves import wave_create

    other = wave_create(
        slug="other",
        name="Other",
        instrument_version=mini_version,
        units=[org["ORG"]],
        open_link_enabled=True,
    )
    wave_set_status(wave=other, status="open")
    with pytest.raises(TokenUnknown):
        response_submit(wave=other, answers=ANSWERS, token=invitation_token)
    assert Invitation.objects.get().status == Invitation.Status.PENDING


@pytest.mark.parametrize("status", ["closed", "released"])
def test_a_closed_wave_refuses_and_leaves_the_invitation_pending(
    open_wave, invitation_token, status
):
    wave_set_status(wave=open_wave, status="closed")
    if status == "released":
        wave_set_status(wave=open_wave, status="released")
    with pytest.raises(WaveNotOpen):
        response_submit(wave=open_wave, answers=ANSWERS, token=invitation_token)
    assert Response.objects.count() == 0
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_a_draft_wave_refuses(wave, org):
    with pytest.raises(WaveNotOpen):
        response_submit(wave=wave, answers=ANSWERS, unit=org["N-ED"], source="open_link")


def test_skipping_everything_still_submits(open_wave, invitation_token):
    submission = response_submit(wave=open_wave, answers={}, token=invitation_token)
    assert Response.objects.count() == 1
    assert set(submission.scores.values()) == {None}
    assert submission.receipt_code


def test_open_link_needs_the_link_enabled_and_a_unit_in_scope(open_wave, org):
    outside = unit_create(code="ELSEWHERE", name="Not in the wave")
    with pytest.raises(UnitNotInWave):
        response_submit(wave=open_wave, answers=ANSWERS, unit=outside, source="open_link")
    with pytest.raises(UnitNotInWave):
        response_submit(wave=open_wave, answers=ANSWERS, unit=None, source="open_link")
    Wave.objects.filter(pk=open_wave.pk).update(open_link_enabled=False)
    with pytest.raises(WaveNotOpen):
        response_submit(wave=open_wave, answers=ANSWERS, unit=org["S-MED"], source="open_link")
    assert Response.objects.count() == 0


def test_invalid_answers_store_nothing_and_keep_the_token_usable(open_wave, invitation_token):
    for bad in ({"A1": 9}, {"D1": "martian"}, {"ZZ": 1}, {"D2": ["not_indigenous", "metis"]}):
        with pytest.raises(InvalidAnswers):
            response_submit(wave=open_wave, answers=bad, token=invitation_token)
    with pytest.raises(InvalidAnswers):
        response_submit(
            wave=open_wave, answers={}, comments={"E1": "x" * 201}, token=invitation_token
        )
    assert Response.objects.count() == 0
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_a_database_error_mid_submission_leaves_nothing_half_written(
    open_wave, invitation_token, monkeypatch
):
    def broken(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(Comment.objects, "bulk_create", broken)
    with pytest.raises(DatabaseError):
        response_submit(
            wave=open_wave, answers=ANSWERS, comments={"E1": "More staff"}, token=invitation_token
        )
    assert Response.objects.count() == 0
    assert Invitation.objects.get().status == Invitation.Status.PENDING
    monkeypatch.undo()
    response_submit(
        wave=open_wave, answers=ANSWERS, comments={"E1": "More staff"}, token=invitation_token
    )
    assert Response.objects.count() == 1


def test_a_once_key_makes_a_double_submit_store_one_response(open_wave, org):
    response_submit(
        wave=open_wave, answers=ANSWERS, unit=org["S-MED"], source="open_link", once_key="k1"
    )
    with pytest.raises(AlreadySubmitted):
        response_submit(
            wave=open_wave, answers=ANSWERS, unit=org["S-MED"], source="open_link", once_key="k1"
        )
    assert Response.objects.count() == 1


def test_comments_are_stored_apart_from_the_scores(open_wave, invitation_token):
    response_submit(
        wave=open_wave,
        answers=ANSWERS,
        comments={"E1": "  Quieter break room  "},
        token=invitation_token,
    )
    comment = Comment.objects.get()
    assert comment.text == "Quieter break room"
    response = Response.objects.get()
    assert comment.receipt_hash and response.receipt_hash
    assert comment.receipt_hash != response.receipt_hash


def test_paper_responses_are_allowed_while_closed_but_not_after_release(open_wave, org):
    wave_set_status(wave=open_wave, status="closed")
    response_submit(
        wave=open_wave, answers=ANSWERS, unit=org["N-ICU"], source="paper", with_receipt=False
    )
    assert Response.objects.get().receipt_hash is None
    wave_set_status(wave=open_wave, status="released")
    with pytest.raises(WaveNotOpen):
        response_submit(wave=open_wave, answers=ANSWERS, unit=org["N-ICU"], source="paper")


def test_withdrawal_deletes_the_response_and_its_comments(open_wave, invitation_token):
    submission = response_submit(
        wave=open_wave, answers=ANSWERS, comments={"E1": "Rest"}, token=invitation_token
    )
    response_submit(
        wave=open_wave, answers=ANSWERS, unit=open_wave.units.first(), source="open_link"
    )
    version = Wave.objects.get(pk=open_wave.pk).data_version

    assert (
        response_withdraw(wave=open_wave, receipt_code="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-F") is False
    )
    assert Response.objects.count() == 2
    code = submission.receipt_code.lower().replace("-", " ")  # forgiving about case and separators
    assert response_withdraw(wave=open_wave, receipt_code=code) is True
    assert Response.objects.count() == 1
    assert Comment.objects.count() == 0
    assert Wave.objects.get(pk=open_wave.pk).data_version == version + 1
    assert response_withdraw(wave=open_wave, receipt_code=submission.receipt_code) is False


def test_withdrawal_is_refused_once_the_wave_has_closed(open_wave, invitation_token):
    submission = response_submit(wave=open_wave, answers=ANSWERS, token=invitation_token)
    wave_set_status(wave=open_wave, status="closed")
    with pytest.raises(WithdrawalError):
        response_withdraw(wave=open_wave, receipt_code=submission.receipt_code)
    assert Response.objects.count() == 1


def test_logs_never_contain_the_token(open_wave, invitation_token, caplog):
    caplog.set_level(logging.DEBUG)
    response_submit(wave=open_wave, answers=ANSWERS, token=invitation_token)
    with pytest.raises(TokenUsed):
        response_submit(wave=open_wave, answers=ANSWERS, token=invitation_token)
    assert invitation_token not in caplog.text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_of_one_token_store_exactly_one_response(open_wave, invitation_token):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; set DATABASE_URL to run this")
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def submit() -> None:
        from django.db import connections

        try:
            barrier.wait()
            response_submit(wave=open_wave, answers=ANSWERS, token=invitation_token)
            outcomes.append("stored")
        except TokenUsed:
            outcomes.append("used")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["stored"] + ["used"] * 7
    assert Response.objects.count() == 1
