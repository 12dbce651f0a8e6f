from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "casedesk.cases"
    label = "cases"

    def ready(self) -> None:
        from casedesk.cases.models import IntakeField
        from casedesk.core import configcache

        configcache.track_changes(IntakeField)
