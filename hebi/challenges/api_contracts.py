"""REST API of milestone contracts (军令状): the contracts, their milestones (panel, review,
tranches) and the experts' verdicts. Same scoping and refusals as the pages: 404 for a record
the caller may not see, 403 for an action it may not take, 400 (in Chinese) for bad input.
Writes go through hebi/challenges/milestones.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import URLPattern
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from hebi.challenges import milestone_selectors as reads
from hebi.challenges import milestones, permissions, selectors
from hebi.challenges.models import (
    ContractMilestone,
    ExpertProfile,
    MilestoneContract,
    MilestoneReview,
    MilestoneVerdict,
    Panel,
    Penalty,
    Tranche,
)
from hebi.core.api import UserLanguageMixin, id_field, pk_or_404

TAGS = ["milestone-contracts"]


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def _date(**kwargs: Any) -> serializers.DateField:
    return serializers.DateField(validators=[milestones.check_date_range], **kwargs)


# -- output -----------------------------------------------------------------------------------------
class MilestoneTrancheSerializer(serializers.ModelSerializer):
    released_by: serializers.Field = serializers.StringRelatedField()

    class Meta:
        model = Tranche
        fields = ["id", "milestone", "amount", "released_on", "note", "released_by", "created_at"]


class MilestoneReviewSerializer(serializers.ModelSerializer):
    outcome_label = serializers.CharField(source="get_outcome_display")
    decided_by: serializers.Field = serializers.StringRelatedField()

    class Meta:
        model = MilestoneReview
        fields = ["id", "outcome", "outcome_label", "comment", "extended_to", "decided_by", "created_at"]


class MilestonePanelSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    round = serializers.IntegerField(help_text="当前考核轮次（延期整改后加一）")
    members = serializers.IntegerField(help_text="专家组人数")
    given = serializers.IntegerField(help_text="本轮已提交意见的人数")
    needed = serializers.IntegerField(help_text="记录考核结果前至少需要提交意见的人数")
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="本轮各意见的人数：pass、extend、fail；考核结果记录前仅委员会秘书处可见，否则为 null",
    )
    majority = serializers.CharField(
        allow_null=True, help_text="本轮多数意见：pass、extend、fail；可见范围同 counts"
    )


def panel_summary(panel: Panel | None, *, secretariat: bool) -> dict[str, Any] | None:
    """The panel's current round; the counts and the majority only as reads.tally_for allows."""
    if panel is None:
        return None
    counted = reads.tally_for(panel, secretariat=secretariat)
    shown = counted["counts_shown"]
    return {
        "id": panel.pk,
        "kind": panel.kind,
        "status": panel.status,
        "round": panel.round,
        "members": counted["members"],
        "given": counted["given"],
        "needed": counted["needed"],
        "counts": counted["counts"] if shown else None,
        "majority": counted["majority"] if shown else None,
    }


def _viewer_is_secretariat(context: dict[str, Any]) -> bool:
    """Asked once per response; without a request in the context, the answer is no."""
    if "is_secretariat" not in context:
        request = context.get("request")
        context["is_secretariat"] = request is not None and permissions.is_secretariat(request.user)
    return bool(context["is_secretariat"])


class ContractMilestoneSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    status_label = serializers.CharField(source="get_status_display")
    released = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    panel = serializers.SerializerMethodField()
    tranches = MilestoneTrancheSerializer(many=True)
    reviews = MilestoneReviewSerializer(many=True)

    class Meta:
        model = ContractMilestone
        fields = [
            "id",
            "contract",
            "order",
            "title",
            "kind",
            "kind_label",
            "due_on",
            "deliverable",
            "tranche",
            "released",
            "status",
            "status_label",
            "overdue",
            "outcome_comment",
            "reviewed_at",
            "panel",
            "reviews",
            "tranches",
        ]

    @extend_schema_field(_money(help_text="已拨付金额（元）"))
    def get_released(self, milestone: ContractMilestone) -> str:
        return f"{sum((t.amount for t in milestone.tranches.all()), Decimal(0)):.2f}"

    def get_overdue(self, milestone: ContractMilestone) -> bool:
        return reads.is_overdue(milestone)

    @extend_schema_field(MilestonePanelSummarySerializer(allow_null=True))
    def get_panel(self, milestone: ContractMilestone) -> dict[str, Any] | None:
        return panel_summary(
            next(iter(milestone.panels.all()), None), secretariat=_viewer_is_secretariat(self.context)
        )


