from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "casedesk.customers"
    label = "customers"

    def ready(self) -> None:
        from casedesk.core import configcache
        from casedesk.customers.models import Product

        configcache.track_changes(Product)
