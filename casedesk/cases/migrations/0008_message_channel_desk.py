"""A "desk" channel for what agents write in the desk's pages, which were recorded as
"portal" (the customer's way in). Agents' earlier web replies and notes are moved to it."""

from django.db import migrations, models

CHOICES = [
    ("portal", "Portal"),
    ("email", "E-mail"),
    ("phone", "Phone"),
    ("api", "API"),
    ("desk", "Desk"),
]


def agents_wrote_in_the_desk(apps, schema_editor):
    # A "portal" message written by staff and not by a contact came from the desk: agents
    # have no portal pages. Messages whose author is gone stay as they are (unknowable).
    Message = apps.get_model("cases", "Message")
    Message.objects.filter(
        channel="portal", author_contact__isnull=True, author__is_staff=True
    ).update(channel="desk")


def back_to_portal(apps, schema_editor):
    Message = apps.get_model("cases", "Message")
    Message.objects.filter(channel="desk").update(channel="portal")


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_compact_open_ranks")]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="channel",
            field=models.CharField(choices=CHOICES, default="portal", max_length=10),
        ),
        migrations.AlterField(
            model_name="heldrequest",
            name="channel",
            field=models.CharField(choices=CHOICES, max_length=10),
        ),
        migrations.AlterField(
            model_name="message",
            name="channel",
            field=models.CharField(choices=CHOICES, max_length=10),
        ),
        migrations.RunPython(agents_wrote_in_the_desk, back_to_portal),
    ]
