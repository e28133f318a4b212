"""Saved drafts ("save and continue later"): the only writers of `Draft`.

A draft holds what a person needs to continue on another day or device: the
invitation token or open-link once-key, the unit, the answers and comments.
All of it is encrypted (Fernet) with a key derived from the resume code and
`SECRET_KEY`; the row keeps only the code's hash, the wave and an expiry date.
Reading the database, or the database and the code base, reveals nothing; the
code alone (without the server's secret) decrypts nothing either.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from surveys.models import Draft, Wave
from surveys.services.responses import Submission, response_submit
from surveys.tokens import new_code, normalize_code, secret_hash

DRAFT_DAYS = 14  # a draft lives two weeks at most, and never past the wave's closing date


class DraftError(Exception):
    """The code matches no draft that can still be used."""


class DraftNotFound(DraftError):
    pass


class DraftExpired(DraftError):
    pass


@dataclass(frozen=True)
class DraftState:
    """What a draft carries: a journey in progress, minus the result."""

    token: str | None = None
    once_key: str | None = None
    unit: int | None = None
    answers: bytes = b""
    declined: tuple[str, ...] = ()
    comments: dict[str, str] = field(default_factory=dict)
    reached: int = 1

    def to_bytes(self) -> bytes:
        return json.dumps(
            {
                "t": self.token,
                "o": self.once_key,
                "u": self.unit,
                "a": base64.b64encode(self.answers).decode("ascii"),
                "d": list(self.declined),
                "c": self.comments,
                "p": self.reached,
            },
            separators=(",", ":"),
        ).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> DraftState:
        raw: dict[str, Any] = json.loads(data)
        return cls(
            token=raw.get("t"),
            once_key=raw.get("o"),
            unit=raw.get("u"),
            answers=base64.b64decode(raw.get("a", "")),
            declined=tuple(raw.get("d", ())),
            comments=dict(raw.get("c", {})),
            reached=int(raw.get("p", 1)),
        )


def draft_key_hash(code: str) -> str:
    return secret_hash("resume", normalize_code(code))


def _fernet(code: str) -> Fernet:
    material = f"{settings.SECRET_KEY}:{normalize_code(code)}".encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(material).digest()))


def _midnight_timestamp() -> int:
    # Fernet writes its creation time in clear inside the token; keep only the day.
    today = timezone.localdate()
    return int(datetime.datetime.combine(today, datetime.time(), tzinfo=datetime.UTC).timestamp())


def _expiry(wave: Wave) -> datetime.date:
    expires = timezone.localdate() + datetime.timedelta(days=DRAFT_DAYS)
    if wave.closes_on and wave.closes_on >= timezone.localdate():
        expires = min(expires, wave.closes_on)
    return expires


@transaction.atomic
def draft_save(*, wave: Wave, state: DraftState, code: str | None = None) -> tuple[str, Draft]:
    """Store (or replace) the draft for `code`, or under a new code; returns the code and row.

    Expired drafts of every wave are purged on the way: nobody can use them.
    """
    drafts_purge_expired()
    code = code or new_code()
    payload = _fernet(code).encrypt_at_time(state.to_bytes(), _midnight_timestamp())
    draft, _created = Draft.objects.update_or_create(
        key_hash=draft_key_hash(code),
        defaults={"wave": wave, "payload": payload, "expires_on": _expiry(wave)},
    )
    return code, draft


def draft_load(*, code: str) -> tuple[Wave, DraftState]:
    """The wave and state of a usable draft; raises DraftNotFound or DraftExpired."""
    draft = (
        Draft.objects.select_related("wave__instrument_version")
        .filter(key_hash=draft_key_hash(code))
        .first()
    )
    if draft is None:
        raise DraftNotFound()
    if draft.expires_on < timezone.localdate():
        draft.delete()
        raise DraftExpired()
    try:
        data = _fernet(code).decrypt(bytes(draft.payload))
    except InvalidToken:
        # A payload written under another SECRET_KEY: unusable, so gone.
        draft.delete()
        raise DraftNotFound() from None
    return draft.wave, DraftState.from_bytes(data)


def draft_delete(*, code: str) -> None:
    Draft.objects.filter(key_hash=draft_key_hash(code)).delete()


def drafts_purge(*, wave: Wave) -> int:
    """Delete every draft of a wave (when it closes)."""
    deleted, _detail = Draft.objects.filter(wave=wave).delete()
    return deleted


def drafts_purge_expired() -> int:
    deleted, _detail = Draft.objects.filter(expires_on__lt=timezone.localdate()).delete()
    return deleted


def response_submit_with_draft(
    *,
    wave: Wave,
    resume_code: str | None,
    answers: Mapping[str, Any],
    comments: Mapping[str, str] | None = None,
    **submit: Any,
) -> Submission:
    """`response_submit`, deleting the respondent's saved draft in the same transaction.

    If the submission is refused, the draft is kept (the deletion rolls back).
    """
    with transaction.atomic():
        if resume_code:
            draft_delete(code=resume_code)
        return response_submit(wave=wave, answers=answers, comments=comments, **submit)
