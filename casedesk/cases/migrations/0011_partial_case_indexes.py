"""Fewer index entries per new case: the created_at index goes (no query reads cases in
that order), and site and assignee are indexed only where set (a new case usually has
neither, and every query by them names a value).

As in 0009, the old indexes are dropped by name: an AlterField would make SQLite rebuild
cases_case and take the full-text triggers of 0004 with it.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Django's names for these indexes, the same on SQLite and PostgreSQL.
DROPPED = [
    ("cases_case_created_at_1f9faaa8", "created_at"),
    ("cases_case_site_id_b0299057", "site_id"),
    ("cases_case_assignee_id_28343c2e", "assignee_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_held_request_state_index"),
        ("customers", "0005_time_zone_defaults"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "cases_case" ("{column}")',
                )
                for name, column in DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        limit_choices_to={"is_staff": True},
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="assigned_cases",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="case", name="created_at", field=models.DateTimeField()
                ),
                migrations.AlterField(
                    model_name="case",
                    name="site",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to="customers.site",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("site__isnull", False)), fields=["site"], name="case_site"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("assignee__isnull", False)),
                fields=["assignee"],
                name="case_assignee",
            ),
        ),
    ]
