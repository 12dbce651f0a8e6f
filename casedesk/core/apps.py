from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "casedesk.core"
    label = "core"

    def ready(self) -> None:
        from casedesk.core import maintenance, pgtimes

        post_migrate.connect(maintenance.after_migrate, sender=self)
        connection_created.connect(pgtimes.use_native_timestamps)
