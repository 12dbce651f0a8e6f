from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casedesk.core.literals import Literal
from casedesk.customers.models import Contact, Contract, Organization, Product, Site

# Queue sorting needs a non-null due time for the index; cases without one sort last.
NO_DUE_TIME = datetime.fromisoformat("9999-12-31T00:00:00+00:00")


class Severity(models.IntegerChoices):
    QUESTION = 1, _("1 – Question / guidance")
    FAULT = 2, _("2 – Fault in the system")
    FEATURE_WISH = 3, _("3 – Feature wish or idea")
    SYSTEM_DOWN = 4, _("4 – System down on all computers")
    PARTLY_DOWN = 5, _("5 – System partly down")
    USE_POINTS = 6, _("6 – Use points (handled at once)")


# Severities 4, 5 and 6 go to the first free agent, ahead of everything else.
URGENT_SEVERITIES = frozenset({Severity.SYSTEM_DOWN, Severity.PARTLY_DOWN, Severity.USE_POINTS})


# For membership tests: `Severity.values` builds its list anew on every use.
SEVERITIES = frozenset(Severity.values)


def queue_class_for(severity: int) -> int:
    return 0 if severity in URGENT_SEVERITIES else 1


class Category(models.TextChoices):
    QUESTION = "question", _("Question about use")
    PROBLEM = "problem", _("Problem or failure")
    CHANGE = "change", _("Change or extra programming")
    FEEDBACK = "feedback", _("Tips, suggestions or complaints")


CATEGORIES = frozenset(Category.values)


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING_ON_CUSTOMER = "waiting_on_customer", _("Waiting on customer")
    SOLUTION_PROPOSED = "solution_proposed", _("Solution proposed")
    ON_HOLD = "on_hold", _("On hold")
    CLOSED = "closed", _("Closed")


# Open cases, in the words of the open cases' partial indexes (see core.literals).
OPEN = ~Q(status=Literal(Status.CLOSED))


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    API = "api", _("API")
    # An agent writing in the desk's pages: not the customer's portal, so a thread and the
    # API tell the two apart.
    DESK = "desk", _("Desk")


# How a customer can reach us, the only channels a case (and a held request) comes in by:
# entitlement and SLA rules concern these; the desk is where agents answer, not a way in.
INTAKE_CHANNELS = frozenset({Channel.PORTAL, Channel.EMAIL, Channel.PHONE, Channel.API})


