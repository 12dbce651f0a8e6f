from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "casedesk.customers"
    label = "customers"
