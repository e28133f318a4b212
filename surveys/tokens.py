"""Random secrets held only by people, and the hashes we keep instead.

Tokens and codes carry at least 128 bits (receipt and resume codes: 130 bits
in 26 Crockford base-32 characters); only their SHA-256 under a purpose label
is stored, so a database reader learns nothing usable and one purpose's hash
cannot be matched against another's.
"""

from __future__ import annotations

import hashlib
import secrets

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_LENGTH = 26  # 26 × 5 bits = 130 bits


def new_token() -> str:
    """An invitation token: 32 random bytes (256 bits), URL-safe."""
    return secrets.token_urlsafe(32)


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
