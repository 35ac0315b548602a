"""Back office of challenges: reference data (rubrics, decision categories), the expert pool,
and read-mostly views of calls, applications, panels and milestone contracts."""

from django.contrib import admin

from hebi.challenges.models import (
    Application,
    ApplicationAttachment,
    ApplicationMember,
    ApplicationMilestone,
    Challenge,
    ChallengeIndicator,
    ChallengeMilestone,
    ChallengeQuestion,
    ContractMilestone,
    DecisionCategory,
    DeclaredConflict,
    ExpertProfile,
    MilestoneContract,
    Panel,
    PanelExclusion,
    PanelMember,
    Penalty,
    Rubric,
    RubricCriterion,
    Score,
    Tranche,
)


class RubricCriterionInline(admin.TabularInline):
    model = RubricCriterion
    extra = 0


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "purpose", "min_panel_size", "is_active"]
    list_filter = ["purpose", "is_active"]
    inlines = [RubricCriterionInline]


@admin.register(DecisionCategory)
class DecisionCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "outcome", "order"]
    list_filter = ["outcome"]


class ChallengeIndicatorInline(admin.TabularInline):
    model = ChallengeIndicator
    extra = 0


class ChallengeMilestoneInline(admin.TabularInline):
    model = ChallengeMilestone
    extra = 0


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ["title", "issuer", "status", "deadline", "budget_public", "budget_enterprise"]
    list_filter = ["status"]
    search_fields = ["title", "problem", "issuer__name"]
    raw_id_fields = ["issuer", "contact", "approved_by", "created_by"]
    date_hierarchy = "deadline"
    inlines = [ChallengeIndicatorInline, ChallengeMilestoneInline]


@admin.register(ChallengeQuestion)
class ChallengeQuestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "challenge", "asked_by", "answered_at"]
    search_fields = ["question", "answer"]
    raw_id_fields = ["challenge", "asked_by", "answered_by"]


class ApplicationMemberInline(admin.TabularInline):
    model = ApplicationMember
    extra = 0
    raw_id_fields = ["user", "organisation"]


class ApplicationMilestoneInline(admin.TabularInline):
    model = ApplicationMilestone
    extra = 0


class ApplicationAttachmentInline(admin.TabularInline):
    model = ApplicationAttachment
    extra = 0
    readonly_fields = ["name", "size", "content_type", "uploaded_by", "uploaded_at"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["title", "challenge", "lead", "status", "submitted_at", "score", "rank"]
    list_filter = ["status"]
    search_fields = ["title", "lead__name", "challenge__title"]
    raw_id_fields = ["challenge", "lead", "partners", "created_by", "decided_by"]
    inlines = [ApplicationMemberInline, ApplicationMilestoneInline, ApplicationAttachmentInline]


class DeclaredConflictInline(admin.TabularInline):
    model = DeclaredConflict
    extra = 0
    raw_id_fields = ["organisation"]


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "title", "is_enterprise_expert", "is_active"]
    list_filter = ["is_active", "is_enterprise_expert"]
    search_fields = ["user__display_name", "user__username", "specialties"]
    raw_id_fields = ["user", "organisation"]
    filter_horizontal = ["fields"]
    inlines = [DeclaredConflictInline]


@admin.register(DeclaredConflict)
class DeclaredConflictAdmin(admin.ModelAdmin):
    list_display = ["expert", "organisation", "person", "reason"]
    raw_id_fields = ["expert", "organisation"]


class PanelMemberInline(admin.TabularInline):
    model = PanelMember
    extra = 0
    raw_id_fields = ["expert"]


class PanelExclusionInline(admin.TabularInline):
    model = PanelExclusion
    extra = 0
    raw_id_fields = ["expert"]


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "status", "created_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["challenge", "milestone", "formed_by"]
    inlines = [PanelMemberInline, PanelExclusionInline]


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ["application", "expert", "total", "created_at"]
    raw_id_fields = ["panel", "expert", "application"]


class ContractMilestoneInline(admin.TabularInline):
    model = ContractMilestone
    extra = 0
    raw_id_fields = ["reviewed_by"]


@admin.register(MilestoneContract)
class MilestoneContractAdmin(admin.ModelAdmin):
    list_display = ["number", "application", "status", "signed_on", "amount_public"]
    list_filter = ["status"]
    search_fields = ["number", "application__title"]
    raw_id_fields = ["application", "created_by"]
    inlines = [ContractMilestoneInline]


@admin.register(Tranche)
class TrancheAdmin(admin.ModelAdmin):
    list_display = ["milestone", "amount", "released_on", "released_by"]
    raw_id_fields = ["milestone", "released_by"]


@admin.register(Penalty)
class PenaltyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "contract", "milestone", "amount", "created_at"]
    raw_id_fields = ["contract", "milestone", "recorded_by"]
