from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casedesk.cases.models import INTAKE_CHANNELS, Channel, Severity

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class Calendar(models.Model):
    """Opening hours in a time zone, with holidays and closures that replace a day's hours."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Oslo")
    country = models.CharField(
        _("country for public holidays"),
        max_length=2,
        blank=True,
        help_text=_("ISO 3166 code, e.g. NO; used to seed public holidays."),
    )
    # Bumped on every change of hours or exceptions, so cached conversions are dropped.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ("name",)
        verbose_name = _("calendar")
        verbose_name_plural = _("calendars")

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"), help_text=_("00:00 means midnight at the day's end."))

    class Meta:
        ordering = ("weekday", "opens")
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class CalendarException(models.Model):
    """A dated exception: closed all day (no times) or open only in the given interval(s)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120, blank=True)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)

    class Meta:
        ordering = ("date", "opens")
        verbose_name = _("holiday or closure")
        verbose_name_plural = _("holidays and closures")
        constraints = (
            models.CheckConstraint(
                condition=Q(opens__isnull=True, closes__isnull=True)
                | Q(opens__isnull=False, closes__isnull=False),
                name="calendarexception_both_or_no_times",
            ),
        )
        indexes = (models.Index(fields=("calendar", "date"), name="calexc_calendar_date"),)

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")
    MEETING = "meeting", _("Meeting")


# The channels a target may name: those a case comes in by (the desk is none of them), in
# the order of `Channel`. The blank value is the target for every channel.
TARGET_CHANNELS = [(value, label) for value, label in Channel.choices if value in INTAKE_CHANNELS]
ALL_CHANNELS = ""
_CHANNEL_VALUES = [ALL_CHANNELS, *(value for value, _label in TARGET_CHANNELS)]


class SLAPolicy(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="policies")
    is_default = models.BooleanField(_("default policy"), default=False)
    warning_percent = models.PositiveSmallIntegerField(
        # xgettext:no-python-format
        _("warn at % of target"),
        default=80,
    )

    class Meta:
        ordering = ("name",)
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = (
            models.UniqueConstraint(
                fields=("is_default",), condition=Q(is_default=True), name="slapolicy_one_default"
            ),
            models.CheckConstraint(
                condition=Q(warning_percent__gte=1, warning_percent__lte=99),
                name="slapolicy_warning_percent_range",
            ),
        )

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # In words on the field: the check constraints alone say "Constraint
        # slapolicy_one_default is violated", which does not tell the vendor what to do.
        super().clean()
        errors: dict[str, str] = {}
        if self.warning_percent is not None and not 1 <= self.warning_percent <= 99:
            errors["warning_percent"] = gettext("Warn at 1 to 99 percent of the target.")
        if self.is_default:
            others = SLAPolicy.objects.filter(is_default=True).exclude(pk=self.pk)
            if other := others.first():
                errors["is_default"] = gettext(
                    "%(policy)s is the default policy already; untick it there first."
                ) % {"policy": other.name}
        if errors:
            raise ValidationError(errors)


