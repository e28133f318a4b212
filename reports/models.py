from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models import Wave


class ParticipationSnapshot(models.Model):
    """Per-unit response counts of an open wave, taken once a day.

    Live counts would let a leader who refreshes the page see when a
    colleague answered; a daily snapshot only ever says "by today".
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    counts = models.JSONField(default=dict)  # {unit_id: responses}, own unit only

    class Meta:
        constraints = [models.UniqueConstraint(fields=["wave", "day"], name="one_snapshot_per_day")]
        verbose_name = _("participation snapshot")
        verbose_name_plural = _("participation snapshots")

    def __str__(self) -> str:
        return f"{self.wave.slug} {self.day}"
