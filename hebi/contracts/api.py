"""REST API of technology contracts and their registration (认定登记).

Same services, scoping and answers as the pages: 404 for a contract the caller may not see,
403 for an action it may not take, 400 with messages by field (in the caller's language) for
bad input. A contract is created from JSON (parties and non-technical items as lists), or from
multipart with the signed file, the lists then sent as JSON strings."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from hebi.catalog.models import Achievement, Patent
from hebi.catalog.workflow import status_history
from hebi.contracts import selectors, services
from hebi.contracts.models import (
    ContractCategory,
    ContractParty,
    ContractVersion,
    LicenceScope,
    RefusalReason,
    TechContract,
)
from hebi.contracts.permissions import can_edit, require_edit
from hebi.core.api import MAX_ID, UserLanguageMixin, pk_or_404
from hebi.orgs.models import Organisation
from hebi.orgs.selectors import viewer_organisations


# -- reference data ------------------------------------------------------------------------------
class CategorySerializer(serializers.ModelSerializer):
    # Declared fields leave the class at runtime; `parent` only clashes with Field.parent for mypy.
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[assignment,var-annotated]

    class Meta:
        model = ContractCategory
        fields = [
            "code",
            "parent",
            "name",
            "name_en",
            "order",
            "is_licence",
            "is_transfer_income",
            "vat_exempt",
            "tax_note",
            "source",
        ]
        read_only_fields = fields


class RefusalReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = RefusalReason
        fields = ["code", "name", "name_en", "order", "source"]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(tags=["contracts"]), retrieve=extend_schema(tags=["contracts"]))
class ContractCategoryViewSet(UserLanguageMixin, viewsets.ReadOnlyModelViewSet):
    """技术合同类别与子类（参考数据）。写合同时以子类的 code 指定类型。"""

    serializer_class = CategorySerializer
    queryset = ContractCategory.objects.filter(is_active=True).select_related("parent")
    lookup_field = "code"
    filter_backends: list[Any] = []


@extend_schema_view(list=extend_schema(tags=["contracts"]), retrieve=extend_schema(tags=["contracts"]))
class RefusalReasonViewSet(UserLanguageMixin, viewsets.ReadOnlyModelViewSet):
    """不予登记理由（参考数据）。未予登记时以 code 指定理由。"""

    serializer_class = RefusalReasonSerializer
    queryset = RefusalReason.objects.filter(is_active=True)
    lookup_field = "code"
    filter_backends: list[Any] = []


# -- reading contracts ---------------------------------------------------------------------------
class PartySerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display")
    region = serializers.CharField(source="region_id")
    region_name = serializers.CharField(source="region.name")

    class Meta:
        model = ContractParty
        fields = ["role", "role_label", "name", "uscc", "region", "region_name", "organisation", "contact"]
        read_only_fields = fields


class VersionStatusChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    reason = serializers.CharField()


class VersionSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    category: serializers.Field = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.__str__")
    parties = PartySerializer(many=True)
    refusal_reasons: serializers.Field = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    days_left = serializers.SerializerMethodField(help_text="距审核期限的天数，负数为已超期；仅待审核版本")
    has_signed_file = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta:
        model = ContractVersion
        fields = [
            "number",
            "status",
            "status_label",
            "change_note",
            "title",
            "category",
            "category_name",
            "licence_scope",
            "subject",
            "total_amount",
            "tech_amount",
            "non_tech_items",
            "signed_on",
            "term_start",
            "term_end",
            "is_local",
            "local_basis",
            "parties",
            "achievements",
            "patents",
            "has_signed_file",
            "signed_file_name",
            "submitted_at",
            "due_on",
            "days_left",
            "decided_at",
            "refusal_reasons",
            "decision_comment",
            "history",
        ]
        read_only_fields = fields

    def get_days_left(self, version: ContractVersion) -> int | None:
        return version.days_left()

    def get_has_signed_file(self, version: ContractVersion) -> bool:
        return bool(version.signed_file)

    @extend_schema_field(VersionStatusChangeSerializer(many=True))
    def get_history(self, version: ContractVersion) -> list[dict[str, Any]]:
        return [
            {
                "at": c.at,
                "actor": str(c.actor) if c.actor else None,
                "from_status": c.from_status,
                "to_status": c.to_status,
                "reason": c.reason,
            }
            for c in status_history(version).order_by("at", "id")
        ]


class ContractOrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ContractSummarySerializer(serializers.ModelSerializer):
    seller = ContractOrganisationSerializer()
    status_label = serializers.CharField(source="get_status_display")
    title = serializers.CharField(source="latest.title")
    category = serializers.CharField(source="latest.category.code")
    total_amount = serializers.DecimalField(source="latest.total_amount", max_digits=14, decimal_places=2)
    tech_amount = serializers.DecimalField(source="latest.tech_amount", max_digits=14, decimal_places=2)
    signed_on = serializers.DateField(source="latest.signed_on")
    is_local = serializers.BooleanField(source="latest.is_local")
    latest_version = serializers.IntegerField(source="latest.number")
    in_force_version = serializers.IntegerField(source="in_force.number", allow_null=True, default=None)

    class Meta:
        model = TechContract
        fields = [
            "id",
            "seller",
            "buyer_org",
            "project",
            "status",
            "status_label",
            "registration_number",
            "registered_at",
            "title",
            "category",
            "total_amount",
            "tech_amount",
            "signed_on",
            "is_local",
            "latest_version",
            "in_force_version",
        ]
        read_only_fields = fields


class ContractSerializer(ContractSummarySerializer):
    versions = serializers.SerializerMethodField(help_text="全部版本，最新在前")

    class Meta(ContractSummarySerializer.Meta):
        fields = [*ContractSummarySerializer.Meta.fields, "versions"]
        read_only_fields = fields

    @extend_schema_field(VersionSerializer(many=True))
    def get_versions(self, contract: TechContract) -> list[dict[str, Any]]:
        return list(VersionSerializer(selectors.contract_versions(contract), many=True).data)


# -- writing contracts ---------------------------------------------------------------------------
class JSONListField(serializers.ListField):
    """A list, which multipart requests may send as one JSON string."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, list) and len(data) == 1 and isinstance(data[0], str):
            data = data[0]
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError as error:
                raise serializers.ValidationError(_("应为 JSON 数组。")) from error
        return super().to_internal_value(data)


class PartyInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ContractParty.Role.choices)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    uscc = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    region = serializers.CharField(
        max_length=12, required=False, allow_blank=True, default="", help_text="区划代码"
    )
    organisation = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text="平台机构 id"
    )
    contact = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ItemInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class ContractWriteSerializer(serializers.Serializer):
    """Every field is optional here: the service names what is missing, in one answer."""

    seller = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="卖方机构 id；只属于一个机构时可省略（仅创建时）",
    )
    project = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="转化项目 id（仅创建时）"
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=ContractCategory.objects.filter(is_active=True),
        required=False,
        help_text="合同子类 code，见 /api/v1/contract-categories/",
    )
    licence_scope = serializers.ChoiceField(choices=LicenceScope.choices, required=False, allow_blank=True)
    subject = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    total_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, help_text="元")
    tech_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, help_text="元")
    non_tech_items = JSONListField(child=ItemInputSerializer(), required=False)
    signed_on = serializers.DateField(required=False)
    term_start = serializers.DateField(required=False)
    term_end = serializers.DateField(required=False)
    parties = JSONListField(child=PartyInputSerializer(), required=False, max_length=20)
    achievements = JSONListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=50
    )
    patents = JSONListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=50
    )
    signed_file = serializers.FileField(required=False)
    change_note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class AmendSerializer(serializers.Serializer):
    change_note = serializers.CharField(max_length=500, allow_blank=True)


class RegisterSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class RefuseSerializer(serializers.Serializer):
    reasons = serializers.ListField(
        child=serializers.CharField(max_length=40), allow_empty=True, help_text="理由 code 列表"
    )
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


def _by_ids(model: Any, ids: list[int], field: str, message: str) -> list[Any]:
    records = list(model.objects.filter(pk__in=ids))
    if len(records) != len(set(ids)):
        raise ValidationError({field: [message]})
    return records


