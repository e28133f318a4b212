"""Invariant 1: nothing ties a response to a person.

These tests inspect the models themselves, so adding a field, a relation or a
timestamp to the wrong place fails here before it can ship.
"""

from __future__ import annotations

import uuid

import pytest
from django.apps import apps
from django.db import connection, models

from surveys.models import (
    Comment,
    Draft,
    Invitation,
    OrgUnit,
    Response,
    SubmissionGuard,
    Wave,
)
from surveys.services.responses import response_submit, responses_scrub_storage
from surveys.services.waves import wave_set_status
from surveys.tokens import new_token, token_hash

ANSWER_MODELS = (Response, Comment)
# The only things an answer may point to: shared dimensions, never a person.
ALLOWED_TARGETS = {Wave, OrgUnit}

RESPONSE_FIELDS = {"id", "wave", "unit", "answers", "scores", "receipt_hash"}
COMMENT_FIELDS = {"id", "wave", "unit", "item_code", "text", "receipt_hash"}
INVITATION_FIELDS = {"id", "wave", "unit", "email", "language", "token_hash", "status"} | {
    "token_salt",
    "sent_on",
    "reminded_on",
    "reminder_count",
    "send_state",
    "send_attempts",
    "last_send_error",
}
TIME_FIELDS = (models.DateTimeField, models.TimeField, models.DurationField)


def _concrete(model: type[models.Model]) -> set[str]:
    return {field.name for field in model._meta.get_fields() if field.concrete}


def test_responses_store_exactly_the_allowed_fields():
    assert _concrete(Response) == RESPONSE_FIELDS
    assert _concrete(Comment) == COMMENT_FIELDS


def test_invitations_keep_no_completion_time_and_no_link_to_answers():
    assert _concrete(Invitation) == INVITATION_FIELDS
    assert not any(isinstance(field, TIME_FIELDS) for field in Invitation._meta.get_fields())


@pytest.mark.parametrize("model", ANSWER_MODELS)
def test_answers_have_random_keys_and_no_date_or_time(model):
    pk = model._meta.pk
    assert isinstance(pk, models.UUIDField)
    assert pk.default is uuid.uuid4
    for field in model._meta.get_fields():
        assert not isinstance(field, (models.DateField, *TIME_FIELDS)), field.name
        assert not isinstance(field, models.AutoField), field.name
    assert model._meta.ordering == ["id"], "default order must be the random key"


@pytest.mark.parametrize("model", ANSWER_MODELS)
def test_answers_point_only_at_shared_dimensions(model):
    for field in model._meta.get_fields():
        if field.is_relation and field.concrete:
            assert field.related_model in ALLOWED_TARGETS, f"{model.__name__}.{field.name}"


def test_nothing_in_the_code_base_points_at_an_answer():
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model in ANSWER_MODELS:
                pytest.fail(
                    f"{model.__name__}.{field.name} points at {field.related_model.__name__}"
                )


def test_no_identity_shaped_field_on_answers():
    suspicious = (
        "user",
        "email",
        "token",
        "ip",
        "agent",
        "session",
        "invitation",
        "name",
        "time",
        "date",
    )
    for model in ANSWER_MODELS:
        for field in model._meta.get_fields():
            if field.name == "receipt_hash":  # held only by the respondent, see tokens.receipt_hash
                continue
            assert not any(word in field.name for word in suspicious), (
                f"{model.__name__}.{field.name}"
            )


def _dump_everything() -> str:
    """Every stored value of every table, as text, to search for secrets."""
    chunks = []
    for model in apps.get_models():
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")
            for row in cursor.fetchall():
                for value in row:
                    chunks.append(
                        bytes(value).hex() if isinstance(value, (bytes, memoryview)) else str(value)
                    )
    return "\n".join(chunks)