class CaseNumberCounter(models.Model):
    """Last number handed out per year; its row lock makes numbering gapless."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Case(models.Model):
    number = models.CharField(_("number"), max_length=16, unique=True)
    # No index of its own: case_org_updated and case_org_open_rank lead with it, and every
    # index more is written on each new case.
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="cases")
    # Most cases name no site and get no assignee when opened: the partial indexes
    # case_site and case_assignee hold only those that do, so a new case writes neither.
    site = models.ForeignKey(Site, on_delete=models.SET_NULL, null=True, blank=True, db_index=False)
    requester = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="cases")
    subject = models.CharField(_("subject"), max_length=250)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.NEW
    )
    rank = models.PositiveIntegerField(_("rank"), default=0)
    queue_class = models.PositiveSmallIntegerField(default=1)
    queue_due_at = models.DateTimeField(default=NO_DUE_TIME)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        limit_choices_to={"is_staff": True},
        db_index=False,
    )
    intake_data = models.JSONField(default=dict, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    contract = models.ForeignKey(
        Contract, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    # Set when a request came in outside the hours its channel is covered: work starts then.
    accepted_for = models.DateTimeField(null=True, blank=True)
    meeting_requested = models.BooleanField(_("meeting requested"), default=False)
    meeting_at = models.DateTimeField(_("meeting scheduled at"), null=True, blank=True)
    meeting_minutes = models.PositiveSmallIntegerField(_("meeting length (minutes)"), default=30)
    meeting_location = models.CharField(
        _("meeting link or phone number"), max_length=250, blank=True
    )
    reminder_count = models.PositiveSmallIntegerField(default=0)
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    # No index: nothing lists or filters cases by when they were opened.
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = (
            models.Index(
                fields=("queue_class", "queue_due_at", "rank", "id"),
                condition=~Q(status="closed"),
                name="case_queue",
            ),
            # An organization's open cases in rank order (a page is an index walk), and the
            # highest rank for a new case (one seek).
            models.Index(
                fields=("organization", "rank", "id"),
                condition=~Q(status="closed"),
                name="case_org_open_rank",
            ),
            models.Index(fields=("organization", "-updated_at", "-id"), name="case_org_updated"),
            models.Index(fields=("-updated_at", "-id"), name="case_updated"),
            models.Index(
                fields=("next_reminder_at",),
                condition=Q(next_reminder_at__isnull=False),
                name="case_reminder_due",
            ),
            models.Index(fields=("site",), condition=Q(site__isnull=False), name="case_site"),
            models.Index(
                fields=("assignee",), condition=Q(assignee__isnull=False), name="case_assignee"
            ),
        )

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED


class Message(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", _("Public reply")
        NOTE = "note", _("Internal note")

    # Indexed by message_thread, which leads with it.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    author_contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.REPLY)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField()

    class Meta:
        indexes = (models.Index(fields=("case", "created_at", "id"), name="message_thread"),)

    def __str__(self) -> str:
        return f"{self.case.number} #{self.pk}"

    @property
    def is_public(self) -> bool:
        return self.kind == self.Kind.REPLY

    @property
    def from_customer(self) -> bool:
        return self.author_contact_id is not None


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to="cases/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.filename


class CaseEvent(models.Model):
    """Append-only audit trail: who changed what on a case, when, from what to what."""

    # Indexed by caseevent_case, which leads with it.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    on_behalf_of_customer = models.BooleanField(default=False)
    kind = models.CharField(max_length=40)
    field = models.CharField(max_length=40, blank=True)
    old_value = models.CharField(max_length=250, blank=True)
    new_value = models.CharField(max_length=250, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = (models.Index(fields=("case", "id"), name="caseevent_case"),)

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"

    @property
    def by_contact_name(self) -> str:
        """The customer who acted without a login (e-mail), as recorded then."""
        return str(self.data.get("by", "")) if isinstance(self.data, dict) else ""


class IntakeField(models.Model):
    """Information a new case about a product must carry (configured by the vendor)."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Short text")
        TEXTAREA = "textarea", _("Long text")
        DATE = "date", _("Date")
        NUMBER = "number", _("Number")
        ATTACHMENT = "attachment", _("Attachment (e.g. screenshot)")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="intake_fields")
    key = models.SlugField(max_length=40)
    label = models.CharField(_("label"), max_length=120)
    help_text = models.CharField(_("help text"), max_length=250, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "id")
        constraints = (
            models.UniqueConstraint(fields=("product", "key"), name="intakefield_unique_key"),
        )
        verbose_name = _("intake field")
        verbose_name_plural = _("intake fields")

    def __str__(self) -> str:
        return f"{self.product}: {self.label}"


class HeldRequest(models.Model):
    """A request from a non-designated contact, waiting for a reference person's decision."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="held_requests"
    )
    requester = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="held_requests")
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    subject = models.CharField(_("subject"), max_length=250)
    description = models.TextField(_("description"))
    category = models.CharField(max_length=16, choices=Category.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    intake_data = models.JSONField(default=dict, blank=True)
    site = models.ForeignKey(Site, on_delete=models.SET_NULL, null=True, blank=True)
    meeting_requested = models.BooleanField(default=False)
    # Uploads kept until the decision: [{"path", "filename", "size"}], already checked.
    files = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    case = models.OneToOneField(Case, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        indexes = (
            models.Index(fields=("organization", "state", "created_at"), name="heldrequest_org"),
            # The desk's list: waiting (or decided) requests of every customer, newest first.
            models.Index(fields=("state", "-created_at", "-id"), name="heldrequest_state"),
        )

    def __str__(self) -> str:
        return f"{self.requester}: {self.subject}"