def _parties(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [row["organisation"] for row in rows if row.get("organisation")]
    orgs = {o.pk: o for o in _by_ids(Organisation, ids, "parties", _("当事人中的平台机构不存在。"))}
    parties = []
    for row in rows:
        organisation = orgs.get(row.get("organisation") or 0)
        party = dict(row, organisation=organisation)
        if organisation is not None:
            party["name"] = row.get("name") or organisation.name
            party["uscc"] = row.get("uscc") or organisation.uscc or ""
            party["region"] = row.get("region") or organisation.region_id
        parties.append(party)
    return parties


def _current_parties(version: ContractVersion) -> list[dict[str, Any]]:
    return [
        {
            "role": p.role,
            "name": p.name,
            "uscc": p.uscc,
            "region": p.region,
            "organisation": p.organisation,
            "contact": p.contact,
        }
        for p in version.parties.select_related("region", "organisation")
    ]


@extend_schema_view(
    list=extend_schema(
        tags=["contracts"],
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, description="draft、submitted、registered、refused"),
            OpenApiParameter("category", OpenApiTypes.STR, description="类别或子类 code"),
            OpenApiParameter("local", OpenApiTypes.BOOL, description="本地转化"),
            OpenApiParameter("year", OpenApiTypes.INT, description="签订年度"),
            OpenApiParameter("q", OpenApiTypes.STR, description="合同名称或登记编号"),
        ],
    ),
    retrieve=extend_schema(tags=["contracts"]),
)
class ContractViewSet(UserLanguageMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """技术合同：卖方和买方成员可见本单位的合同，登记审核员和委员会可见全部。"""

    filter_backends: list[Any] = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return ContractSummarySerializer if self.action == "list" else ContractSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        category = None
        if params.get("category"):
            category = ContractCategory.objects.filter(code=params["category"]).first()
            if category is None:
                return TechContract.objects.none()
        year = params.get("year", "")
        filters = selectors.ContractFilters(
            status=params.get("status", ""),
            category=category,
            local={"true": True, "1": True, "false": False, "0": False}.get(params.get("local", "")),
            year=int(year) if year.isdecimal() and len(year) == 4 else None,
            q=params.get("q", "").strip()[:100],
        )
        return selectors.contract_list(viewer=self.request.user, filters=filters)

    def get_object(self) -> TechContract:
        return selectors.contract_get(viewer=self.request.user, pk=pk_or_404(self.kwargs.get("pk")))

    def _answer(self, contract: TechContract, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.contract_get(viewer=self.request.user, pk=contract.pk)
        return Response(ContractSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self._answer(self.get_object())

    def _seller(self, seller_id: int | None) -> Organisation:
        if seller_id is not None:
            seller = Organisation.objects.filter(pk=seller_id, is_active=True).first()
            if seller is None:
                raise ValidationError({"seller": [_("卖方机构不存在。")]})
            return seller
        own = [o for o in viewer_organisations(viewer=self.request.user) if can_edit(self.request.user, o)]
        if len(own) != 1:
            raise ValidationError({"seller": [_("请指定卖方机构（seller，机构 id）。")]})
        return own[0]

    @extend_schema(tags=["contracts"], request=ContractWriteSerializer, responses={201: ContractSerializer})
    def create(self, request: Request) -> Response:
        serializer = ContractWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        seller = self._seller(data.pop("seller", None))
        require_edit(request.user, seller)
        project_id = data.pop("project", None)
        project = (
            selectors.project_for_contract(viewer=request.user, pk=project_id)
            if project_id is not None
            else None
        )
        contract = services.contract_create(
            actor=request.user,
            seller=seller,
            data=data,
            parties=_parties(data.pop("parties", [])),
            achievements=_by_ids(
                Achievement, data.pop("achievements", []), "achievements", _("关联的科技成果不存在。")
            ),
            patents=_by_ids(Patent, data.pop("patents", []), "patents", _("关联的专利不存在。")),
            signed_file=data.pop("signed_file", None),
            project=project,
        )
        return self._answer(contract, status.HTTP_201_CREATED)

    @extend_schema(tags=["contracts"], request=ContractWriteSerializer, responses=ContractSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Change the draft; the fields left out keep their value. A submitted or registered
        version answers 400: amend it instead."""
        contract = self.get_object()
        require_edit(request.user, contract.seller)
        serializer = ContractWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        given = dict(serializer.validated_data)
        version = contract.latest
        assert version is not None
        data: dict[str, Any] = {
            name: given.get(name, getattr(version, name)) for name in services.CONTENT_FIELDS
        }
        data["change_note"] = given.get("change_note", version.change_note)
        services.contract_update(
            actor=request.user,
            contract=contract,
            data=data,
            parties=_parties(given["parties"]) if "parties" in given else _current_parties(version),
            achievements=_by_ids(
                Achievement, given["achievements"], "achievements", _("关联的科技成果不存在。")
            )
            if "achievements" in given
            else version.achievements.all(),
            patents=_by_ids(Patent, given["patents"], "patents", _("关联的专利不存在。"))
            if "patents" in given
            else version.patents.all(),
            signed_file=given.get("signed_file"),
        )
        return self._answer(contract)

    @extend_schema(tags=["contracts"], request=None, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """提交登记：登记机构在 30 日内作出决定。"""
        contract = self.get_object()
        services.contract_submit(actor=request.user, contract=contract)
        return self._answer(contract)

    @extend_schema(tags=["contracts"], request=AmendSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def amend(self, request: Request, pk: str | None = None) -> Response:
        """修订或修改后重新提交：复制最新版本为新的草稿，原版本保持不变。"""
        contract = self.get_object()
        serializer = AmendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.contract_amend(
            actor=request.user, contract=contract, change_note=serializer.validated_data["change_note"]
        )
        return self._answer(contract)

    @extend_schema(tags=["contracts"], request=RegisterSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def register(self, request: Request, pk: str | None = None) -> Response:
        """予以登记（登记审核员）。"""
        contract = self.get_object()
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.contract_register(
            actor=request.user, contract=contract, comment=serializer.validated_data["comment"]
        )
        return self._answer(contract)

    @extend_schema(tags=["contracts"], request=RefuseSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        """未予登记（登记审核员），至少一条理由。"""
        contract = self.get_object()
        serializer = RefuseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        codes = serializer.validated_data["reasons"]
        reasons = list(RefusalReason.objects.filter(code__in=codes, is_active=True))
        unknown = sorted(set(codes) - {r.code for r in reasons})
        if unknown:
            raise ValidationError(
                {"reasons": [_("未知的理由代码：%(codes)s。") % {"codes": "、".join(unknown)}]}
            )
        services.contract_refuse(
            actor=request.user,
            contract=contract,
            reasons=reasons,
            comment=serializer.validated_data["comment"],
        )
        return self._answer(contract)
