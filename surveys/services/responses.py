"""Storing and withdrawing anonymous responses: the only writers of `Response`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.instruments.encoding import (
    AnswerError,
    AnswerValue,
    encode_answers,
    score_matrix,
)
from surveys.models import Comment, Invitation, OrgUnit, Response, SubmissionGuard, Wave
from surveys.selectors import unit_in_wave
from surveys.tokens import new_code, receipt_hash, secret_hash, token_hash


class SubmissionError(Exception):
    """A submission was refused; nothing was stored. `message` is safe to show the respondent."""

    message = gettext_lazy("Your answers could not be saved.")

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__(detail or str(self.message))


class WaveNotOpen(SubmissionError):
    message = gettext_lazy("This survey is not open right now, so answers cannot be saved.")


class TokenUnknown(SubmissionError):
    message = gettext_lazy("This invitation link is not valid for this survey.")


class TokenUsed(SubmissionError):
    message = gettext_lazy(
        "Answers for this invitation have already been received. Thank you: nothing more is needed."
    )


class AlreadySubmitted(SubmissionError):
    message = gettext_lazy("These answers have already been received. Only one copy was kept.")


class UnitNotInWave(SubmissionError):
    message = gettext_lazy("This unit is not part of this survey.")


class InvalidAnswers(SubmissionError):
    message = gettext_lazy("Some answers could not be read.")


@dataclass(frozen=True)
class Submission:
    """What the respondent gets back. Only ever shown to them; never stored with anything else."""

    receipt_code: str | None
    scores: dict[str, int | None] = field(default_factory=dict)


SOURCES = ("invitation", "open_link", "paper")


def response_submit(
    *,
    wave: Wave,
    answers: Mapping[str, AnswerValue],
    comments: Mapping[str, str] | None = None,
    unit: OrgUnit | None = None,
    token: str | None = None,
    once_key: str | None = None,
    source: str = "invitation",
    with_receipt: bool = True,
) -> Submission:
    """Store one anonymous response atomically, or raise a `SubmissionError` and store nothing.

    - `source="invitation"`: `token` is required; its invitation is locked and
      marked completed in the same transaction, so a replay stores nothing.
    - `source="open_link"`: `unit` is chosen by the respondent; `once_key`
      (one per survey session) stops double submits.
    - `source="paper"`: an HR import; allowed while the wave is open or closed.
    The response row gets a random key, no time and no reference to the
    token, invitation, session or person.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    definition = wave.instrument_version.parsed
    try:
        row = encode_answers(definition, answers)
    except AnswerError as error:
        raise InvalidAnswers(str(error)) from None
    scores = score_matrix(definition, row)[0]
    comment_texts = _clean_comments(definition, comments or {})
    receipt_code = new_code() if with_receipt else None

    try:
        with transaction.atomic():
            current = Wave.objects.only("status", "open_link_enabled").get(pk=wave.pk)
            allowed = (
                (Wave.Status.OPEN, Wave.Status.CLOSED) if source == "paper" else (Wave.Status.OPEN,)
            )
            if current.status not in allowed:
                raise WaveNotOpen()
            if source == "invitation":
                unit = _consume_invitation(wave, token)
            elif source == "open_link" and not current.open_link_enabled:
                raise WaveNotOpen(_("This survey has no open link."))
            if unit is None or not unit_in_wave(wave, unit):
                raise UnitNotInWave()
            if once_key:
                SubmissionGuard.objects.create(wave=wave, key_hash=secret_hash("once", once_key))
            Response.objects.create(
                wave=wave,
                unit=unit,
                answers=row.tobytes(),
                scores=scores.tobytes(),
                receipt_hash=receipt_hash(receipt_code) if receipt_code else None,
            )
            Comment.objects.bulk_create(
                Comment(
                    wave=wave,
                    unit=unit,
                    item_code=code,
                    text=text,
                    receipt_hash=receipt_hash(receipt_code, purpose="comment")
                    if receipt_code
                    else "",
                )
                for code, text in comment_texts.items()
            )
    except IntegrityError:
        # The only unique keys a submission writes are the guard and the receipt
        # hash; a collision means this exact submission was already stored.
        raise AlreadySubmitted() from None
    return Submission(
        receipt_code=receipt_code,
        scores={
            domain.code: None if scores[domain.index] == 0xFF else int(scores[domain.index])
            for domain in definition.domains
        },
    )


