from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from casedesk.core.timezones import check_time_zone


def vendor_time_zone() -> str:
    """The installation's zone (CASEDESK_TIME_ZONE), read when a user is made."""
    return str(settings.TIME_ZONE)


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # Sign-in: people type their address in any letter case (the index is on LOWER).
        return self.annotate(email_lower=Lower("email")).get(
            email_lower=(username or "").strip().lower()
        )

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: an agent (is_staff) or a customer contact (has a contact)."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    # A contact's login takes its organization's zone when it is made
    # (customers.actions.do_create_contact_login); the vendor's zone is for everyone else.
    time_zone = models.CharField(_("time zone"), max_length=64, default=vendor_time_zone)
    is_staff = models.BooleanField(_("agent"), default=False)
    is_consultant = models.BooleanField(_("consultant"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # Mail from an address is matched in any letter case (customers.queries).
        indexes = (models.Index(Lower("email"), name="user_email_lower"),)

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        try:
            check_time_zone(self.time_zone)
        except ValidationError as error:
            raise ValidationError({"time_zone": error}) from error

    @property
    def is_agent(self) -> bool:
        return self.is_active and self.is_staff

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email
