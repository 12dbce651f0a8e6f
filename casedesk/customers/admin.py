from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casedesk.accounts.models import User
from casedesk.core.errors import DomainError
from casedesk.customers.actions import do_create_contact_login
from casedesk.customers.models import (
    Contact,
    ContactRole,
    Contract,
    Organization,
    Product,
    Site,
    Vendor,
)


class SiteInline(admin.TabularInline[Site, Organization]):
    model = Site
    extra = 0


class ContractInline(admin.TabularInline[Contract, Organization]):
    model = Contract
    extra = 0
    filter_horizontal = ("products",)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ("name", "country", "language", "time_zone")
    list_filter = ("country", "language")
    search_fields = ("name",)
    inlines = (SiteInline, ContractInline)


class ContactRoleInline(admin.TabularInline[ContactRole, Contact]):
    model = ContactRole
    extra = 0


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin[Contact]):
    list_display = ("name", "email", "organization", "language", "is_active")
    list_filter = ("is_active", "language", "organization")
    search_fields = ("name", "email", "organization__name")
    raw_id_fields = ("user",)
    inlines = (ContactRoleInline,)
    actions = ("create_portal_login",)

    # Without this a vendor could only give contacts a login with `casedesk contact-login`
    # (or by making a user by hand, without the contact's language and time zone).
    @admin.action(description=gettext_lazy("Give the selected contacts a portal login"))
    def create_portal_login(self, request: HttpRequest, queryset: QuerySet[Contact]) -> None:
        actor = request.user
        assert isinstance(actor, User)  # noqa: S101 - the admin is for signed-in staff only
        for contact in queryset:
            try:
                user = do_create_contact_login(actor=actor, contact=contact)
            except DomainError as error:
                self.message_user(request, f"{contact}: {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _(
                        "%(email)s can now sign in: they choose a password with "
                        "“Forgot your password?” on the sign-in page."
                    )
                    % {"email": user.email},
                    messages.SUCCESS,
                )


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin[Contract]):
    list_display = ("organization", "support_level", "standing", "valid_from", "valid_to")
    list_filter = ("support_level", "standing")
    search_fields = ("organization__name",)
    filter_horizontal = ("products",)

    def save_model(self, request: HttpRequest, obj: Contract, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "sla_policy" in form.changed_data:
            from casedesk.sla import tasks  # sla builds on customers

            contract_id = obj.pk
            transaction.on_commit(lambda: tasks.retarget_contract_cases(contract_id))


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin[Vendor]):
    list_display = ("name", "hold_requests_from_non_designated", "allow_emergencies_when_suspended")

    def has_add_permission(self, request: object) -> bool:
        return not Vendor.objects.exists()
