from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from casedesk.accounts.models import User


@admin.register(User)
# Our User is an AbstractBaseUser with email login; the stubs want AbstractUser.
class UserAdmin(BaseUserAdmin[User]):  # type: ignore[type-var]
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_consultant", "language", "is_active")
    list_filter = ("is_staff", "is_consultant", "is_active", "language")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "language", "time_zone")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_consultant", "is_superuser", "groups")},
        ),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