@pytest.mark.django_db
def test_tokens_and_receipt_codes_are_stored_only_as_hashes(open_wave, invitation_token):
    submission = response_submit(wave=open_wave, answers={"A1": 1}, token=invitation_token)
    dump = _dump_everything()
    assert token_hash(invitation_token) in dump  # the hash is there...
    assert invitation_token not in dump  # ...the token is not
    assert submission.receipt_code not in dump
    assert submission.receipt_code.replace("-", "") not in dump


@pytest.mark.django_db
def test_default_order_of_responses_is_not_submission_order(open_wave, org):
    submitted = []
    for index in range(40):
        response_submit(
            wave=open_wave, answers={"A1": index % 5}, unit=org["S-MED"], source="open_link"
        )
        submitted.append(Response.objects.order_by("-receipt_hash").values_list("id", flat=True))
    listed = list(Response.objects.values_list("id", flat=True))
    assert listed == sorted(listed)  # ordered by the random key
    # Insertion order, recovered from below the ORM, differs from what is listed.
    assert listed != _physical_ids("surveys_response")  # 1 chance in 40! of a false failure


def _physical_ids(table: str) -> list[uuid.UUID]:
    order = "rowid" if connection.vendor == "sqlite" else "ctid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} ORDER BY {order}")
        return [uuid.UUID(str(row[0])) for row in cursor.fetchall()]


@pytest.mark.django_db
def test_scrubbing_leaves_storage_in_random_key_order(open_wave, org):
    for index in range(30):
        response_submit(
            wave=open_wave,
            answers={"A1": index % 5},
            comments={"E1": f"c{index}"},
            unit=org["N-ED"],
            source="open_link",
        )
    before = _physical_ids("surveys_response")
    assert before != sorted(before)  # insertion order leaks below the ORM...
    responses_scrub_storage(wave=open_wave)
    after = _physical_ids("surveys_response")
    assert after == sorted(after)  # ...until the rewrite puts rows in random-key order
    assert sorted(after) == sorted(before)
    comments = _physical_ids("surveys_comment")
    assert comments == sorted(comments)


@pytest.mark.django_db
def test_closing_a_wave_scrubs_its_storage(open_wave, org):
    for index in range(20):
        response_submit(
            wave=open_wave, answers={"A1": index % 5}, unit=org["N-ED"], source="open_link"
        )
    wave_set_status(wave=open_wave, status="closed")
    after = _physical_ids("surveys_response")
    assert after == sorted(after)


@pytest.mark.django_db(transaction=True)
def test_postgres_transaction_ids_no_longer_pair_invitations_with_responses(open_wave, org):
    if connection.vendor != "postgresql":
        pytest.skip("xmin is PostgreSQL's; set DATABASE_URL to run this")
    tokens = []
    for index in range(5):
        token = new_token()
        Invitation.objects.create(
            wave=open_wave,
            unit=org["N-ED"],
            email=f"p{index}@example.org",
            token_hash=token_hash(token),
        )
        tokens.append(token)
    for token in tokens:
        response_submit(wave=open_wave, answers={"A1": 2}, token=token)

    def xmins(table: str) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT xmin::text FROM {table} WHERE status = 'completed'"
                if table == "surveys_invitation"
                else f"SELECT xmin::text FROM {table}"
            )
            return [row[0] for row in cursor.fetchall()]

    # Each submission's transaction id is shared by its invitation and its response: a link.
    assert set(xmins("surveys_invitation")) == set(xmins("surveys_response"))
    responses_scrub_storage(wave=open_wave)
    invitation_ids, response_ids = set(xmins("surveys_invitation")), set(xmins("surveys_response"))
    assert len(invitation_ids) == 1 and len(response_ids) == 1


def test_submission_guards_hold_no_relation_to_answers():
    assert _concrete(SubmissionGuard) == {"id", "wave", "key_hash"}


def test_drafts_keep_only_a_hash_an_encrypted_payload_and_a_day():
    # Token, once-key, unit, answers and comments live only inside the encrypted payload.
    assert _concrete(Draft) == {"id", "wave", "key_hash", "payload", "expires_on"}
