"""REST API of engagements (对接记录) and transfer projects (转化项目). Same scoping and errors as
the pages: 404 for a record the caller may not see, 403 for an action it may not take, 400 (in
the caller's language) for bad input. Writes go through the services."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hebi.catalog.models import Achievement, Need
from hebi.catalog.workflow import status_history, status_label
from hebi.core.api import IdField, UserLanguageMixin, pk_or_404
from hebi.core.converters import parse_id
from hebi.deals import permissions, selectors, services
from hebi.deals.models import Engagement, Funding, TransferProject, WorkTeam
from hebi.matching.models import Match
from hebi.orgs.models import Organisation

User = get_user_model()


def _date_param(params: Any, name: str) -> datetime.date | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        value = parse_date(raw)
    except ValueError:
        value = None
    if value is None:
        raise ValidationError({name: _("日期格式应为 YYYY-MM-DD。")})
    return value


ORGS = Organisation.objects.filter(is_active=True)


# -- engagements ------------------------------------------------------------------------------------
class EngagementSerializer(serializers.ModelSerializer):
    recorder_org = IdField(queryset=ORGS, help_text="记录单位 id（创建时必填，之后不可修改）")
    organisations = IdField(queryset=ORGS, many=True, help_text="对接单位 id 列表")
    needs = IdField(queryset=Need.objects.all(), many=True, required=False)
    achievements = IdField(queryset=Achievement.objects.all(), many=True, required=False)
    team = IdField(queryset=WorkTeam.objects.all(), required=False, allow_null=True)
    next_step_owner = IdField(queryset=User.objects.all(), required=False, allow_null=True)
    recorded_by: serializers.Field = serializers.StringRelatedField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)
    follow_up_open = serializers.BooleanField(read_only=True)
    follow_up_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Engagement
        fields = [
            "id",
            "recorder_org",
            "recorded_by",
            *services.ENGAGEMENT_FIELDS,
            "kind_label",
            "outcome_label",
            "organisations",
            "needs",
            "achievements",
            "next_step_done_at",
            "follow_up_open",
            "follow_up_overdue",
            "project",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "next_step_done_at", "project", "created_at", "updated_at"]
        validators: list[Any] = []


class FollowUpDoneSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


ENGAGEMENT_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="在对接情况、参加人员、地点、下一步中查找"),
    OpenApiParameter("kind", OpenApiTypes.STR, description="、".join(Engagement.Kind.values)),
    OpenApiParameter("outcome", OpenApiTypes.STR, description="、".join(Engagement.Outcome.values)),
    OpenApiParameter("org", OpenApiTypes.INT, description="记录单位或对接单位 id"),
    OpenApiParameter("team", OpenApiTypes.INT, description="工作专班 id"),
    OpenApiParameter(
        "follow_up", OpenApiTypes.STR, description="open（待跟进）、overdue（已逾期）、mine（我负责的）"
    ),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
]


@extend_schema_view(
    list=extend_schema(tags=["engagements"], parameters=ENGAGEMENT_PARAMETERS),
    retrieve=extend_schema(tags=["engagements"]),
    create=extend_schema(tags=["engagements"], summary="记录一次对接"),
    partial_update=extend_schema(tags=["engagements"]),
)
class EngagementViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Engagements (对接记录): who met whom, when, how, the outcome and the next step."""

    serializer_class = EngagementSerializer
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        filters = selectors.EngagementFilters(
            q=(params.get("q") or "").strip()[:100],
            kind=params.get("kind", ""),
            outcome=params.get("outcome", ""),
            organisation=parse_id(params.get("org")),
            team=parse_id(params.get("team")),
            follow_up=params.get("follow_up", ""),
            date_from=_date_param(params, "date_from"),
            date_to=_date_param(params, "date_to"),
        )
        return selectors.engagement_list(viewer=self.request.user, filters=filters).prefetch_related(
            "needs", "achievements"
        )

    def get_object(self) -> Engagement:
        return selectors.engagement_get(viewer=self.request.user, pk=pk_or_404(self.kwargs.get("pk")))

    def _fresh(self, engagement: Engagement, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_object_by_pk(engagement.pk)).data, status=code)

    def get_object_by_pk(self, pk: int) -> Engagement:
        return selectors.engagement_get(viewer=self.request.user, pk=pk)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        engagement = services.engagement_create(
            actor=request.user,
            recorder_org=data.pop("recorder_org"),
            organisations=data.pop("organisations"),
            needs=data.pop("needs", []),
            achievements=data.pop("achievements", []),
            **data,
        )
        return self._fresh(engagement, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        engagement = self.get_object()
        permissions.require_edit_engagement(request.user, engagement)
        serializer = self.get_serializer(engagement, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("recorder_org", None)  # a record stays with the organisation that made it
        services.engagement_update(
            actor=request.user,
            engagement=engagement,
            organisations=data.pop("organisations", None),
            needs=data.pop("needs", None),
            achievements=data.pop("achievements", None),
            **data,
        )
        return self._fresh(engagement)

    @extend_schema(tags=["engagements"], request=FollowUpDoneSerializer, summary="标记跟进完成")
    @action(detail=True, methods=["post"], url_path="follow-up-done")
    def follow_up_done(self, request: Request, pk: str | None = None) -> Response:
        engagement = self.get_object()
        serializer = FollowUpDoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.engagement_follow_up_done(
            actor=request.user, engagement=engagement, **serializer.validated_data
        )
        return self._fresh(engagement)


# -- transfer projects -------------------------------------------------------------------------------
class PeriodSerializer(serializers.Serializer):
    stage = serializers.CharField()
    stage_label = serializers.CharField(source="get_stage_display")
    entered_at = serializers.DateTimeField()
    left_at = serializers.DateTimeField(allow_null=True)
    days = serializers.SerializerMethodField()
    host = serializers.IntegerField(source="host_id", allow_null=True, help_text="承载平台 id")
    host_name: serializers.Field = serializers.StringRelatedField(source="host")

    def get_days(self, period: Any) -> float:
        return round(period.days(), 1)


class FundingSerializer(serializers.ModelSerializer):
    source_org = IdField(queryset=ORGS, required=False, allow_null=True)
    stage = serializers.CharField(required=False, allow_blank=True, default="", help_text="默认为当前阶段")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="金额（元）")
    received_on = serializers.DateField()
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    recorded_by: serializers.Field = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = Funding
        fields = [
            "id",
            "stage",
            "source",
            "source_label",
            "source_org",
            "amount",
            "received_on",
            "note",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["id", "recorded_by", "recorded_at"]
        extra_kwargs = {"source": {"choices": Funding.Source.choices}}
        validators: list[Any] = []


class TransferProjectSerializer(serializers.ModelSerializer):
    owner = IdField(queryset=ORGS, help_text="成果方 id（立项后不可修改）")
    enterprise = IdField(queryset=ORGS, help_text="承接企业 id（立项后不可修改）")
    achievements = IdField(queryset=Achievement.objects.all(), many=True, required=False)
    need = IdField(queryset=Need.objects.all(), required=False, allow_null=True)
    match = IdField(
        queryset=Match.objects.all(), required=False, allow_null=True, help_text="来源匹配 id（仅创建时）"
    )
    engagement = IdField(
        queryset=Engagement.objects.all(),
        required=False,
        allow_null=True,
        write_only=True,
        help_text="来源对接记录 id（仅创建时）",
    )
    team = IdField(queryset=WorkTeam.objects.all(), required=False, allow_null=True)
    manager = IdField(queryset=User.objects.all(), required=False, allow_null=True)
    members = IdField(queryset=User.objects.all(), many=True, required=False)
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    days_in_stage = serializers.IntegerField(read_only=True)
    stop_reason_label = serializers.CharField(source="get_stop_reason_display", read_only=True)
    funding_total = serializers.SerializerMethodField()
    periods = serializers.SerializerMethodField()

    class Meta:
        model = TransferProject
        fields = [
            "id",
            "title",
            "summary",
            "owner",
            "enterprise",
            "achievements",
            "need",
            "match",
            "engagement",
            "team",
            "manager",
            "members",
            "stage",
            "stage_label",
            "stage_entered_at",
            "days_in_stage",
            "stop_reason",
            "stop_reason_label",
            "stop_note",
            "funding_total",
            "periods",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "stage",
            "stage_entered_at",
            "stop_reason",
            "stop_note",
            "created_at",
            "updated_at",
        ]
        validators: list[Any] = []

    @extend_schema_field(
        serializers.DecimalField(max_digits=16, decimal_places=2, help_text="资金投入合计（元）")
    )
    def get_funding_total(self, project: TransferProject) -> str:
        total = getattr(project, "funding_total", None)
        if total is None:
            total = selectors.funding_summary(project).total
        return f"{total:.2f}"

    @extend_schema_field(PeriodSerializer(many=True))
    def get_periods(self, project: TransferProject) -> list[dict[str, Any]]:
        return PeriodSerializer(project.periods.all(), many=True).data  # type: ignore[return-value]


class ProjectTransitionSerializer(serializers.Serializer):
    to = serializers.CharField(
        max_length=20, help_text="目标阶段：" + "、".join(TransferProject.Stage.values)
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    stop_reason = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="终止时必填：" + "、".join(TransferProject.StopReason.values),
    )
    host = IdField(queryset=ORGS, required=False, allow_null=True, default=None, help_text="承载平台 id")


class StageChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    from_stage = serializers.CharField()
    from_label = serializers.CharField()
    to_stage = serializers.CharField()
    to_label = serializers.CharField()
    reason = serializers.CharField()


class HostSerializer(serializers.Serializer):
    host = IdField(queryset=ORGS, allow_null=True, help_text="承载平台 id；null 表示清除")


class StageTimeSerializer(serializers.Serializer):
    stage = serializers.CharField()
    stage_label = serializers.SerializerMethodField()
    finished = serializers.IntegerField(help_text="已结束的停留次数")
    ongoing = serializers.IntegerField(help_text="当前处于该阶段的项目数")
    mean_days = serializers.FloatField(allow_null=True)
    median_days = serializers.FloatField(allow_null=True)
    longest_ongoing_days = serializers.FloatField(allow_null=True)
    count = serializers.SerializerMethodField()

    def get_stage_label(self, row: Any) -> str:
        return str(TransferProject.Stage(row.stage).label)

    def get_count(self, row: Any) -> int:
        return int(self.context["counts"].get(row.stage, 0))


class PipelineSerializer(serializers.Serializer):
    stages = StageTimeSerializer(many=True)
    stopped = serializers.IntegerField()


PROJECT_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="在项目名称、简介、双方单位名称中查找"),
    OpenApiParameter("stage", OpenApiTypes.STR, description="、".join(TransferProject.Stage.values)),
    OpenApiParameter("open", OpenApiTypes.BOOL, description="只列出进行中的项目"),
    OpenApiParameter("org", OpenApiTypes.INT, description="成果方或承接企业 id"),
    OpenApiParameter("team", OpenApiTypes.INT, description="工作专班 id"),
    OpenApiParameter("stalled_days", OpenApiTypes.INT, description="在当前阶段停留不少于该天数"),
]


