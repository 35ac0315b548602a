"""Reference data the registry may change (contract categories, refusal reasons), and a read-only
view of the contracts: a contract changes only through its services, which keep the versions
and the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from hebi.contracts.models import (
    ContractCategory,
    ContractParty,
    ContractVersion,
    RefusalReason,
    TechContract,
)


@admin.register(ContractCategory)
class ContractCategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "parent",
        "is_licence",
        "is_transfer_income",
        "vat_exempt",
        "order",
        "is_active",
    ]
    list_editable = ["order", "is_active"]
    list_filter = ["parent", "is_licence", "is_transfer_income", "vat_exempt", "is_active"]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["parent"]


@admin.register(RefusalReason)
class RefusalReasonAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "order", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["code", "name", "name_en"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PartyInline(admin.TabularInline):
    model = ContractParty
    fields = readonly_fields = ("role", "name", "uscc", "region", "organisation", "contact")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(admin.TabularInline):
    model = ContractVersion
    fields = readonly_fields = (
        "number",
        "status",
        "title",
        "category",
        "total_amount",
        "tech_amount",
        "is_local",
        "due_on",
    )
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TechContract)
class TechContractAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "seller",
        "buyer_org",
        "status",
        "registration_number",
        "registered_at",
        "updated_at",
    ]
    list_filter = ["status"]
    search_fields = ["registration_number", "latest__title", "seller__name"]
    list_select_related = ["seller", "buyer_org", "latest"]
    inlines = [VersionInline]
    fields = readonly_fields = (
        "seller",
        "buyer_org",
        "status",
        "registration_number",
        "registered_at",
        "in_force",
        "latest",
        "project",
        "created_by",
    )


@admin.register(ContractVersion)
class ContractVersionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "contract", "status", "category", "tech_amount", "submitted_at", "due_on"]
    list_filter = ["status", "category"]
    search_fields = ["title", "contract__registration_number"]
    list_select_related = ["contract", "category", "category__parent"]
    inlines = [PartyInline]
    exclude = ["signed_file"]
    fields = readonly_fields = (
        "contract",
        "number",
        "status",
        "change_note",
        "title",
        "category",
        "licence_scope",
        "subject",
        "total_amount",
        "tech_amount",
        "non_tech_items",
        "signed_on",
        "term_start",
        "term_end",
        "achievements",
        "patents",
        "signed_file_name",
        "is_local",
        "local_basis",
        "submitted_at",
        "submitted_by",
        "due_on",
        "decided_at",
        "decided_by",
        "refusal_reasons",
        "decision_comment",
    )
