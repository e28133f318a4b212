"""The staff journey's state, kept in the respondent's browser and nowhere else.

A server-side session row would hold the token, the answers in progress and
the receipt code together in our database: exactly the link Continuum must
never store. So the journey lives in a signed (tamper-proof, not secret: it is
the person's own data in their own browser), compressed, HttpOnly,
SameSite=Lax cookie scoped to `/s/`, that the browser forgets when it closes
and that we refuse after `MAX_AGE` seconds without activity.

Answers are stored as the base64 of the uint16 answers row (the same encoding
as `Response.answers`), so the cookie stays small whatever the instrument.
Free-text comments can be long (1,500 characters of French with accents), so
they get a cookie of their own, compressed, and are dropped with the rest once
the response is stored. After submission only the result remains: the domain
scores and the receipt code, for the private result page.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from surveys.instruments.definition import Definition
from surveys.instruments.encoding import (
    ANSWER_DTYPE,
    SCORE_DTYPE,
    AnswerValue,
    decode_answers,
    encode_answers,
)

COOKIE_NAME = "continuum_journey"
COMMENT_COOKIE_NAME = "continuum_comment"
COOKIE_PATH = "/s/"
MAX_AGE = 4 * 60 * 60  # refused after four hours without activity
MAX_COOKIE_BYTES = 3500  # well under the 4 KiB browsers keep per cookie
_SALT = "continuum.journey"
_COMMENT_SALT = "continuum.journey.comment"


@dataclass(frozen=True)
class Journey:
    """One respondent's way through one wave. Never written to the database."""

    wave: str  # the wave's slug
    token: str | None = None  # invitation journeys
    once_key: str | None = None  # open-link journeys: one response per browser
    unit: int | None = None  # open-link journeys: the unit the person chose
    answers: bytes = b""  # the uint16 answers row; empty until the first page is saved
    declined: frozenset[str] = field(default_factory=frozenset)  # "prefer not to answer" items
    reached: int = 1  # the furthest section page seen (1-based)
    resume_code: str | None = None  # set when a draft was saved or resumed
    receipt: str | None = None  # after submission
    scores: bytes | None = None  # after submission: one uint8 per domain

    @property
    def submitted(self) -> bool:
        return self.scores is not None

    @property
    def started(self) -> bool:
        return bool(self.token or self.once_key)

    def answer_values(self, definition: Definition) -> dict[str, AnswerValue]:
        # A row of another length belongs to another instrument: start afresh, never crash.
        if len(self.answers) != len(definition.slot_items) * ANSWER_DTYPE.itemsize:
            return {}
        try:
            return decode_answers(definition, self.answers)
        except IndexError:  # an option index outside this instrument's options
            return {}

    def with_answers(
        self, definition: Definition, answers: dict[str, AnswerValue], declined: set[str]
    ) -> Journey:
        """A copy with these answers merged in (codes absent from `answers` keep theirs)."""
        merged = {**self.answer_values(definition), **answers}
        row = encode_answers(definition, merged)
        codes = {item.code for item in definition.slot_items}
        touched = set(answers)
        kept = {code for code in self.declined if code not in touched}
        return replace(
            self,
            answers=row.tobytes(),
            declined=frozenset((kept | declined) & codes),
        )

    def as_result(self, *, receipt: str | None, scores: bytes) -> Journey:
        """What is left after submission: the wave, the scores and the receipt code."""
        return Journey(wave=self.wave, receipt=receipt, scores=scores)

    def score_values(self, definition: Definition) -> dict[str, int | None]:
        row = np.frombuffer(self.scores or b"", dtype=SCORE_DTYPE)
        return {
            domain.code: None
            if domain.index >= len(row) or row[domain.index] == 0xFF
            else int(row[domain.index])
            for domain in definition.domains
        }

    # -- serialization ------------------------------------------------------------
    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"w": self.wave, "p": self.reached}
        for key, value in (
            ("t", self.token),
            ("o", self.once_key),
            ("u", self.unit),
            ("k", self.resume_code),
            ("r", self.receipt),
        ):
            if value is not None:
                payload[key] = value
        if self.answers:
            payload["a"] = _b64(self.answers)
        if self.declined:
            payload["d"] = sorted(self.declined)
        if self.scores is not None:
            payload["s"] = _b64(self.scores)
        return payload

    @classmethod
    def from_payload(cls, payload: Any) -> Journey | None:
        if not isinstance(payload, dict) or not isinstance(payload.get("w"), str):
            return None
        try:
            answers = base64.b64decode(payload.get("a", ""), validate=True)
            scores = base64.b64decode(payload["s"], validate=True) if "s" in payload else None
            if len(answers) % ANSWER_DTYPE.itemsize:
                return None
            return cls(
                wave=payload["w"],
                token=_str_or_none(payload.get("t")),
                once_key=_str_or_none(payload.get("o")),
                unit=int(payload["u"]) if payload.get("u") is not None else None,
                answers=answers,
                declined=frozenset(str(code) for code in payload.get("d", [])),
                reached=max(1, int(payload.get("p", 1))),
                resume_code=_str_or_none(payload.get("k")),
                receipt=_str_or_none(payload.get("r")),
                scores=scores,
            )
        except (ValueError, TypeError, KeyError):
            return None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# -- the cookies ------------------------------------------------------------------
