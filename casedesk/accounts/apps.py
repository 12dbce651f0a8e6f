from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "casedesk.accounts"
    label = "accounts"

    def ready(self) -> None:
        from casedesk.accounts.models import User
        from casedesk.core import configcache

        configcache.track_changes(User)  # agents' names on case lists
