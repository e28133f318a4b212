"""Storage for the organization, instruments, waves and anonymous responses.

Privacy by construction (PRODUCT.md invariant 1): `Response` and `Comment`
have random UUID keys, no timestamp at all, and no relation to anything that
identifies a person. `Invitation` knows a person's e-mail and the hash of their
token, and only whether it has been used, never which response it produced.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from surveys.instruments.definition import Definition

PATH_SEPARATOR = "/"

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$",
    _("Use 1–40 letters, digits, dots, dashes or underscores, starting with a letter or digit."),
)

MIN_GROUP_SIZE_FLOOR = 3
DEFAULT_MIN_GROUP_SIZE = 5
DEFAULT_MIN_COMMENT_GROUP_SIZE = 10
DEFAULT_MIN_EQUITY_GROUP_SIZE = 10
MIN_INVITED_FOR_RATE = 5


class OrgUnit(models.Model):
    """A node of the organization tree.

    `path` is a materialized path of primary keys ("/1/7/42/") so a whole
    subtree is one indexed prefix query, whatever its depth. Only the services
    in `surveys.services.units` write it.
    """

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=400, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    class Meta:
        ordering = ["path"]
        verbose_name = _("organization unit")
        verbose_name_plural = _("organization units")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def is_ancestor_of(self, other: OrgUnit) -> bool:
        return other.path.startswith(self.path) and other.pk != self.pk


class Leadership(models.Model):
    """A leader of a unit sees aggregates for that unit and everything below it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leaderships"
    )
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="leaderships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="unique_leadership"),
        ]
        verbose_name = _("leadership")
        verbose_name_plural = _("leaderships")

    def __str__(self) -> str:
        return f"{self.user} → {self.unit.code}"


class Instrument(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        return self.name


class InstrumentVersion(models.Model):
    """One version of an instrument definition (docs/instruments.md), immutable once used."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    checksum = models.CharField(max_length=64, editable=False)
    created_on = models.DateField(auto_now_add=True)

    class Meta:
        ordering = ["instrument__code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "version"], name="unique_instrument_version"
            ),
        ]
        verbose_name = _("instrument version")
        verbose_name_plural = _("instrument versions")

    def __str__(self) -> str:
        return f"{self.instrument.code} v{self.version}"

    @property
    def is_in_use(self) -> bool:
        return self.waves.exclude(status=Wave.Status.DRAFT).exists()

    @cached_property
    def parsed(self) -> Definition:
        from surveys.instruments.definition import load_definition, load_stored_definition

        if not self.checksum:
            return load_definition(self.definition)
        return load_stored_definition(self.checksum, lambda: self.definition)


class Wave(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        RELEASED = "released", _("Reports released")
        ARCHIVED = "archived", _("Archived")

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    instrument_version = models.ForeignKey(
        InstrumentVersion,
        verbose_name=_("instrument version"),
        on_delete=models.PROTECT,
        related_name="waves",
    )
    units = models.ManyToManyField(
        OrgUnit,
        verbose_name=_("units in scope"),
        related_name="waves",
        help_text=_("Each selected unit brings everything below it into the wave."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    open_link_enabled = models.BooleanField(
        _("open link"),
        default=False,
        help_text=_(
            "Anyone with the wave's link can answer once per browser, choosing their unit."
        ),
    )
    min_group_size = models.PositiveSmallIntegerField(
        _("minimum group size"),
        default=DEFAULT_MIN_GROUP_SIZE,
        validators=[MinValueValidator(MIN_GROUP_SIZE_FLOOR)],
    )
    min_comment_group_size = models.PositiveSmallIntegerField(
        _("minimum group size for comments"),
        default=DEFAULT_MIN_COMMENT_GROUP_SIZE,
        validators=[MinValueValidator(MIN_GROUP_SIZE_FLOOR)],
    )
    min_equity_group_size = models.PositiveSmallIntegerField(
        _("minimum group size for self-identification breakdowns"),
        default=DEFAULT_MIN_EQUITY_GROUP_SIZE,
        validators=[MinValueValidator(MIN_GROUP_SIZE_FLOOR)],
    )
    # Bumped by every change to the wave's responses other than a new submission
    # (withdrawal, paper import, purge) so cached aggregates know they are stale.
    data_version = models.PositiveIntegerField(default=0, editable=False)
    created_on = models.DateField(auto_now_add=True)
    # The day the retention purge emptied the roster's e-mails and links.
    roster_purged_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_on", "slug"]
        verbose_name = _("survey wave")
        verbose_name_plural = _("survey waves")

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def thresholds_locked(self) -> bool:
        return self.status != self.Status.DRAFT

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            errors["closes_on"] = _("The wave cannot close before it opens.")
        if self.min_comment_group_size < self.min_group_size:
            errors["min_comment_group_size"] = _(
                "The comment threshold cannot be lower than the score threshold."
            )
        if self.min_equity_group_size < self.min_group_size:
            errors["min_equity_group_size"] = _(
                "The self-identification threshold cannot be lower than the score threshold."
            )
        if errors:
            raise ValidationError(errors)


class Invitation(models.Model):
    """Who was invited, for sending and reminding only.

    There is deliberately no relation to `Response`, no token (only its hash)
    and no completion time: nothing here can say which answers are whose.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        COMPLETED = "completed", _("Completed")

    class SendState(models.TextChoices):
        IDLE = "", _("Nothing to send")
        QUEUED = "queued", _("Queued")
        FAILED = "failed", _("Failed")

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitations")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="invitations")
    # Emptied by the retention purge; the row then only counts towards response rates.
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # The token is derived from this salt (surveys.tokens.invitation_token), so a
    # reminder can carry the same link without the link itself being stored.
    token_salt = models.CharField(max_length=64, blank=True, default="")
    sent_on = models.DateField(null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    # Delivery bookkeeping for the e-mail being sent now (invitation or reminder).
    send_state = models.CharField(
        max_length=16, choices=SendState.choices, default=SendState.IDLE, blank=True
    )
    send_attempts = models.PositiveSmallIntegerField(default=0)
    last_send_error = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "email"],
                condition=~models.Q(email=""),
                name="unique_invitation_email_per_wave",
            ),
        ]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return "{}: {}".format(self.wave.slug, self.email or _("(purged)"))


