"""REST API for licences (including 先使用后付费), equity arrangements and income distributions,
through the same selectors and services as the pages: 404 for a record the caller may not see,
403 for an action it may not take, 400 in the caller's language for bad input."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hebi.contracts import licence_selectors as selectors
from hebi.contracts import licence_services as services
from hebi.contracts.models import (
    DistributionShare,
    EquityArrangement,
    IncomeDistribution,
    Licence,
    LicencePayment,
    UsageEvidence,
)
from hebi.contracts.selectors import contract_get, contracts_visible
from hebi.core.api import UserLanguageMixin
from hebi.core.converters import parse_id
from hebi.orgs.models import Organisation


def _year(value: Any) -> int | None:
    key = parse_id(value)
    return key if key is not None and 1900 <= key <= 2200 else None


# -- licences ------------------------------------------------------------------------------------------
class PaymentSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField(
        help_text="paid 已付, overdue 已逾期, due 30 天内到期, planned, to_compute"
    )

    class Meta:
        model = LicencePayment
        fields = ["id", "kind", "due_on", "amount", "paid_on", "paid_amount", "note", "state"]
        read_only_fields = fields

    def get_state(self, payment: LicencePayment) -> str:
        return selectors.payment_state(payment, timezone.localdate())


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = UsageEvidence
        fields = ["id", "period_end", "description", "sales_amount", "reported_at"]
        read_only_fields = ["id", "reported_at"]
        extra_kwargs = {
            "period_end": {"required": False, "allow_null": True},
            "description": {"required": False, "allow_blank": True},
        }


class ScheduleTotalsSerializer(serializers.Serializer):
    planned = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="计划合计（元）")
    paid = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="已付合计（元）")
    outstanding = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="未付合计（元）")
    overdue = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="已逾期（元）")


class LicenceSerializer(serializers.ModelSerializer):
    contract_title = serializers.CharField(source="contract.__str__", read_only=True)
    seller = serializers.IntegerField(source="contract.seller_id", read_only=True)
    totals = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = Licence
        fields = [
            "id",
            "contract",
            "contract_title",
            "seller",
            "licensee",
            "scope",
            "territory",
            "mode",
            "entry_fee",
            "trial_start",
            "trial_end",
            "payment",
            "royalty_rate",
            "status",
            "converted_on",
            "ended_on",
            "end_reason",
            "totals",
            "warnings",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ScheduleTotalsSerializer)
    def get_totals(self, licence: Licence) -> dict[str, Any]:
        return dict(ScheduleTotalsSerializer(selectors.licence_schedule(licence)).data)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, licence: Licence) -> list[str]:
        return services.licence_warnings(licence)


class LicenceCreateSerializer(serializers.Serializer):
    contract = serializers.IntegerField()
    scope = serializers.CharField(required=False, allow_blank=True, help_text="默认取合同的许可方式")
    territory = serializers.CharField(required=False, allow_blank=True, max_length=100)
    mode = serializers.ChoiceField(choices=Licence.Mode.choices, default=Licence.Mode.STANDARD)
    entry_fee = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    trial_start = serializers.DateField(required=False, allow_null=True)
    trial_end = serializers.DateField(required=False, allow_null=True)
    payment = serializers.CharField()
    royalty_rate = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True)
    fee = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, help_text="默认为技术交易额减入门费"
    )
    instalments = serializers.IntegerField(required=False, allow_null=True)
    interval_months = serializers.IntegerField(required=False, allow_null=True)
    deferred_months = serializers.IntegerField(required=False, allow_null=True)


class RecordPaymentSerializer(serializers.Serializer):
    payment = serializers.IntegerField(help_text="付款计划行的 id")
    paid_on = serializers.DateField(required=False, allow_null=True, default=None)
    paid_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class LicenceTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Licence.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    on = serializers.DateField(required=False, allow_null=True, default=None)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("mode", OpenApiTypes.STR, enum=Licence.Mode.values),
            OpenApiParameter("status", OpenApiTypes.STR, enum=Licence.Status.values),
            OpenApiParameter("upcoming", OpenApiTypes.BOOL, description="只列 30 天内有待付款的许可"),
        ]
    )
)
class LicenceViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Licence terms and schedules (技术许可，含先使用后付费). The licensor's and licensee's members,
    registry officers and the committee read; the licensor's contributors write."""

    serializer_class = LicenceSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Licence]:
        params = self.request.query_params
        mode = params.get("mode", "")
        status_ = params.get("status", "")
        return selectors.licence_list(
            viewer=self.request.user,
            mode=mode if mode in Licence.Mode.values else "",
            status=status_ if status_ in Licence.Status.values else "",
            upcoming_days=selectors.UPCOMING_DAYS if params.get("upcoming") in ("1", "true") else None,
        )

    def get_object(self) -> Licence:
        return selectors.licence_get(viewer=self.request.user, pk=self.kwargs.get("pk"))

    @extend_schema(request=LicenceCreateSerializer, responses={201: LicenceSerializer})
    def create(self, request: Request) -> Response:
        """Record the terms of a licence contract; the payment schedule is generated."""
        serializer = LicenceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        contract = contract_get(viewer=request.user, pk=data.pop("contract"))
        licence = services.licence_create(actor=request.user, contract=contract, data=data)
        return Response(LicenceSerializer(licence).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=PaymentSerializer(many=True))
    @action(detail=True, methods=["get"])
    def payments(self, request: Request, pk: str | None = None) -> Response:
        licence = self.get_object()
        return Response(PaymentSerializer(licence.payments.order_by("due_on", "id"), many=True).data)

    @extend_schema(request=RecordPaymentSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"], url_path="record-payment")
    def record_payment(self, request: Request, pk: str | None = None) -> Response:
        """The licensor confirms a payment received (refused on an ended licence)."""
        licence = self.get_object()
        serializer = RecordPaymentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment = licence.payments.filter(pk=data["payment"]).first()
        if payment is None:
            raise ValidationError({"payment": [_("该许可没有这一笔计划付款。")]})
        payment = services.payment_record(
            actor=request.user,
            payment=payment,
            paid_on=data["paid_on"],
            paid_amount=data.get("paid_amount"),
            note=data["note"],
        )
        return Response(PaymentSerializer(payment).data)

    @extend_schema(methods=["get"], responses=EvidenceSerializer(many=True))
    @extend_schema(methods=["post"], request=EvidenceSerializer, responses={201: EvidenceSerializer})
    @action(detail=True, methods=["get", "post"])
    def evidence(self, request: Request, pk: str | None = None) -> Response:
        """Reports of use; the licensee or licensor adds one (period_end, description, sales_amount)."""
        licence = self.get_object()
        if request.method == "GET":
            return Response(EvidenceSerializer(licence.evidence.all(), many=True).data)
        serializer = EvidenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        evidence = services.evidence_report(
            actor=request.user,
            licence=licence,
            period_end=data.get("period_end"),
            description=data.get("description", ""),
            sales_amount=data.get("sales_amount"),
        )
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LicenceTransitionSerializer, responses=LicenceSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """试用期 → 付费使用 (转为付费许可) or → 已终止 (reason required); 付费使用 → 已终止."""
        licence = self.get_object()
        serializer = LicenceTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        licence = services.licence_transition(
            actor=request.user, licence=licence, **serializer.validated_data
        )
        return Response(LicenceSerializer(licence).data)


# -- equity -----------------------------------------------------------------------------------------------
class EquitySerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.filter(is_active=True))
    investor = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(is_active=True), required=False, allow_null=True
    )
    contract = serializers.IntegerField(source="contract_id", required=False, allow_null=True)
    project = serializers.IntegerField(source="project_id", required=False, allow_null=True)
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = EquityArrangement
        fields = [
            "id",
            "kind",
            "owner",
            "company",
            "investor",
            "amount",
            "equity_ratio",
            "team_equity_ratio",
            "conversion_trigger",
            "agreed_on",
            "converted_on",
            "status",
            "terms",
            "contract",
            "project",
            "warnings",
            "created_at",
        ]
        read_only_fields = ["id", "converted_on", "status", "warnings", "created_at"]
        extra_kwargs = {
            "amount": {"min_value": None},
            "kind": {"required": True},
        }

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, arrangement: EquityArrangement) -> list[str]:
        return services.equity_warnings(arrangement)


class EquityTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=EquityArrangement.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    converted_on = serializers.DateField(required=False, allow_null=True, default=None)
    equity_ratio = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True)


def _links(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Contract and project ids from the body, resolved within what the caller may see."""
    from hebi.deals.selectors import projects_visible

    resolved = dict(data)
    contract_id = resolved.pop("contract_id", None)
    project_id = resolved.pop("project_id", None)
    resolved["contract"] = (
        contracts_visible(viewer=user).filter(pk=contract_id).first() if contract_id is not None else None
    )
    resolved["project"] = (
        projects_visible(viewer=user).filter(pk=project_id).first() if project_id is not None else None
    )
    errors = {}
    if contract_id is not None and resolved["contract"] is None:
        errors["contract"] = [_("没有找到该技术合同。")]
    if project_id is not None and resolved["project"] is None:
        errors["project"] = [_("没有找到该转化项目。")]
    if errors:
        raise ValidationError(errors)
    return resolved


class EquityViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """作价投资 and 先投后股 arrangements. The owner's contributors write; the owner's, investor's and
    linked contract's or project's members and the committee read."""

    serializer_class = EquitySerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[EquityArrangement]:
        organisation = parse_id(self.request.query_params.get("organisation"))
        arrangements = selectors.equity_list(viewer=self.request.user)
        if organisation is not None:
            arrangements = arrangements.filter(owner_id=organisation)
        return arrangements

    def get_object(self) -> EquityArrangement:
        return selectors.equity_get(viewer=self.request.user, pk=self.kwargs.get("pk"))

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        owner = data.pop("owner")
        services.require_edit_equity(self.request.user, owner)
        serializer.instance = services.equity_create(
            actor=self.request.user, owner=owner, data=_links(self.request.user, data)
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        arrangement = self.get_object()
        services.require_edit_equity(request.user, arrangement.owner)
        serializer = self.get_serializer(arrangement, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        current = {
            name: getattr(arrangement, name)
            for name in services.EQUITY_FIELDS
            if name not in ("contract", "project")
        }
        current.update(contract_id=arrangement.contract_id, project_id=arrangement.project_id)
        current.update(serializer.validated_data)
        current.pop("owner", None)  # an arrangement does not change owner through an edit
        services.equity_update(
            actor=request.user, arrangement=arrangement, data=_links(request.user, current)
        )
        return Response(self.get_serializer(EquityArrangement.objects.get(pk=arrangement.pk)).data)

    @extend_schema(request=EquityTransitionSerializer, responses=EquitySerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """已约定 → 已转股 (converted_on; equity_ratio for 先投后股) or → 已退出 (reason)."""
        arrangement = self.get_object()
        serializer = EquityTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        arrangement = services.equity_transition(
            actor=request.user, arrangement=arrangement, **serializer.validated_data
        )
        return Response(self.get_serializer(arrangement).data)


# -- income distribution ------------------------------------------------------------------------------
class ShareSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", required=False, allow_null=True)

    class Meta:
        model = DistributionShare
        fields = ["role", "recipient", "amount", "user"]
        extra_kwargs = {"amount": {"min_value": None}}


class DistributionSerializer(serializers.ModelSerializer):
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.filter(is_active=True))
    contract = serializers.IntegerField(source="contract_id", required=False, allow_null=True)
    shares = ShareSerializer(many=True)
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = IncomeDistribution
        fields = [
            "id",
            "organisation",
            "contract",
            "basis",
            "year",
            "received_on",
            "income",
            "costs",
            "net_income",
            "team_amount",
            "team_ratio",
            "below_default",
            "note",
            "shares",
            "warnings",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "year",
            "net_income",
            "team_amount",
            "team_ratio",
            "below_default",
            "warnings",
            "created_at",
        ]
        extra_kwargs = {"income": {"min_value": None}, "costs": {"min_value": None, "required": False}}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, distribution: IncomeDistribution) -> list[str]:
        return services.distribution_warnings(distribution)


class DistributionTotalSerializer(serializers.Serializer):
    organisation_id = serializers.IntegerField()
    organisation_name = serializers.CharField()
    year = serializers.IntegerField()
    count = serializers.IntegerField()
    income = serializers.DecimalField(max_digits=16, decimal_places=2)
    net_income = serializers.DecimalField(max_digits=16, decimal_places=2)
    team_amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    team_ratio = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="团队所得占净收入的 %")
    below_default_count = serializers.IntegerField(help_text="低于法定默认比例的笔数")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT),
            OpenApiParameter("organisation", OpenApiTypes.INT),
        ]
    )
)
class DistributionViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """收益分配: money an organisation received and how it was shared out (促进科技成果转化法 第45条)."""

    serializer_class = DistributionSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[IncomeDistribution]:
        params = self.request.query_params
        distributions = selectors.distribution_list(viewer=self.request.user, year=_year(params.get("year")))
        organisation = parse_id(params.get("organisation"))
        if organisation is not None:
            distributions = distributions.filter(organisation_id=organisation)
        return distributions.prefetch_related("shares")

    def get_object(self) -> IncomeDistribution:
        return selectors.distribution_get(viewer=self.request.user, pk=self.kwargs.get("pk"))

    @extend_schema(request=DistributionSerializer, responses={201: DistributionSerializer})
    def create(self, request: Request) -> Response:
        """Refused when a share is not positive or the shares exceed the net income; a team share
        below the statutory default is stored with below_default=true and a warning."""
        serializer = DistributionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organisation = data.pop("organisation")
        services.require_record_distribution(request.user, organisation)
        contract_id = data.pop("contract_id", None)
        if contract_id is not None:
            data["contract"] = contracts_visible(viewer=request.user).filter(pk=contract_id).first()
            if data["contract"] is None:
                raise ValidationError({"contract": [_("没有找到该技术合同。")]})
        users = get_user_model().objects
        shares = []
        for row in data.pop("shares"):
            share = dict(row)
            user_id = share.pop("user_id", None)
            share["user"] = users.filter(pk=user_id).first() if user_id is not None else None
            if user_id is not None and share["user"] is None:
                share["user"] = "missing"  # the service names the row
            shares.append(share)
        distribution = services.distribution_create(
            actor=request.user, organisation=organisation, data=data, shares=shares
        )
        return Response(DistributionSerializer(distribution).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT)],
        responses=DistributionTotalSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def totals(self, request: Request) -> Response:
        """Totals per organisation and year: the caller's organisations, or all for the committee."""
        rows = selectors.distribution_totals(
            viewer=request.user, year=_year(request.query_params.get("year"))
        )
        return Response(DistributionTotalSerializer(rows, many=True).data)