class ContractPenaltySerializer(serializers.ModelSerializer):
    recorded_by: serializers.Field = serializers.StringRelatedField()

    class Meta:
        model = Penalty
        fields = ["id", "milestone", "description", "amount", "recorded_by", "created_at"]


class MilestoneContractSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    application_title = serializers.CharField(source="application.title")
    challenge = serializers.IntegerField(source="application.challenge_id")
    challenge_title = serializers.CharField(source="application.challenge.title")
    issuer = serializers.IntegerField(source="application.challenge.issuer_id")
    issuer_name = serializers.CharField(source="application.challenge.issuer.name")
    lead = serializers.IntegerField(source="application.lead_id")
    lead_name = serializers.CharField(source="application.lead.name")
    partners = serializers.SerializerMethodField()
    released = serializers.SerializerMethodField()
    milestones = ContractMilestoneSerializer(many=True)
    penalties = ContractPenaltySerializer(many=True)

    class Meta:
        model = MilestoneContract
        fields = [
            "id",
            "number",
            "application",
            "application_title",
            "challenge",
            "challenge_title",
            "issuer",
            "issuer_name",
            "lead",
            "lead_name",
            "partners",
            "signed_on",
            "starts_on",
            "ends_on",
            "amount_public",
            "amount_enterprise",
            "released",
            "penalty_terms",
            "status",
            "status_label",
            "milestones",
            "penalties",
            "created_at",
        ]

    def get_partners(self, contract: MilestoneContract) -> list[str]:
        return [str(p) for p in contract.application.partners.all()]

    @extend_schema_field(_money(help_text="已拨付财政资金合计（元）"))
    def get_released(self, contract: MilestoneContract) -> str:
        total = sum((t.amount for m in contract.milestones.all() for t in m.tranches.all()), Decimal(0))
        return f"{total:.2f}"


class MilestoneVerdictSerializer(serializers.ModelSerializer):
    verdict_label = serializers.CharField(source="get_verdict_display")
    milestone = serializers.IntegerField(source="panel.milestone_id")

    class Meta:
        model = MilestoneVerdict
        fields = ["id", "panel", "round", "milestone", "verdict", "verdict_label", "comment", "created_at"]


# -- input ------------------------------------------------------------------------------------------
class ContractMilestoneInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(
        choices=ContractMilestone.Kind.choices, required=False, default=ContractMilestone.Kind.MILESTONE
    )
    due_on = _date(required=False, allow_null=True, default=None)
    tranche = _money(required=False, allow_null=True, default=None, help_text="拨付金额（元）")
    deliverable = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class MilestoneContractCreateSerializer(serializers.Serializer):
    application = id_field(help_text="揭榜成功的申报 id")
    signed_on = _date(required=False, allow_null=True, default=None)
    starts_on = _date(required=False, allow_null=True, default=None)
    ends_on = _date(
        required=False, allow_null=True, default=None, help_text="不填则为开始日期加榜单的实施周期"
    )
    amount_public = _money(required=False, allow_null=True, default=None, help_text="财政资金（元）")
    amount_enterprise = _money(required=False, allow_null=True, default=None, help_text="企业投入（元）")
    penalty_terms = serializers.CharField(max_length=3000, required=False, allow_blank=True, default="")
    milestones = ContractMilestoneInputSerializer(many=True, help_text="考核节点：至少两个，最后一个为验收")


class MilestoneContractTerminateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ContractPenaltyInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    amount = _money(required=False, allow_null=True, default=None, help_text="收回/扣减金额（元）")
    milestone = id_field(required=False, allow_null=True, default=None, help_text="相关节点 id")


class MilestoneReviewInputSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=20, help_text="passed、extended 或 failed")
    comment = serializers.CharField(max_length=3000, required=False, allow_blank=True, default="")
    extended_to = _date(required=False, allow_null=True, default=None, help_text="延期整改时必填")