def _set(response: HttpResponse, name: str, value: str) -> None:
    # No max_age: a browser-session cookie. Its signed timestamp enforces MAX_AGE.
    response.set_cookie(
        name,
        value,
        path=COOKIE_PATH,
        secure=not settings.DEBUG,
        httponly=True,
        samesite="Lax",
    )


def load(request: HttpRequest, *, wave: str | None = None) -> Journey | None:
    """The journey in this browser (for `wave`, when given), or None."""
    raw = request.COOKIES.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        payload = signing.loads(raw, salt=_SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    journey = Journey.from_payload(payload)
    if journey is None or (wave is not None and journey.wave != wave):
        return None
    return journey


def save(response: HttpResponse, journey: Journey) -> None:
    _set(response, COOKIE_NAME, signing.dumps(journey.to_payload(), salt=_SALT, compress=True))


def clear(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, samesite="Lax")
    clear_comments(response)


def encode_comments(comments: dict[str, str]) -> str:
    """Comments as one signed cookie value: UTF-8, deflated, base64 (no JSON escapes)."""
    kept = {code: body for code, body in sorted(comments.items()) if body}
    text = json.dumps(kept, ensure_ascii=False, separators=(",", ":"))
    packed = base64.urlsafe_b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")
    return signing.TimestampSigner(salt=_COMMENT_SALT).sign(packed)


def comments_fit(comments: dict[str, str]) -> bool:
    return len(encode_comments(comments)) <= MAX_COOKIE_BYTES


def load_comments(request: HttpRequest) -> dict[str, str]:
    raw = request.COOKIES.get(COMMENT_COOKIE_NAME)
    if not raw:
        return {}
    try:
        packed = signing.TimestampSigner(salt=_COMMENT_SALT).unsign(raw, max_age=MAX_AGE)
        comments = json.loads(zlib.decompress(base64.urlsafe_b64decode(packed)).decode("utf-8"))
    except (signing.BadSignature, ValueError, zlib.error):
        return {}
    if not isinstance(comments, dict):
        return {}
    return {str(code): str(body) for code, body in comments.items()}


def save_comments(response: HttpResponse, comments: dict[str, str]) -> None:
    if any(comments.values()):
        _set(response, COMMENT_COOKIE_NAME, encode_comments(comments))
    else:
        clear_comments(response)


def clear_comments(response: HttpResponse) -> None:
    response.delete_cookie(COMMENT_COOKIE_NAME, path=COOKIE_PATH, samesite="Lax")
