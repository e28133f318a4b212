"""Random secrets held only by people, and the hashes we keep instead.

Tokens and codes carry at least 128 bits (receipt and resume codes: 130 bits
in 26 Crockford base-32 characters); only their SHA-256 under a purpose label
is stored, so a database reader learns nothing usable and one purpose's hash
cannot be matched against another's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_LENGTH = 26  # 26 × 5 bits = 130 bits


def new_token() -> str:
    """An invitation token: 32 random bytes (256 bits), URL-safe."""
    return secrets.token_urlsafe(32)


def new_token_salt() -> str:
    """A random per-invitation salt (256 bits) from which its token is derived."""
    return secrets.token_urlsafe(32)


def invitation_token(salt: str) -> str:
    """The invitation token for a salt: URL-safe base64 of HMAC-SHA256(SECRET_KEY, salt).

    Why derived rather than random: a reminder must carry the *same* link as the
    invitation (someone may be halfway through the survey with it), yet the link
    must never be stored in clear. The database keeps only the salt and
    `token_hash(token)`; the token itself exists only in the e-mail and is
    recomputed, never read back, when a reminder is sent. A database dump alone
    therefore yields no working link (256 bits of HMAC output under a key the
    database does not hold).

    The trade-off: the token depends on SECRET_KEY. Rotating SECRET_KEY
    invalidates every outstanding invitation link (the recomputed tokens no
    longer match the stored hashes), so rotate it between waves, not during
    one. Someone who holds both the database and SECRET_KEY can recompute
    links, which is why the retention purge empties the salts together with
    the hashes.
    """
    if not salt:
        raise ValueError("this invitation has no token salt (purged, or created without one)")
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"invitation-token:{salt}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_code() -> str:
    """A code a person can copy or type: 26 Crockford base-32 characters in groups of 4-5."""
    raw = "".join(secrets.choice(_CROCKFORD) for _ in range(_CODE_LENGTH))
    return "-".join(raw[index : index + 5] for index in range(0, _CODE_LENGTH, 5))


def normalize_code(code: str) -> str:
    """Forgive case, spaces, dashes and the letters people confuse with digits."""
    cleaned = code.upper().replace("-", "").replace(" ", "")
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"}))


def secret_hash(purpose: str, secret: str) -> str:
    return hashlib.sha256(f"continuum:{purpose}:{secret}".encode()).hexdigest()


def token_hash(token: str) -> str:
    return secret_hash("invitation", token)


def receipt_hash(code: str, *, purpose: str = "response") -> str:
    return secret_hash(f"receipt-{purpose}", normalize_code(code))
