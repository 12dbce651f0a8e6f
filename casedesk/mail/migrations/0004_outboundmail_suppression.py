"""Suppressed mail records why as a code (shown translated); `error` keeps only the detail.
Rows written before carry English text: texts the code wrote are mapped, others stay."""

import re

from django.db import migrations, models

BOUNCED = re.compile(r"address bounced permanently \((?P<detail>.*)\)")
RATE_LIMIT = re.compile(
    r"rate limit: (?P<detail>\d+) automatic mails to this address in the last hour"
)
# Reasons inbound handling gave (mail.inbound._no_auto_reply_reason, parsing._automatic_reason).
EXACT = {
    "no sender address": ("no_sender", ""),
    "sent from our own address": ("own_address", ""),
    "null sender": ("null_sender", ""),
    "automatic": ("automatic", ""),
    "-": ("automatic", ""),
}
AUTOMATIC = re.compile(
    r"(?P<detail>(Auto-Submitted|Precedence): .+)"
    r"|(?P<header>X-Auto-Response-Suppress|List-Id|List-Unsubscribe|X-Autoreply|X-Autorespond)"
    r" present"
    r"|from (?P<address>\S+@\S+)"
)


def code_for(text):
    text = text.strip()
    if text in EXACT:
        return EXACT[text]
    if match := BOUNCED.fullmatch(text):
        detail = match["detail"]
        return "bounced", "" if detail == "no status" else detail
    if match := RATE_LIMIT.fullmatch(text):
        return "rate_limit", match["detail"]
    if match := AUTOMATIC.fullmatch(text):
        return "automatic", match["detail"] or match["header"] or match["address"]
    return None


def to_codes(apps, schema_editor):
    OutboundMail = apps.get_model("mail", "OutboundMail")
    rows = OutboundMail.objects.filter(state="suppressed", suppression="")
    changed = []
    for row in rows.only("id", "error").iterator(chunk_size=2000):
        found = code_for(row.error)
        if found is not None:
            row.suppression, row.error = found
            changed.append(row)
    OutboundMail.objects.bulk_update(changed, ["suppression", "error"], batch_size=1000)


def to_text(apps, schema_editor):
    # Back to the English the earlier code wrote, so nothing is lost going back.
    OutboundMail = apps.get_model("mail", "OutboundMail")
    changed = []
    for row in OutboundMail.objects.exclude(suppression="").iterator(chunk_size=2000):
        code, detail = row.suppression, row.error
        if code == "bounced":
            row.error = f"address bounced permanently ({detail or 'no status'})"
        elif code == "rate_limit":
            row.error = f"rate limit: {detail} automatic mails to this address in the last hour"
        elif code == "no_sender":
            row.error = "no sender address"
        elif code == "own_address":
            row.error = "sent from our own address"
        elif code == "null_sender":
            row.error = "null sender"
        elif ": " in detail:
            row.error = detail
        elif "@" in detail:
            row.error = f"from {detail}"
        else:
            row.error = f"{detail} present" if detail else "automatic"
        changed.append(row)
    OutboundMail.objects.bulk_update(changed, ["error"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("mail", "0003_inbound_outcome_decision")]

    operations = [
        migrations.AddField(
            model_name="outboundmail",
            name="suppression",
            field=models.CharField(
                blank=True,
                choices=[
                    ("bounced", "The address bounced permanently"),
                    ("rate_limit", "Too many automatic mails to this address in the last hour"),
                    ("automatic", "It would answer an automatic message"),
                    ("no_sender", "The mail it answers has no sender address"),
                    ("own_address", "The mail it answers came from our own address"),
                    ("null_sender", "The mail it answers has a null sender"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(to_codes, to_text),
    ]
