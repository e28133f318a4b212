"""Every report page is ready for a strict Content-Security-Policy and well-formed tables."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from reports.services.actions import action_create
from surveys.models import OrgUnit, Wave

pytestmark = pytest.mark.django_db

INLINE = re.compile(r"\sstyle=|<style|<script(?![^>]*\ssrc=)|\son[a-z]+=", re.I)


def pages(wave: Wave, item_pk: int) -> list[str]:
    return [
        reverse("reports:waves"),
        reverse("reports:report", args=[wave.slug]),
        reverse("reports:unit", args=[wave.slug, "N-ED"]),
        reverse("reports:actions", args=[wave.slug, "N-ED"]),
        reverse("reports:action_edit", args=[wave.slug, "N-ED", item_pk]),
        reverse("reports:action_delete", args=[wave.slug, "N-ED", item_pk]),
        reverse("public_actions:unit", args=[wave.slug, "N-ED"]),
    ]


def test_no_inline_styles_scripts_or_handlers(
    client: Client, alice: Any, analyst: Any, released: Wave, org: dict[str, OrgUnit]
) -> None:
    import datetime

    item = action_create(
        wave=released,
        unit=org["N-ED"],
        by=alice,
        commitment="Something.",
        owner_role="Unit manager",
        due_on=datetime.date(2030, 1, 1),
    )
    client.force_login(alice)
    checked = [(address, client.get(address)) for address in pages(released, item.pk)]
    client.force_login(analyst)
    checked.append(("equity", client.get(reverse("reports:equity", args=[released.slug]))))
    for address, response in checked:
        assert response.status_code == 200, address
        html = response.content.decode()
        assert not INLINE.search(html), (address, INLINE.search(html).group())
        # Every data table is captioned and its header cells are scoped.
        assert html.count("<table") == html.count("<caption"), address
        assert not re.search(r"<th(?=[\s>])(?![^>]*\bscope=)[^>]*>", html), address


def test_participation_page_too(client: Client, alice: Any, open_filled: Wave) -> None:
    client.force_login(alice)
    html = client.get(reverse("reports:participation", args=[open_filled.slug])).content.decode()
    assert not INLINE.search(html)
    assert html.count("<table") == html.count("<caption")
