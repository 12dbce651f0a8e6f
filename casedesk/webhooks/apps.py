from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "casedesk.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from casedesk.core import configcache
        from casedesk.webhooks.models import Endpoint

        configcache.track_changes(Endpoint)