class Response(models.Model):
    """One anonymous submission, stored compactly so reports aggregate fast.

    `answers` holds one little-endian uint16 per answerable item, in the order
    of the instrument definition (see `surveys.instruments.encoding`);
    `scores` holds one uint8 per domain (0–100, 255 = not scored). There is no
    date, no sequence number and no relation to a person, invitation or session.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="responses")
    answers = models.BinaryField()
    scores = models.BinaryField()
    # SHA-256 of the receipt code that only the respondent holds, for withdrawal.
    receipt_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        # A random key: listing order says nothing about submission order.
        ordering = ["id"]
        indexes = [models.Index(fields=["wave", "unit"], name="response_wave_unit")]
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self) -> str:
        return str(_("Anonymous response"))


class Comment(models.Model):
    """A free-text answer, kept apart from the scored answers.

    Comments can identify their writer by their content, so they are not
    stored on the response: a comment is never linked to anyone's scores.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="comments")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="comments")
    item_code = models.CharField(max_length=40)
    text = models.TextField()
    # A hash of the receipt code under a different label than the response's,
    # so the two cannot be joined without the code itself.
    receipt_hash = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return str(_("Anonymous comment"))


class SubmissionGuard(models.Model):
    """A used one-time submission key (hashed), so a double click stores one response.

    Invitation submissions are guarded by the invitation row itself; this
    covers open-link and resumed submissions. It holds no relation to the
    response it guarded.
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("submission guard")
        verbose_name_plural = _("submission guards")

    def __str__(self) -> str:
        return str(_("Used submission key"))


class Draft(models.Model):
    """A survey in progress that its respondent chose to finish later.

    Everything that could link a person to answers (the invitation token or
    once-key, the unit, the answers, the comments) is in `payload`, encrypted
    with a key derived from the resume code, which only the respondent holds;
    the code itself is stored only as a hash. Deleted with the submission, when
    the wave closes, and refused after `expires_on`.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="drafts")
    key_hash = models.CharField(max_length=64, unique=True)
    payload = models.BinaryField()
    expires_on = models.DateField(db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("saved draft")
        verbose_name_plural = _("saved drafts")

    def __str__(self) -> str:
        return str(_("Saved draft"))


class LeaderSelfRating(models.Model):
    """A leader's rating of themselves on CARES, for the gap view in reports.

    Not anonymous by design: it is the leader's own view of their leadership,
    stored against them and their unit. `answers` uses the response encoding
    (one uint16 per slot of the wave's instrument; only CARES slots are set).
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="self_ratings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="self_ratings"
    )
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="self_ratings")
    answers = models.BinaryField()
    updated_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "user", "unit"], name="unique_self_rating_per_wave_unit"
            ),
        ]
        verbose_name = _("leader self-rating")
        verbose_name_plural = _("leader self-ratings")

    def __str__(self) -> str:
        return f"{self.wave.slug}: {self.user} ({self.unit.code})"


class AuditEntry(models.Model):
    """Who changed what, and when (to the day). Never written for staff answering surveys."""

    on = models.DateField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    target = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.on} {self.actor_name or '-'} {self.action} {self.target}"


class WaveChecklistItem(models.Model):
    """One ticked step of a wave's checklist (the PHSA lessons), with who ticked it and when."""

    class Key(models.TextChoices):
        LEADERS_BRIEFED = "leaders_briefed", _("Leaders briefed")
        TIME_PLANNED = "time_planned", _("Time planned for staff to answer")
        PRIVACY_NOTICE_REVIEWED = "privacy_notice_reviewed", _("Privacy notice reviewed")
        ROSTER_CHECKED = "roster_checked", _("Roster checked")
        REMINDERS_PLANNED = "reminders_planned", _("Reminders planned")
        RESULTS_RELEASED = "results_released", _("Results released to leaders")
        ACTIONS_DUE = "actions_due", _("Actions due after release")

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="checklist_items")
    key = models.CharField(max_length=40, choices=Key.choices)
    done_on = models.DateField()
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["wave", "key"], name="unique_checklist_item"),
        ]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return f"{self.wave.slug}: {self.key}"


class RosterUpload(models.Model):
    """A roster file between its preview and its confirmation.

    Deleted when the HR admin confirms or cancels, and by the daily maintenance
    after a day, so e-mail addresses do not linger outside `Invitation`.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    uploaded_on = models.DateField(auto_now_add=True)
    filename = models.CharField(max_length=200, blank=True)
    content = models.TextField()

    class Meta:
        verbose_name = _("roster upload")
        verbose_name_plural = _("roster uploads")

    def __str__(self) -> str:
        return f"{self.wave.slug}: {self.filename}"


class WorkerMark(models.Model):
    """A small persistent mark of the task worker's recurring work.

    `daily` holds the last day maintenance was enqueued, `sweep` the last
    stalled-task sweep, `email-slot` the next free slot of the e-mail throttle.
    Rows survive worker restarts and are shared by every worker process.
    """

    key = models.CharField(max_length=40, unique=True)
    day = models.DateField(null=True, blank=True)
    at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("worker mark")
        verbose_name_plural = _("worker marks")

    def __str__(self) -> str:
        return self.key
