from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def support(request: HttpRequest) -> dict[str, object]:
    """Support resources shown on every page (988, Hope for Wellness, the organization's EAP)."""
    return {
        "support": {
            "organization": settings.CONTINUUM_ORGANIZATION_NAME,
            "eap_name": settings.CONTINUUM_EAP_NAME,
            "eap_phone": settings.CONTINUUM_EAP_PHONE,
            "eap_url": settings.CONTINUUM_EAP_URL,
        }
    }
