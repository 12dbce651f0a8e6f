from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "casedesk.core"
    label = "core"

    def ready(self) -> None:
        from casedesk.core import maintenance

        post_migrate.connect(maintenance.after_migrate, sender=self)
