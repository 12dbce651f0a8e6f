from __future__ import annotations

from django.contrib import admin

from casedesk.mail.models import AddressFlag, InboundMail, Mailbox, MessageId, OutboundMail


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin[Mailbox]):
    list_display = ("name", "host", "username", "folder", "is_active", "last_polled_at")
    readonly_fields = ("last_polled_at", "last_error")


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin[InboundMail]):
    list_display = ("id", "received_at", "source", "from_address", "subject", "state", "outcome")
    list_filter = ("state", "outcome", "source")
    search_fields = ("from_address", "subject", "message_id")
    # The raw bytes are evidence: shown in the desk's mail pages, never edited.
    exclude = ("raw",)
    readonly_fields = [f.name for f in InboundMail._meta.fields if f.name != "raw"]
    raw_id_fields = ("case", "case_message", "mailbox")


@admin.register(OutboundMail)
class OutboundMailAdmin(admin.ModelAdmin[OutboundMail]):
    list_display = ("id", "created_at", "kind", "to_address", "subject", "state", "attempts")
    list_filter = ("state", "kind", "automatic")
    search_fields = ("to_address", "subject", "message_id", "key")
    readonly_fields = [f.name for f in OutboundMail._meta.fields]


@admin.register(MessageId)
class MessageIdAdmin(admin.ModelAdmin[MessageId]):
    list_display = ("value", "case", "direction", "created_at")
    search_fields = ("value",)
    raw_id_fields = ("case", "message")


@admin.register(AddressFlag)
class AddressFlagAdmin(admin.ModelAdmin[AddressFlag]):
    list_display = ("email", "bounces", "permanent", "last_status", "last_bounced_at")
    search_fields = ("email",)
    raw_id_fields = ("case",)
