from django.db import models


class ConfigVersion(models.Model):
    """One row whose number goes up with every configuration change, in the same transaction
    as the change: processes compare it to know their cached configuration is current."""

    number = models.BigIntegerField(default=0)

    class Meta:
        db_table = "core_configversion"

    def __str__(self) -> str:
        return f"configuration version {self.number}"
