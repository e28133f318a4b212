"""Leaders rating themselves on CARES: the only writer of `LeaderSelfRating`.

Not anonymous by design: reports set a leader's own view beside their team's
(aggregated, thresholded) ratings of them.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from surveys.instruments.encoding import AnswerError, AnswerValue, encode_answers
from surveys.models import LeaderSelfRating, OrgUnit, Wave
from surveys.selectors import led_units, unit_in_wave

EDITABLE_STATUSES = (Wave.Status.OPEN, Wave.Status.CLOSED)


class SelfRatingError(Exception):
    message = gettext_lazy("Your self-rating could not be saved.")


class SelfRatingClosed(SelfRatingError):
    message = gettext_lazy(
        "Reports for this survey have been released, so self-ratings can no longer change."
    )


class NotALeaderHere(SelfRatingError):
    message = gettext_lazy("You do not lead this unit in this survey.")


class InvalidSelfRating(SelfRatingError):
    message = gettext_lazy("Some answers could not be read.")


def self_rating_editable(wave: Wave) -> bool:
    return wave.status in EDITABLE_STATUSES


@transaction.atomic
def leader_self_rating_save(
    *, wave: Wave, user: object, unit: OrgUnit, answers: Mapping[str, AnswerValue]
) -> LeaderSelfRating:
    """Store a leader's CARES self-rating for one unit they lead, replacing any earlier one.

    Allowed while the wave is open or closed, not once reports are released.
    Only items of the instrument's CARES sections are accepted.
    """
    current = Wave.objects.select_for_update().get(pk=wave.pk)
    if not self_rating_editable(current):
        raise SelfRatingClosed()
    if not led_units(user=user).filter(pk=unit.pk).exists() or not unit_in_wave(wave, unit):
        raise NotALeaderHere()
    definition = wave.instrument_version.parsed
    allowed = {
        item.code for section in definition.sections_of_kind("cares") for item in section.items
    }
    unknown = set(answers) - allowed
    if unknown:
        raise InvalidSelfRating(", ".join(sorted(unknown)))
    try:
        row = encode_answers(definition, answers)
    except AnswerError as error:
        raise InvalidSelfRating(str(error)) from None
    rating, _created = LeaderSelfRating.objects.update_or_create(
        wave=wave,
        user=user,
        unit=unit,
        defaults={"answers": row.tobytes(), "updated_on": timezone.localdate()},
    )
    return rating
