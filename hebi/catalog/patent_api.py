"""REST API for patents and bulk patent imports, through the same services as the pages."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Q, QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hebi.catalog import imports, patent_selectors, patent_services
from hebi.catalog.models import ImportJob, Patent
from hebi.core.api import UserLanguageMixin
from hebi.core.permissions import is_platform_admin, roles_by_org
from hebi.orgs.models import Organisation

SCREENING_FIELDS = [
    "stage",
    "tier",
    "score_legal",
    "score_technical",
    "score_economic",
    "score_total",
    "score_parts",
]


class PatentSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.filter(is_active=True))
    application_number = serializers.CharField(
        max_length=40, help_text="中国专利申请号，含校验位，如 201910123451.7；可带 ZL/CN 前缀，全角亦可。"
    )
    ipc_codes = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    applicants = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    inventors = serializers.ListField(child=serializers.CharField(max_length=100), required=False)

    class Meta:
        model = Patent
        fields = [
            "id",
            "owner",
            *patent_services.PATENT_FIELDS,
            *SCREENING_FIELDS,
            "created_at",
            "updated_at",
        ]
        # The type follows from the number; stage, tier and score move only through their services.
        read_only_fields = ["id", "kind", *SCREENING_FIELDS, "created_at", "updated_at"]
        # The number's uniqueness is checked by the service, with the platform's own message.
        validators: list[Any] = []


class PatentTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Patent.Stage.choices)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    tier = serializers.ChoiceField(choices=Patent.Tier.choices, required=False, allow_null=True, default=None)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="在名称、摘要、申请号、公开号中查找（包含匹配）"
            )
        ]
    )
)
class PatentViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Patents (专利). Public registry facts for anyone signed in; the owner's members
    (admin, staff, researcher, technology manager) and platform admins write."""

    serializer_class = PatentSerializer
    filterset_fields = ["owner", "stage", "legal_status", "kind"]

    def get_queryset(self) -> QuerySet[Patent]:
        return patent_selectors.patent_list(
            viewer=self.request.user, query=self.request.query_params.get("q", "")
        )

    def get_object(self) -> Patent:
        pk = str(self.kwargs.get("pk", ""))
        if not (pk.isdecimal()):
            raise Http404
        return patent_selectors.patent_get(viewer=self.request.user, pk=int(pk))

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        owner = data.pop("owner")
        serializer.instance = patent_services.patent_create(
            actor=self.request.user, organisation=owner, **data
        )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patent = self.get_object()
        patent_services.require_edit_patents(request.user, patent.owner)
        serializer = self.get_serializer(patent, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("owner", None)  # a patent does not change hands through an edit
        patent_services.patent_update(actor=request.user, patent=patent, **data)
        return Response(self.get_serializer(Patent.objects.get(pk=patent.pk)).data)

    @extend_schema(request=PatentTransitionSerializer, responses=PatentSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the patent along 盘点 → 筛选入库 → 市场评价 → 分层推广 (tier A/B/C) → 已转化."""
        patent = self.get_object()
        serializer = PatentTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        patent_services.patent_transition(actor=request.user, patent=patent, **serializer.validated_data)
        return Response(self.get_serializer(Patent.objects.get(pk=patent.pk)).data)


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="行号（与文件中看到的一致，列名行为第 1 行）")
    column = serializers.CharField()
    reason = serializers.CharField()


class ImportProgressSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_label = serializers.CharField()
    phase = serializers.CharField()
    processed = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    finished = serializers.BooleanField()


class ImportJobSerializer(serializers.ModelSerializer):
    # The model's field is called "errors", like Serializer.errors: declared fields are popped
    # from the class by DRF's metaclass, so the property stays intact.
    errors = ImportErrorSerializer(  # type: ignore[assignment]
        many=True, read_only=True, help_text="前 500 处错误；总数见 error_count"
    )
    progress = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "organisation",
            "file_name",
            "file_format",
            "encoding",
            "status",
            "total_rows",
            "valid_rows",
            "processed_rows",
            "error_count",
            "errors",
            "preview",
            "valid_only",
            "created_count",
            "updated_count",
            "unchanged_count",
            "message",
            "progress",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ImportProgressSerializer)
    def get_progress(self, job: ImportJob) -> dict[str, Any]:
        return imports.job_progress(job)


class ImportUploadSerializer(serializers.Serializer):
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.filter(is_active=True))
    file = serializers.FileField(help_text="Excel（.xlsx）或 CSV（UTF-8/GBK），不超过 30 MB")


class ImportCommitSerializer(serializers.Serializer):
    valid_only = serializers.BooleanField(default=False, help_text="true：跳过有错误的行，只导入有效行")


class ImportJobViewSet(
    UserLanguageMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """Bulk patent imports: upload a file (dry run with per-row errors), then commit."""

    serializer_class = ImportJobSerializer
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]
    filterset_fields = ["organisation", "status"]

    def get_queryset(self) -> QuerySet[ImportJob]:
        qs = ImportJob.objects.select_related("organisation").order_by("-created_at")
        user = self.request.user
        if is_platform_admin(user):
            return qs
        editable = [
            org_id
            for org_id, roles in roles_by_org(user).items()
            if roles & set(patent_services.PATENT_EDITOR_ROLES)
        ]
        return qs.filter(Q(organisation_id__in=editable))

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer}, responses={201: ImportJobSerializer}
    )
    def create(self, request: Request) -> Response:
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = imports.import_start(
            actor=request.user,
            organisation=serializer.validated_data["organisation"],
            uploaded_file=serializer.validated_data["file"],
        )
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ImportCommitSerializer, responses={202: ImportJobSerializer})
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: str | None = None) -> Response:
        """Import the previewed rows (in the background; poll the job). With errors, only with valid_only."""
        job = cast(ImportJob, self.get_object())
        serializer = ImportCommitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        imports.import_queue_commit(
            actor=request.user, job=job, valid_only=serializer.validated_data["valid_only"]
        )
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses=ImportJobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        job = cast(ImportJob, self.get_object())
        job = imports.import_cancel(actor=request.user, job=job)
        return Response(ImportJobSerializer(job).data)