def _consume_invitation(wave: Wave, token: str | None) -> OrgUnit:
    if not token:
        raise TokenUnknown()
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("unit")
        .filter(wave=wave, token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        raise TokenUnknown()
    if invitation.status == Invitation.Status.COMPLETED:
        raise TokenUsed()
    # Only the flag changes: no time, no reference to the response.
    Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.COMPLETED)
    return invitation.unit


def _clean_comments(definition: object, comments: Mapping[str, str]) -> dict[str, str]:
    items = {item.code: item for item in definition.text_items}  # type: ignore[attr-defined]
    cleaned: dict[str, str] = {}
    for code, text in comments.items():
        if code not in items:
            raise InvalidAnswers(f"{code}: is not a comment question of this instrument")
        text = (text or "").strip()
        if len(text) > items[code].max_length:
            raise InvalidAnswers(
                _("%(code)s: the comment is longer than %(limit)s characters")
                % {"code": code, "limit": items[code].max_length}
            )
        if text:
            cleaned[code] = text
    return cleaned


class WithdrawalError(Exception):
    pass


@transaction.atomic
def response_withdraw(*, wave: Wave, receipt_code: str) -> bool:
    """Delete the response (and its comments) that this receipt code belongs to.

    Only while the wave is open. Returns False when no response matches, which
    the caller reports without saying whether the code ever existed.
    """
    current = Wave.objects.select_for_update().get(pk=wave.pk)
    if current.status != Wave.Status.OPEN:
        raise WithdrawalError(_("Responses can only be withdrawn while the survey is open."))
    deleted, _detail = Response.objects.filter(
        wave=wave, receipt_hash=receipt_hash(receipt_code)
    ).delete()
    if not deleted:
        return False
    Comment.objects.filter(
        wave=wave, receipt_hash=receipt_hash(receipt_code, purpose="comment")
    ).delete()
    Wave.objects.filter(pk=wave.pk).update(data_version=F("data_version") + 1)
    return True


@transaction.atomic
def responses_scrub_storage(*, wave: Wave) -> int:
    """Rewrite a wave's responses and completed invitations so storage reveals no order.

    The ORM never exposes insertion order, but the database does below it:
    SQLite's rowid and PostgreSQL's physical row order follow insertion, and
    PostgreSQL's `xmin` is shared by the invitation and the response written
    in one submission transaction. Rewriting the responses in random-key
    order, and touching every completed invitation, in one transaction leaves
    every row with the same transaction id and a random physical order.
    Run when a wave closes and nightly while it is open.
    """
    Wave.objects.select_for_update().filter(pk=wave.pk).first()
    responses = list(
        Response.objects.filter(wave=wave)
        .order_by("id")
        .values_list("id", "unit_id", "answers", "scores", "receipt_hash")
    )
    comments = list(
        Comment.objects.filter(wave=wave)
        .order_by("id")
        .values_list("id", "unit_id", "item_code", "text", "receipt_hash")
    )
    Response.objects.filter(wave=wave)._raw_delete(Response.objects.db)
    Comment.objects.filter(wave=wave)._raw_delete(Comment.objects.db)
    Response.objects.bulk_create(
        [
            Response(
                id=pk, wave=wave, unit_id=unit_id, answers=answers, scores=scores, receipt_hash=rh
            )
            for pk, unit_id, answers, scores, rh in responses
        ],
        batch_size=2000,
    )
    Comment.objects.bulk_create(
        [
            Comment(id=pk, wave=wave, unit_id=unit_id, item_code=code, text=text, receipt_hash=rh)
            for pk, unit_id, code, text, rh in comments
        ],
        batch_size=2000,
    )
    Invitation.objects.filter(wave=wave, status=Invitation.Status.COMPLETED).update(
        status=Invitation.Status.COMPLETED
    )
    SubmissionGuard.objects.filter(wave=wave).update(key_hash=F("key_hash"))
    return len(responses)
