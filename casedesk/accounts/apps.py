from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "casedesk.accounts"
    label = "accounts"

    def ready(self) -> None:
        from casedesk.accounts.models import User
        from casedesk.core import configcache

        # Agents' names on case lists; a login (last_login alone) changes none of that.
        configcache.track_changes(User, unless_only=frozenset({"last_login"}))