class SLATarget(models.Model):
    policy = models.ForeignKey(SLAPolicy, on_delete=models.CASCADE, related_name="targets")
    severity = models.PositiveSmallIntegerField(_("severity"))
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    # Blank, not NULL: the target for every channel must be one value in the unique
    # constraint below, or a policy could hold two of them (NULLs never clash).
    channel = models.CharField(
        _("channel"),
        max_length=10,
        choices=TARGET_CHANNELS,
        blank=True,
        default=ALL_CHANNELS,
        help_text=_(
            "Only for cases that came in by this channel; empty = every channel without a "
            "target of its own."
        ),
    )
    minutes = models.PositiveIntegerField(_("minutes"))
    business_time = models.BooleanField(
        _("in business time"),
        default=True,
        help_text=_("Counted in the calendar's opening hours; off = round the clock (24/7)."),
    )

    class Meta:
        ordering = ("severity", "metric", "channel")
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = (
            # Also the index that loading a case's targets reads: (policy, severity) first.
            models.UniqueConstraint(
                fields=("policy", "severity", "metric", "channel"), name="slatarget_unique"
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=6), name="slatarget_severity_range"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=_CHANNEL_VALUES),
                name="slatarget_intake_channel",
            ),
        )

    def __str__(self) -> str:
        channel = f" {self.get_channel_display()}" if self.channel else ""
        return (
            f"{self.policy}: {self.severity} {self.get_metric_display()}{channel} "
            f"{self.minutes} min"
        )

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.severity is not None and not 1 <= self.severity <= 6:
            errors["severity"] = gettext("The severity is 1 to 6.")
        # A zero target is due the moment a case opens: every case would breach at once.
        if self.minutes is not None and self.minutes < 1:
            errors["minutes"] = gettext("A target is at least 1 minute.")
        if self.policy_id is not None and self.severity in Severity.values and self.metric:
            # In words, on the channel field: the unique constraint alone names four fields
            # and leaves the vendor to guess that "empty" is a value of its own. (An error
            # on `channel` also keeps Django from adding its own message for the constraint.)
            others = SLATarget.objects.filter(
                policy_id=self.policy_id,
                severity=self.severity,
                metric=self.metric,
                channel=self.channel,
            ).exclude(pk=self.pk)
            if others.exists():
                errors["channel"] = self._duplicate_message()
        if errors:
            raise ValidationError(errors)

    def _duplicate_message(self) -> str:
        values = {
            "severity": Severity(self.severity).label,
            "metric": self.get_metric_display(),
            "channel": self.get_channel_display(),
        }
        if self.channel:
            return (
                gettext(
                    "This policy already has a target for “%(severity)s”, “%(metric)s” by "
                    "“%(channel)s”; change that one instead."
                )
                % values
            )
        return (
            gettext(
                "This policy already has a target for “%(severity)s”, “%(metric)s” for every "
                "channel; choose a channel for this one, or change that one instead."
            )
            % values
        )


class SLATimer(models.Model):
    """One SLA clock of a case: consumed time plus the running segment, if any."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        MET = "met", _("Met")
        STOPPED = "stopped", _("Stopped")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="sla_timers")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT)
    business_time = models.BooleanField(default=True)
    target_seconds = models.PositiveIntegerField()
    # The channel whose own target this clock follows; blank: the target for every channel.
    # A database default too, for writers that insert clocks in SQL without naming it.
    target_channel = models.CharField(
        max_length=10, choices=TARGET_CHANNELS, blank=True, default=ALL_CHANNELS, db_default=""
    )
    warning_percent = models.PositiveSmallIntegerField(default=80)
    consumed_seconds = models.PositiveIntegerField(default=0)
    segment_started_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    # A new cycle starts each time the clock is reset (next response after each message).
    cycle = models.PositiveIntegerField(default=1)
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_cycle = models.PositiveIntegerField(default=0)
    breached_cycle = models.PositiveIntegerField(default=0)
    # The next instant the breach scan must look at this timer (warning or breach not yet
    # noticed); NULL once both are handled, so the scan's index only holds pending work.
    alert_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("case", "metric"), name="slatimer_one_per_metric"),
        )
        indexes = (
            models.Index(
                fields=("alert_at",),
                condition=Q(state="running", alert_at__isnull=False),
                name="slatimer_alert",
            ),
        )

    def __str__(self) -> str:
        return f"{self.case_id} {self.metric} {self.state}"

    @property
    def breached(self) -> bool:
        return self.breached_cycle == self.cycle


class SLANotice(models.Model):
    """A warning or breach notice, created once per timer, cycle and threshold."""

    class Threshold(models.TextChoices):
        WARNING = "warning", _("Warning")
        BREACH = "breach", _("Breach")

    timer = models.ForeignKey(SLATimer, on_delete=models.CASCADE, related_name="notices")
    threshold = models.CharField(max_length=10, choices=Threshold.choices)
    cycle = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("timer", "threshold", "cycle"), name="slanotice_once"),
        )
        indexes = (
            models.Index(
                fields=("created_at",), condition=Q(sent_at__isnull=True), name="slanotice_unsent"
            ),
        )

    def __str__(self) -> str:
        return f"{self.timer} {self.threshold} #{self.cycle}"
