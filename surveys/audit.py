"""The one audit-log helper. Secrets are masked before anything is written."""

from __future__ import annotations

from typing import Any

from django.db import models

from surveys.models import AuditEntry

_SECRET_WORDS = ("token", "password", "secret", "receipt", "code_hash", "key")


def _mask(data: dict[str, Any]) -> dict[str, Any]:
    masked: dict[str, Any] = {}
    for key, value in data.items():
        if any(word in key.lower() for word in _SECRET_WORDS):
            masked[key] = "***"
        elif isinstance(value, dict):
            masked[key] = _mask(value)
        elif isinstance(value, (str, int, float, bool)) or value is None:
            masked[key] = value
        elif isinstance(value, (list, tuple)):
            masked[key] = [v if isinstance(v, (str, int, float, bool)) else str(v) for v in value]
        else:
            masked[key] = str(value)
    return masked


def audit(
    actor: Any, action: str, target: models.Model | str | None = None, **data: Any
) -> AuditEntry:
    """Record an administrative action: `audit(user, "wave.open", wave, thresholds=...)`."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    if target is None:
        target_text = ""
    elif isinstance(target, models.Model):
        target_text = f"{target._meta.label_lower}:{target.pk} {target}"[:200]
    else:
        target_text = str(target)[:200]
    return AuditEntry.objects.create(
        actor=user,
        actor_name=(user.get_username() if user else str(actor or "system"))[:150],
        action=action,
        target=target_text,
        data=_mask(data),
    )
