from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "casedesk.sla"
    label = "sla"

    def ready(self) -> None:
        from casedesk.core import configcache
        from casedesk.sla.models import (
            Calendar,
            CalendarException,
            OpeningHours,
            SLAPolicy,
            SLATarget,
        )

        # Cached targets carry their calendar (and its version) along.
        configcache.track_changes(SLAPolicy, SLATarget, Calendar, OpeningHours, CalendarException)
