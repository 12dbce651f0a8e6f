from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CasesConfig(AppConfig):
    name = "casedesk.cases"
    label = "cases"

    def ready(self) -> None:
        from casedesk.cases.models import IntakeField
        from casedesk.core import configcache

        configcache.track_changes(IntakeField)
        post_migrate.connect(_restore_search_triggers, sender=self)


def _restore_search_triggers(using: str = "default", **kwargs: Any) -> None:
    from casedesk.cases.search_index import ensure_triggers

    ensure_triggers(using)
