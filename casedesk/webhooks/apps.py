from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "casedesk.webhooks"
    label = "webhooks"
