from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

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
