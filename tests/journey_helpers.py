"""Helpers for the staff-journey tests: walk the survey through Django's test client."""

from __future__ import annotations

from typing import Any

from django.test import Client

from surveys import journey


def enter(client: Client, token: str) -> Any:
    """Follow an invitation link; returns the redirect response."""
    return client.get(f"/s/i/{token}/")


def start_open_link(client: Client, slug: str, unit_code: str) -> Any:
    client.get(f"/s/{slug}/")
    return client.post(f"/s/{slug}/start/", {"unit": unit_code})


def post_page(client: Client, slug: str, number: int, data: dict[str, Any], action: str) -> Any:
    return client.post(f"/s/{slug}/page/{number}/", {**data, "action": action})


def cookie_journey(client: Client) -> journey.Journey | None:
    morsel = client.cookies.get(journey.COOKIE_NAME)
    if morsel is None or not morsel.value:
        return None
    from django.test import RequestFactory

    request = RequestFactory().get("/s/")
    request.COOKIES[journey.COOKIE_NAME] = morsel.value
    return journey.load(request)
