"""Open cases' ranks renumbered 1, 2, 3 … per organization, in their order: closing a case
now closes its gap (cases.actions.base), and ranks left by earlier versions had gaps."""

from django.db import migrations


def compact(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    open_cases = Case.objects.exclude(status="closed").order_by("organization_id", "rank", "id")
    changed, organization, position = [], None, 0
    for case in open_cases.only("id", "organization_id", "rank").iterator(chunk_size=2000):
        if case.organization_id != organization:
            organization, position = case.organization_id, 0
        position += 1
        if case.rank != position:
            case.rank = position
            changed.append(case)
        if len(changed) >= 1000:
            Case.objects.bulk_update(changed, ["rank"])
            changed = []
    Case.objects.bulk_update(changed, ["rank"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_open_rank_index")]
    operations = [migrations.RunPython(compact, migrations.RunPython.noop)]