class MilestoneTrancheInputSerializer(serializers.Serializer):
    amount = _money(required=False, allow_null=True, default=None, help_text="拨付金额（元）")
    released_on = _date(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class MilestonePanelInputSerializer(serializers.Serializer):
    experts = serializers.ListField(child=id_field(), max_length=100, help_text="专家（专家库记录）id 列表")


class MilestoneVerdictInputSerializer(serializers.Serializer):
    panel = id_field(help_text="节点考核专家组 id")
    verdict = serializers.CharField(
        max_length=10, help_text="pass（通过）、extend（延期整改）或 fail（不通过）"
    )
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


# -- viewsets ---------------------------------------------------------------------------------------
MILESTONE_PREFETCH = (
    "tranches__released_by",
    "reviews__decided_by",
    "panels__memberships",
    "panels__verdicts",
)
CONTRACT_PREFETCH = (
    "application__partners",
    "penalties__recorded_by",
    *(f"milestones__{p}" for p in MILESTONE_PREFETCH),
)


def _contract(viewer: Any, pk: int) -> MilestoneContract:
    reads.contract_get(viewer=viewer, pk=pk)
    return (
        MilestoneContract.objects.select_related(
            "application", "application__lead", "application__challenge", "application__challenge__issuer"
        )
        .prefetch_related(*CONTRACT_PREFETCH)
        .get(pk=pk)
    )


def _milestone(viewer: Any, pk: int) -> ContractMilestone:
    reads.milestone_get(viewer=viewer, pk=pk)
    return ContractMilestone.objects.prefetch_related(*MILESTONE_PREFETCH).get(pk=pk)


@extend_schema_view(
    list=extend_schema(
        tags=TAGS,
        summary="可查看的军令状",
        parameters=[
            OpenApiParameter(
                "status", OpenApiTypes.STR, description="、".join(MilestoneContract.Status.values)
            )
        ],
    ),
    retrieve=extend_schema(tags=TAGS, summary="军令状：节点、拨付、考核与违约处理"),
)
class MilestoneContractViewSet(
    UserLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Milestone contracts (军令状) the caller may see; the secretariat signs, terminates and penalises."""

    serializer_class = MilestoneContractSerializer
    filter_backends: list[Any] = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return reads.contract_list(
            viewer=self.request.user, status=self.request.query_params.get("status", "")
        ).prefetch_related(*CONTRACT_PREFETCH)

    def get_object(self) -> MilestoneContract:
        return _contract(self.request.user, pk_or_404(self.kwargs.get("pk")))

    @extend_schema(
        tags=TAGS,
        request=MilestoneContractCreateSerializer,
        responses={201: MilestoneContractSerializer},
        summary="签订军令状（委员会秘书处）",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = MilestoneContractCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        application = selectors.application_get(viewer=request.user, pk=data.pop("application"))
        rows = [dict(row) for row in data.pop("milestones")]
        contract = milestones.contract_create(
            actor=request.user, application=application, data=data, milestones=rows
        )
        return Response(
            MilestoneContractSerializer(
                _contract(request.user, contract.pk), context=self.get_serializer_context()
            ).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        tags=TAGS,
        request=MilestoneContractTerminateSerializer,
        responses=MilestoneContractSerializer,
        summary="终止军令状",
    )
    @action(detail=True, methods=["post"])
    def terminate(self, request: Request, pk: str | None = None) -> Response:
        contract = self.get_object()
        serializer = MilestoneContractTerminateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        milestones.contract_terminate(actor=request.user, contract=contract, **serializer.validated_data)
        return Response(
            MilestoneContractSerializer(self.get_object(), context=self.get_serializer_context()).data
        )

    @extend_schema(
        tags=TAGS,
        request=ContractPenaltyInputSerializer,
        responses={201: ContractPenaltySerializer},
        summary="记录违约处理",
    )
    @action(detail=True, methods=["post"])
    def penalties(self, request: Request, pk: str | None = None) -> Response:
        contract = self.get_object()
        serializer = ContractPenaltyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        milestone = None
        if data["milestone"] is not None:
            milestone = ContractMilestone.objects.filter(pk=pk_or_404(data["milestone"])).first()
            if milestone is None:
                raise ValidationError({"milestone": _("该节点不属于本军令状。")})
        penalty = milestones.penalty_record(
            actor=request.user,
            contract=contract,
            description=data["description"],
            amount=data["amount"],
            milestone=milestone,
        )
        return Response(ContractPenaltySerializer(penalty).data, status=status.HTTP_201_CREATED)


@extend_schema_view(retrieve=extend_schema(tags=TAGS, summary="军令状节点"))
class ContractMilestoneViewSet(UserLanguageMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One milestone of a contract: form its panel, record the outcome, release its tranche."""

    serializer_class = ContractMilestoneSerializer
    filter_backends: list[Any] = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return ContractMilestone.objects.filter(
            contract__in=reads.contracts_visible(viewer=self.request.user)
        ).prefetch_related(*MILESTONE_PREFETCH)

    def get_object(self) -> ContractMilestone:
        return _milestone(self.request.user, pk_or_404(self.kwargs.get("pk")))

    @extend_schema(
        tags=TAGS,
        request=MilestoneReviewInputSerializer,
        responses=ContractMilestoneSerializer,
        summary="记录考核结果：通过、延期整改或未通过（委员会秘书处）",
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        milestone = self.get_object()
        serializer = MilestoneReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        milestones.milestone_review(actor=request.user, milestone=milestone, **serializer.validated_data)
        return Response(
            ContractMilestoneSerializer(self.get_object(), context=self.get_serializer_context()).data
        )

    @extend_schema(
        tags=TAGS,
        request=MilestoneTrancheInputSerializer,
        responses={201: MilestoneTrancheSerializer},
        summary="拨付资金（节点通过考核后）",
    )
    @action(detail=True, methods=["post"])
    def tranches(self, request: Request, pk: str | None = None) -> Response:
        milestone = self.get_object()
        serializer = MilestoneTrancheInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tranche = milestones.tranche_release(
            actor=request.user, milestone=milestone, **serializer.validated_data
        )
        return Response(MilestoneTrancheSerializer(tranche).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        request=MilestonePanelInputSerializer,
        responses={201: MilestonePanelSummarySerializer},
        summary="组建中期考核或验收专家组（自动回避）",
    )
    @action(detail=True, methods=["post"])
    def panel(self, request: Request, pk: str | None = None) -> Response:
        milestone = self.get_object()
        permissions.require_secretariat(request.user)  # 403 before any check of the body
        serializer = MilestonePanelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = set(serializer.validated_data["experts"])
        experts = list(ExpertProfile.objects.filter(pk__in=ids))
        missing = sorted(ids - {e.pk for e in experts})
        if missing:
            raise ValidationError(
                {"experts": _("以下专家不存在：%(ids)s") % {"ids": "、".join(str(i) for i in missing)}}
            )
        formed = milestones.milestone_panel_form(actor=request.user, milestone=milestone, experts=experts)
        fresh = (
            Panel.objects.select_related("milestone")
            .prefetch_related("memberships", "verdicts")
            .get(pk=formed.pk)
        )
        # Only the secretariat forms panels (the service refused anyone else).
        return Response(panel_summary(fresh, secretariat=True), status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="我提交的考核意见"),
    create=extend_schema(
        tags=TAGS,
        request=MilestoneVerdictInputSerializer,
        responses={201: MilestoneVerdictSerializer},
        summary="提交考核意见（考核专家组成员，每人一次）",
    ),
)
class MilestoneVerdictViewSet(
    UserLanguageMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """An expert's opinions on milestones (通过 / 延期整改 / 不通过)."""

    serializer_class = MilestoneVerdictSerializer
    filter_backends: list[Any] = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return reads.own_verdicts(viewer=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = MilestoneVerdictInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        panel = reads.verdict_panel_get(viewer=request.user, pk=data["panel"])
        given = milestones.verdict_submit(
            actor=request.user, panel=panel, verdict=data["verdict"], comment=data["comment"]
        )
        return Response(MilestoneVerdictSerializer(given).data, status=status.HTTP_201_CREATED)


def register(router: SimpleRouter) -> None:
    """Add this part's viewsets to the shared router."""
    router.register("milestone-contracts", MilestoneContractViewSet, basename="milestone-contract")
    router.register("contract-milestones", ContractMilestoneViewSet, basename="contract-milestone")
    router.register("milestone-verdicts", MilestoneVerdictViewSet, basename="milestone-verdict")


extra_urls: list[URLPattern] = []
