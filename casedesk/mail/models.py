"""E-mail in and out: every inbound message stored raw first, every Message-ID we know, every
outbound send with its state, the IMAP mailboxes we poll and addresses that bounce."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casedesk.cases.models import Case, Message
from casedesk.customers.models import Product


class Mailbox(models.Model):
    """An IMAP mailbox polled for support mail (one more may come from the environment)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    host = models.CharField(_("host"), max_length=200)
    port = models.PositiveIntegerField(_("port"), default=993)
    use_ssl = models.BooleanField(_("use SSL/TLS"), default=True)
    username = models.CharField(_("user name"), max_length=200)
    # Stored as given: the poller must log in unattended.
    password = models.CharField(_("password"), max_length=200)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    processed_folder = models.CharField(
        _("move processed mail to"),
        max_length=200,
        blank=True,
        help_text=_("Empty: processed mail is deleted from the server."),
    )
    default_product = models.ForeignKey(
        Product,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("product for new cases"),
        help_text=_("Empty: the product the sender's contract covers."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("IMAP mailbox")
        verbose_name_plural = _("IMAP mailboxes")

    def __str__(self) -> str:
        return self.name


class InboundMail(models.Model):
    """One received message, raw bytes first; processing fills in the rest."""

    class Source(models.TextChoices):
        IMAP = "imap", "IMAP"
        LMTP = "lmtp", "LMTP"
        SMTP = "smtp", "SMTP"
        PIPE = "pipe", _("Pipe")

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSING = "processing", _("Processing")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Discarded")

    class Outcome(models.TextChoices):
        NEW_CASE = "new_case", _("New case")
        REPLY = "reply", _("Reply on a case")
        HELD = "held", _("Held for approval")
        DECISION = "decision", _("Answer to an approval request")
        REFUSED = "refused", _("Refused")
        BOUNCE = "bounce", _("Delivery failure report")
        AUTO_REPLY = "auto_reply", _("Automatic reply")
        IGNORED = "ignored", _("Ignored (automatic or bulk mail)")

    source = models.CharField(max_length=8, choices=Source.choices)
    # sha256 of the Message-ID, or of the content when there is none: a second delivery of
    # the same message, also a concurrent one, hits this unique key instead of a new row.
    dedup_key = models.CharField(max_length=80, unique=True)
    message_id = models.CharField(max_length=250, blank=True)
    from_address = models.CharField(max_length=254, blank=True, db_index=True)
    subject = models.CharField(max_length=250, blank=True)
    envelope_from = models.CharField(max_length=254, blank=True)
    envelope_to = models.TextField(blank=True)
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    mailbox = models.ForeignKey(Mailbox, on_delete=models.SET_NULL, null=True, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECEIVED)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Decided when processing starts (loop protection, rate limit) and read by the
    # acknowledgement job, which may run before the link to the case is committed.
    auto_reply_allowed = models.BooleanField(default=True)
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_mails"
    )
    case_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_mails"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")
        indexes = (
            models.Index(fields=("state", "received_at", "id"), name="inboundmail_state"),
            models.Index(fields=("from_address", "state", "claimed_at"), name="inboundmail_from"),
        )

    def __str__(self) -> str:
        return f"#{self.pk} {self.from_address} {self.subject}"


class MessageId(models.Model):
    """Every Message-ID we sent or received, mapped to its case, so replies thread."""

    class Direction(models.TextChoices):
        IN = "in", _("received")
        OUT = "out", _("sent")

    # sha256 of the Message-ID: they can be longer than any sensible index.
    key = models.CharField(max_length=64, unique=True)
    value = models.CharField(max_length=250)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="mail_ids")
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    created_at = models.DateTimeField()

    class Meta:
        indexes = (models.Index(fields=("case", "created_at", "id"), name="messageid_case"),)

    def __str__(self) -> str:
        return self.value


class OutboundMail(models.Model):
    """One outbound message: built once, sent by a job with retries, its failure visible."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Sending failed")
        SUPPRESSED = "suppressed", _("Not sent (loop protection)")

    class Suppression(models.TextChoices):
        """Why an automatic mail was not sent: a code, so each agent reads it in their own
        language; `error` keeps the technical detail (a bounce status, a header)."""

        BOUNCED = "bounced", _("The address bounced permanently")
        RATE_LIMIT = "rate_limit", _("Too many automatic mails to this address in the last hour")
        AUTOMATIC = "automatic", _("It would answer an automatic message")
        NO_SENDER = "no_sender", _("The mail it answers has no sender address")
        OWN_ADDRESS = "own_address", _("The mail it answers came from our own address")
        NULL_SENDER = "null_sender", _("The mail it answers has a null sender")

    # What this mail is about, e.g. "reply:42": a job that runs twice finds the row and
    # does not send again.
    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=30)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="outbound_mails"
    )
    case_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    to_address = models.CharField(max_length=254)
    cc = models.TextField(blank=True)
    subject = models.CharField(max_length=250)
    message_id = models.CharField(max_length=250)
    automatic = models.BooleanField(default=True)
    # Answers a mail someone sent us (its receipt, a refusal): what the hourly limit counts.
    answers_mail = models.BooleanField(default=False)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    # Empty on a suppressed row from before the codes whose text matched none of them: its
    # `error` is then the whole English reason, shown as it is.
    suppression = models.CharField(max_length=20, choices=Suppression.choices, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        indexes = (
            models.Index(
                fields=("to_address", "created_at"),
                condition=Q(answers_mail=True),
                name="outboundmail_answers_to",
            ),
            models.Index(fields=("case", "state"), name="outboundmail_case"),
        )

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_address}"

    @property
    def suppression_text(self) -> str:
        """Why it was not sent, in the active language, with its detail."""
        if not self.suppression:
            return self.error
        label = str(self.get_suppression_display())
        return f"{label} ({self.error})" if self.error else label


class AddressFlag(models.Model):
    """An address our mail bounced from; agents see it, automatic mail stops at hard bounces."""

    email = models.EmailField(unique=True)
    bounces = models.PositiveIntegerField(default=0)
    permanent = models.BooleanField(default=False)
    last_status = models.CharField(max_length=20, blank=True)
    last_diagnostic = models.TextField(blank=True)
    last_bounced_at = models.DateTimeField()
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("bouncing address")
        verbose_name_plural = _("bouncing addresses")

    def __str__(self) -> str:
        return self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Looked up by exact lower-case match (outbound.suppression_reason), also when an
        # agent adds one by hand.
        self.email = self.email.lower()
        super().save(*args, **kwargs)
