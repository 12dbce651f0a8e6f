"""Three foreign-key indexes that composite indexes already cover (they lead with the same
column), dropped: every index more is written on each new case, message and event.

Only the indexes go. A plain AlterField would make SQLite rebuild cases_case, and dropping
the old table would take the full-text triggers of 0004 with it.
"""

import django.db.models.deletion
from django.db import migrations, models

# Django's names for these indexes, the same on SQLite and PostgreSQL.
COVERED = [
    ("cases_case_organization_id_cb1292e0", "cases_case", "organization_id"),
    ("cases_message_case_id_544aca6d", "cases_message", "case_id"),
    ("cases_caseevent_case_id_6c6031ac", "cases_caseevent", "case_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_message_channel_desk"),
        ("customers", "0005_time_zone_defaults"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in COVERED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="customers.organization",
                    ),
                ),
                migrations.AlterField(
                    model_name="caseevent",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="cases.case",
                    ),
                ),
            ],
        ),
    ]
