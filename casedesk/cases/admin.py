from django.contrib import admin

from casedesk.cases.models import Case, CaseEvent, IntakeField


@admin.register(IntakeField)
class IntakeFieldAdmin(admin.ModelAdmin[IntakeField]):
    list_display = ("product", "label", "key", "kind", "required", "position")
    list_filter = ("product", "kind", "required")
    list_editable = ("required", "position")


class CaseEventInline(admin.TabularInline[CaseEvent, Case]):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "actor", "kind", "field", "old_value", "new_value")
    fields = readonly_fields

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin[Case]):
    """Read-only: cases change through the desk so that every change is audited."""

    list_display = ("number", "subject", "organization", "status", "severity", "created_at")
    list_filter = ("status", "severity", "category", "product")
    search_fields = ("number", "subject", "organization__name")
    inlines = (CaseEventInline,)

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: object) -> bool:
        return False