def _project_filters(params: Any) -> selectors.ProjectFilters:
    stalled = params.get("stalled_days") or ""
    return selectors.ProjectFilters(
        q=(params.get("q") or "").strip()[:100],
        stage=params.get("stage", ""),
        open_only=params.get("open") in ("1", "true"),
        organisation=parse_id(params.get("org")),
        team=parse_id(params.get("team")),
        stalled_days=int(stalled) if stalled.isdecimal() and len(stalled) <= 5 else None,
    )


@extend_schema_view(
    list=extend_schema(tags=["projects"], parameters=PROJECT_PARAMETERS),
    retrieve=extend_schema(tags=["projects"]),
    create=extend_schema(tags=["projects"], summary="立项（从匹配、对接记录或手工）"),
    partial_update=extend_schema(tags=["projects"]),
)
class TransferProjectViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Transfer projects (转化项目): a deal from 对接 to 产业化, its stages, hosts and money."""

    serializer_class = TransferProjectSerializer
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.project_list(
            viewer=self.request.user, filters=_project_filters(self.request.query_params)
        ).prefetch_related("achievements", "members", "periods__host")

    def get_object(self) -> TransferProject:
        return selectors.project_get(viewer=self.request.user, pk=pk_or_404(self.kwargs.get("pk")))

    def _fresh(self, project: TransferProject, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.project_get(viewer=self.request.user, pk=project.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        engagement = data.pop("engagement", None)
        if engagement is not None:
            engagement = selectors.engagement_get(viewer=request.user, pk=engagement.pk)
        project = services.project_create(
            actor=request.user,
            owner=data.pop("owner"),
            enterprise=data.pop("enterprise"),
            title=data.pop("title"),
            summary=data.pop("summary", ""),
            achievements=data.pop("achievements", []),
            need=data.pop("need", None),
            match=data.pop("match", None),
            engagement=engagement,
            team=data.pop("team", None),
            manager=data.pop("manager", None),
            members=data.pop("members", None),
        )
        return self._fresh(project, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = self.get_object()
        permissions.require_edit_project(request.user, project)
        serializer = self.get_serializer(project, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        for fixed in ("owner", "enterprise", "match", "engagement"):
            if fixed in data and data[fixed] != getattr(project, fixed, None):
                raise ValidationError({fixed: _("立项后不能修改该项。")})
            data.pop(fixed, None)
        services.project_update(
            actor=request.user,
            project=project,
            achievements=data.pop("achievements", None),
            members=data.pop("members", None),
            **data,
        )
        return self._fresh(project)

    @extend_schema(
        tags=["projects"], request=ProjectTransitionSerializer, summary="推进、退回、终止或重启项目"
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        serializer = ProjectTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.project_transition(actor=request.user, project=project, **serializer.validated_data)
        return self._fresh(project)

    @extend_schema(tags=["projects"], request=HostSerializer, summary="设置当前阶段的承载平台")
    @action(detail=True, methods=["post"])
    def host(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        serializer = HostSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.project_host_set(actor=request.user, project=project, host=serializer.validated_data["host"])
        return self._fresh(project)

    @extend_schema(
        tags=["projects"],
        methods=["GET"],
        responses=FundingSerializer(many=True),
        summary="项目的资金投入",
    )
    @extend_schema(
        tags=["projects"],
        methods=["POST"],
        request=FundingSerializer,
        responses=FundingSerializer,
        summary="记录一笔资金投入",
    )
    @action(detail=True, methods=["get", "post"])
    def fundings(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        if request.method == "GET":
            return Response(FundingSerializer(selectors.project_fundings(project), many=True).data)
        serializer = FundingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        funding = services.funding_add(actor=request.user, project=project, **serializer.validated_data)
        return Response(FundingSerializer(funding).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["projects"],
        request=None,
        responses={204: None},
        parameters=[OpenApiParameter("funding_id", OpenApiTypes.INT, "path")],
        summary="删除一笔误录的资金投入",
    )
    @action(detail=True, methods=["delete"], url_path=r"fundings/(?P<funding_id>[0-9]{1,18})")
    def funding_delete(self, request: Request, pk: str | None = None, funding_id: str = "") -> Response:
        project = self.get_object()
        funding = project.fundings.filter(pk=pk_or_404(funding_id)).first()
        if funding is None:
            raise Http404
        if not permissions.can_edit_project(request.user, project):
            raise PermissionDenied(_("只有项目双方单位成员、技术经理人、项目成员或所在专班可以操作该项目。"))
        services.funding_remove(actor=request.user, funding=funding)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(tags=["projects"], responses=StageChangeSerializer(many=True), summary="阶段变更记录")
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str | None = None) -> Response:
        project = self.get_object()
        return Response(
            [
                {
                    "at": change.at,
                    "actor": str(change.actor) if change.actor else None,
                    "from_stage": change.from_status,
                    "from_label": status_label(project, "stage", change.from_status),
                    "to_stage": change.to_status,
                    "to_label": status_label(project, "stage", change.to_status),
                    "reason": change.reason,
                }
                for change in status_history(project)
            ]
        )

    @extend_schema(
        tags=["projects"],
        parameters=PROJECT_PARAMETERS,
        responses=PipelineSerializer,
        summary="各阶段项目数与停留天数（缩短时间差）",
    )
    @action(detail=False, methods=["get"])
    def pipeline(self, request: Request) -> Response:
        filters = _project_filters(request.query_params)
        counts = selectors.stage_counts(viewer=request.user, filters=filters)
        projects = selectors.projects_filtered(viewer=request.user, filters=filters)
        rows = selectors.stage_time_summary(viewer=request.user, projects=projects)
        data = {
            "stages": StageTimeSerializer(rows, many=True, context={"counts": counts}).data,
            "stopped": counts.get(TransferProject.Stage.STOPPED, 0),
        }
        return Response(data)
