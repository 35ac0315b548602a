"""REST API for research results and needs: the hall's filters and search, and writes through
the same services as the pages. Protected details appear only for viewers who may see them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hebi.catalog import selectors, services
from hebi.catalog.kinds import ACHIEVEMENT, NEED, Kind
from hebi.catalog.models import Achievement, Need, Patent, TechField, TransferMode
from hebi.core.api import UserLanguageMixin
from hebi.core.permissions import can_contribute
from hebi.orgs.models import Organisation

HALL_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="中文全文检索（分词、同义词）"),
    OpenApiParameter("field", OpenApiTypes.STR, description="技术领域代码"),
    OpenApiParameter("trl_min", OpenApiTypes.INT),
    OpenApiParameter("trl_max", OpenApiTypes.INT),
    OpenApiParameter("region", OpenApiTypes.STR, description="区划代码前缀，如 2201"),
    OpenApiParameter("org_kind", OpenApiTypes.STR),
    OpenApiParameter("owner", OpenApiTypes.INT, description="所属机构 id"),
    OpenApiParameter("money", OpenApiTypes.STR, description="价格/预算区间代码，如 10w-50w、negotiable"),
    OpenApiParameter("status", OpenApiTypes.STR),
    OpenApiParameter("sort", OpenApiTypes.STR),
]


def _int(value: str | None) -> int | None:
    # Bounded, so that an absurd id is "no such filter", not a database overflow.
    return int(value) if value and value.isdecimal() and len(value) <= 9 else None


def filters_from(params: Any) -> selectors.HallFilters:
    return selectors.HallFilters(
        q=(params.get("q") or "").strip()[:200],
        field=params.get("field", ""),
        trl_min=_int(params.get("trl_min")),
        trl_max=_int(params.get("trl_max")),
        mode=params.get("mode", ""),
        region=params.get("region", ""),
        org_kind=params.get("org_kind", ""),
        owner=_int(params.get("owner")),
        money=params.get("money", ""),
        deadline=params.get("deadline", ""),
        status=params.get("status", ""),
        sort=params.get("sort", ""),
    )


READ_ONLY = ["status", "published_at", "created_at", "updated_at"]


class ProtectedDetailsMixin(serializers.Serializer):
    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        access = self.context.get("protected_access")
        if access is None or not access.allows(instance):
            data["confidential_details"] = None
        return data


class AchievementSerializer(ProtectedDetailsMixin, serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.filter(is_active=True))
    field = serializers.SlugRelatedField(slug_field="code", queryset=TechField.objects.all())
    transfer_modes = serializers.ListField(child=serializers.ChoiceField(choices=TransferMode.choices))
    keywords = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    patents = serializers.SlugRelatedField(
        slug_field="application_number", queryset=Patent.objects.all(), many=True, required=False
    )

    class Meta:
        model = Achievement
        # The editable fields are the service's; the rest are the record's own state.
        fields = [
            "id",
            "owner",
            *services.ACHIEVEMENT_FIELDS,
            "patents",
            *READ_ONLY,
            "source",
            "source_licence",
            "source_ref",
        ]
        read_only_fields = ["id", *READ_ONLY, "source", "source_licence", "source_ref"]
        validators: list[Any] = []


class IndicatorSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    target = serializers.CharField(max_length=60)
    unit = serializers.CharField(max_length=30, required=False, allow_blank=True)


class NeedSerializer(ProtectedDetailsMixin, serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.filter(is_active=True))
    field = serializers.SlugRelatedField(slug_field="code", queryset=TechField.objects.all())
    keywords = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    indicators = IndicatorSerializer(many=True, required=False)
    manager: serializers.Field = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = Need
        fields = ["id", "owner", *services.NEED_FIELDS, "indicators", "manager", *READ_ONLY]
        read_only_fields = ["id", *READ_ONLY, "manager"]
        validators: list[Any] = []

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["indicators"] = [
            {"name": i.name, "target": i.target, "unit": i.unit} for i in instance.indicators.all()
        ]
        # 面议: the enterprise keeps its figure to itself.
        access = self.context.get("protected_access")
        if instance.budget_negotiable and (access is None or instance.owner_id not in access.org_ids):
            data["budget"] = None
        return data


class TransitionSerializer(serializers.Serializer):
    to = serializers.CharField(max_length=30)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class _RegistryViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    kind: Kind
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    filter_backends: list[Any] = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if self.action == "list":
            result = selectors.hall(
                self.kind.model,
                viewer=self.request.user,
                filters=filters_from(self.request.query_params),
                with_counts=False,
            )
            return self.prefetch(result.queryset)
        return self.prefetch(
            selectors.visible(self.kind.model, viewer=self.request.user).select_related("owner", "field")
        )

    def prefetch(self, qs: Any) -> Any:
        return qs

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["protected_access"] = selectors.protected_access(self.request.user)
        return context

    def get_object(self) -> Any:
        pk = str(self.kwargs.get("pk", ""))
        if not (pk.isdecimal()) or len(pk) > 18:
            raise Http404
        return self.kind.get(viewer=self.request.user, pk=int(pk))

    def _fresh(self, subject: Any) -> Response:
        return Response(self.get_serializer(self.kind.model.objects.get(pk=subject.pk)).data)

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = self.kind.create(actor=self.request.user, owner=data.pop("owner"), **data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        subject = self.get_object()
        if not can_contribute(request.user, subject.owner):
            raise PermissionDenied(_("只有本机构成员或平台管理员可以修改。"))
        serializer = self.get_serializer(subject, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("owner", None)  # a record does not change hands through an edit
        self.kind.update(actor=request.user, subject=subject, **data)
        return self._fresh(subject)

    @extend_schema(request=TransitionSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        subject = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.kind.move(actor=request.user, subject=subject, **serializer.validated_data)
        return self._fresh(subject)


@extend_schema_view(
    list=extend_schema(parameters=[*HALL_PARAMETERS, OpenApiParameter("mode", OpenApiTypes.STR)])
)
class AchievementViewSet(_RegistryViewSet):
    """Research results (科技成果). Visitors read published public ones; members write their own."""

    kind = ACHIEVEMENT
    serializer_class = AchievementSerializer

    def prefetch(self, qs: Any) -> Any:
        return qs.prefetch_related("patents")


@extend_schema_view(
    list=extend_schema(parameters=[*HALL_PARAMETERS, OpenApiParameter("deadline", OpenApiTypes.STR)])
)
class NeedViewSet(_RegistryViewSet):
    """Enterprise needs (技术需求) with their core technical indicators."""

    kind = NEED
    serializer_class = NeedSerializer

    def prefetch(self, qs: Any) -> Any:
        return qs.prefetch_related("indicators")
