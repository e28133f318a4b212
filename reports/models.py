from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models import OrgUnit, Wave


class WaveStatsCache(models.Model):
    """A wave's per-unit statistics (sums and counts per unit, before suppression).

    Saves every new server process from re-reading all responses for its first
    report. It is derived data of the same sensitivity as the responses it
    sums, never shown to anyone as such, keyed by the wave's data version (a
    withdrawal or import makes it stale and it is overwritten), dropped when a
    wave reopens and deleted with its wave. Never per viewer.
    """

    wave = models.OneToOneField(Wave, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    arrays = models.BinaryField()

    class Meta:
        verbose_name = _("wave statistics cache")
        verbose_name_plural = _("wave statistics caches")

    def __str__(self) -> str:
        return f"{self.wave.slug} {self.key[:8]}"


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


class ActionItem(models.Model):
    """One commitment of an action plan ("you said, we did") for a unit's staff.

    It names a role, never a person, as its owner, and says nothing about any
    respondent: it is written by a leader from published aggregates. Staff see
    it only once it is published (`published_on` is set).
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    wave = models.ForeignKey(
        Wave, verbose_name=_("survey wave"), on_delete=models.CASCADE, related_name="action_items"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="action_items"
    )
    domain_code = models.CharField(
        _("what it addresses"),
        max_length=40,
        blank=True,
        help_text=_("A result area of the survey, or blank for a general commitment."),
    )
    commitment = models.TextField(
        _("commitment"),
        max_length=1000,
        help_text=_("What will be done, in words your staff will understand."),
    )
    owner_role = models.CharField(
        _("owner (role)"),
        max_length=100,
        help_text=_('A role, not a person\'s name: for example "Unit manager".'),
    )
    due_on = models.DateField(_("due by"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    published_on = models.DateField(_("published on"), null=True, blank=True, editable=False)
    # Set when the one-month follow-up reminder went out, so it goes out once.
    follow_up_sent_on = models.DateField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_on = models.DateField(_("updated on"), auto_now=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["wave", "unit"], name="action_wave_unit")]
        verbose_name = _("action plan item")
        verbose_name_plural = _("action plan items")

    def __str__(self) -> str:
        return f"{self.wave.slug} {self.unit.code}: {self.commitment[:40]}"

    @property
    def is_published(self) -> bool:
        return self.published_on is not None

    def clean(self) -> None:
        if self.domain_code and self.wave_id:
            codes = {domain.code for domain in self.wave.instrument_version.parsed.domains}
            if self.domain_code not in codes:
                raise ValidationError(
                    {"domain_code": _("Choose one of the survey's result areas, or none.")}
                )
        if "@" in self.owner_role:
            raise ValidationError(
                {"owner_role": _("Name a role, not a person or an e-mail address.")}
            )

    def domain_name(self) -> str:
        """The addressed result area in the active language ("" for a general commitment)."""
        if not self.domain_code:
            return ""
        try:
            return str(self.wave.instrument_version.parsed.domain(self.domain_code).name)
        except KeyError:
            return self.domain_code


class ReportRender(models.Model):
    """A PDF report the worker prepares for one person, kept a day for them to download.

    The PDF holds exactly what the report page shows that person (the gate's
    figures, checked by the auditor before it is written). Only the person who
    asked can see the row or download the file; the daily maintenance deletes
    renders older than `reports.services.renders.KEEP`.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Being prepared")
        DONE = "done", _("Ready")
        REFUSED = "refused", _("Refused by the privacy check")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        UNIT = "unit", _("Unit report")
        EQUITY = "equity", _("Equity breakdowns")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.UNIT)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    filename = models.CharField(max_length=200, blank=True)
    content = models.BinaryField(null=True, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report render")
        verbose_name_plural = _("report renders")

    def __str__(self) -> str:
        return f"{self.wave.slug} {self.kind} {self.status}"
