"""REST API of challenge calls (榜单), their public Q&A and the applications (揭榜申报).

Same services, scoping and answers as the pages: published challenges are readable by anyone,
drafts only by their issuer's people and the secretariat; 404 for a record the caller may not
see, 403 for an action it may not take, 400 with messages by field for bad input. Indicators,
milestones and team members are written as lists with the challenge or the application."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.urls import URLPattern
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from hebi.catalog.models import TechField
from hebi.catalog.workflow import status_history, status_label
from hebi.challenges import application_services, permissions, selectors, services
from hebi.challenges.models import Application, Challenge, ChallengeQuestion, Rubric
from hebi.core.api import UserLanguageMixin, id_field, pk_or_404
from hebi.core.converters import parse_id
from hebi.core.permissions import can_contribute, roles_by_org
from hebi.orgs.models import Organisation

User = get_user_model()
TAG_CALLS = ["challenges"]
TAG_APPLICATIONS = ["challenge-applications"]


class ChallengeStatusChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    from_status = serializers.CharField()
    from_label = serializers.CharField()
    to_status = serializers.CharField()
    to_label = serializers.CharField()
    reason = serializers.CharField()


def _history(instance: Any) -> list[dict[str, Any]]:
    return [
        {
            "at": change.at,
            "actor": str(change.actor) if change.actor else None,
            "from_status": change.from_status,
            "from_label": status_label(instance, "status", change.from_status) if change.from_status else "",
            "to_status": change.to_status,
            "to_label": status_label(instance, "status", change.to_status),
            "reason": change.reason,
        }
        for change in status_history(instance)
    ]


def _is_list(serializer: serializers.Serializer) -> bool:
    view = serializer.context.get("view")
    return getattr(view, "action", None) == "list"


# -- challenges -------------------------------------------------------------------------------------
class ChallengeIndicatorSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    target = serializers.CharField(max_length=60)
    unit = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class ChallengeRequiredMilestoneSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    month = serializers.IntegerField(min_value=1, max_value=120, help_text="项目开始后的第几个月")
    deliverable = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ChallengeSerializer(serializers.ModelSerializer):
    issuer_name = serializers.CharField(source="issuer.name", read_only=True)
    issuer_kind = serializers.CharField(source="issuer.kind", read_only=True)
    field = serializers.CharField(
        source="field_id", allow_null=True, read_only=True, help_text="技术领域代码"
    )
    rubric = serializers.CharField(source="rubric_id", read_only=True, help_text="评审指标体系代码")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    budget_total = serializers.DecimalField(max_digits=15, decimal_places=2, read_only=True, help_text="元")
    indicators = ChallengeIndicatorSerializer(many=True, read_only=True)
    milestones = ChallengeRequiredMilestoneSerializer(many=True, read_only=True)
    is_open = serializers.SerializerMethodField()
    days_left = serializers.SerializerMethodField()
    review_note = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta:
        model = Challenge
        fields = [
            "id",
            "issuer",
            "issuer_name",
            "issuer_kind",
            "title",
            "field",
            "problem",
            "budget_public",
            "budget_enterprise",
            "budget_total",
            "deadline",
            "duration_months",
            "eligibility",
            "deliverables",
            "rubric",
            "contact",
            "status",
            "status_label",
            "is_open",
            "days_left",
            "review_note",
            "published_at",
            "approved_by",
            "indicators",
            "milestones",
            "history",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_is_open(self, challenge: Challenge) -> bool:
        return services.is_open(challenge)

    def get_days_left(self, challenge: Challenge) -> int:
        return selectors.days_left(challenge)

    def _insider(self, challenge: Challenge) -> bool:
        user = self.context["request"].user
        return permissions.is_secretariat(user) or permissions.is_issuer_member(user, challenge)

    @extend_schema_field(OpenApiTypes.STR)
    def get_review_note(self, challenge: Challenge) -> str:
        """The secretariat's note, for the issuer's people and the secretariat only."""
        return challenge.review_note if self._insider(challenge) else ""

    @extend_schema_field(ChallengeStatusChangeSerializer(many=True))
    def get_history(self, challenge: Challenge) -> list[dict[str, Any]]:
        """In the detail only (a list would query once per row)."""
        if _is_list(self) or not self._insider(challenge):
            return []
        return _history(challenge)


class ChallengeWriteSerializer(serializers.Serializer):
    """Every field is optional here: the service names what is missing, in one answer."""

    issuer = id_field(required=False, help_text="发榜单位 id（企业或政府部门；仅创建时，只属于一个时可省略）")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    field = serializers.SlugRelatedField(
        slug_field="code", queryset=TechField.objects.all(), required=False, allow_null=True
    )
    problem = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    budget_public = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, help_text="元")
    budget_enterprise = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, help_text="元"
    )
    deadline = serializers.DateField(required=False)
    duration_months = serializers.IntegerField(required=False, min_value=1, max_value=120)
    eligibility = serializers.CharField(max_length=3000, required=False, allow_blank=True)
    deliverables = serializers.CharField(max_length=3000, required=False, allow_blank=True)
    rubric = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Rubric.objects.filter(purpose=Rubric.Purpose.CHALLENGE, is_active=True),
        required=False,
        help_text="默认 challenge-2024",
    )
    contact = id_field(required=False, allow_null=True, help_text="联系人（发榜单位成员）用户 id")
    indicators = ChallengeIndicatorSerializer(many=True, required=False)
    milestones = ChallengeRequiredMilestoneSerializer(many=True, required=False)


class ChallengeReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


CHALLENGE_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="在榜单名称和关键问题中查找"),
    OpenApiParameter("status", OpenApiTypes.STR, description="、".join(Challenge.Status.values)),
    OpenApiParameter("field", OpenApiTypes.STR, description="技术领域代码"),
    OpenApiParameter("issuer", OpenApiTypes.INT, description="发榜单位 id"),
    OpenApiParameter("issuer_kind", OpenApiTypes.STR, description="enterprise、government"),
    OpenApiParameter("state", OpenApiTypes.STR, description="open（征集中）、closed（已截止）"),
]


def _user(pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = User.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [_("用户不存在。")]})
    return found


@extend_schema_view(
    list=extend_schema(tags=TAG_CALLS, parameters=CHALLENGE_PARAMETERS),
    retrieve=extend_schema(tags=TAG_CALLS),
)
class ChallengeViewSet(UserLanguageMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """揭榜挂帅榜单：已发布的对所有人可见，草稿仅发榜单位成员和委员会秘书处可见。"""

    serializer_class = ChallengeSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        qs = selectors.challenges_visible(viewer=self.request.user)
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("field"):
            qs = qs.filter(field_id=params["field"])
        if params.get("issuer"):
            qs = qs.filter(issuer_id=parse_id(params["issuer"]) or 0)
        if params.get("issuer_kind"):
            qs = qs.filter(issuer__kind=params["issuer_kind"])
        open_now = Q(status=Challenge.Status.PUBLISHED, deadline__gte=timezone.localdate())
        if params.get("state") == "open":
            qs = qs.filter(open_now)
        elif params.get("state") == "closed":
            qs = qs.exclude(open_now)
        q = (params.get("q") or "").strip()[:100]
        if q:
            qs = qs.filter(Q(title__icontains=q) | Q(problem__icontains=q))
        return (
            qs.select_related("issuer")
            .prefetch_related("indicators", "milestones")
            .order_by("-published_at", "-id")
        )

    def get_object(self) -> Challenge:
        return selectors.challenge_get(viewer=self.request.user, pk=pk_or_404(self.kwargs.get("pk")))

    def _answer(self, challenge: Challenge, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.challenge_get(viewer=self.request.user, pk=challenge.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self._answer(self.get_object())

    def _issuer(self, issuer_id: int | None) -> Organisation:
        if issuer_id is not None:
            issuer = Organisation.objects.filter(pk=issuer_id, is_active=True).first()
            if issuer is None:
                raise ValidationError({"issuer": [_("发榜单位不存在。")]})
            return issuer
        own = permissions.issuing_organisations(self.request.user)
        if len(own) != 1:
            raise ValidationError({"issuer": [_("请指定发榜单位（issuer，机构 id）。")]})
        return own[0]

    @extend_schema(tags=TAG_CALLS, request=ChallengeWriteSerializer, responses={201: ChallengeSerializer})
    def create(self, request: Request) -> Response:
        """起草榜单（草稿）。"""
        serializer = ChallengeWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        issuer = self._issuer(data.pop("issuer", None))
        data["contact"] = _user(data.pop("contact", None), "contact")
        challenge = services.challenge_create(
            actor=request.user,
            issuer=issuer,
            indicators=data.pop("indicators", []),
            milestones=data.pop("milestones", []),
            **data,
        )
        return self._answer(challenge, status.HTTP_201_CREATED)

    @extend_schema(tags=TAG_CALLS, request=ChallengeWriteSerializer, responses=ChallengeSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """修改草稿或退回修改的榜单；未给出的字段保持不变，给出的列表整体替换。"""
        challenge = self.get_object()
        permissions.require_edit_challenge(request.user, challenge)
        serializer = ChallengeWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("issuer", None)  # a challenge stays with its issuer
        if "contact" in data:
            data["contact"] = _user(data["contact"], "contact")
        services.challenge_update(
            actor=request.user,
            challenge=challenge,
            indicators=data.pop("indicators", None),
            milestones=data.pop("milestones", None),
            **data,
        )
        return self._answer(challenge)

    @extend_schema(tags=TAG_CALLS, request=None, responses=ChallengeSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """提交委员会秘书处审核。"""
        challenge = self.get_object()
        services.challenge_submit(actor=request.user, challenge=challenge)
        return self._answer(challenge)

    @extend_schema(tags=TAG_CALLS, request=ChallengeReasonSerializer, responses=ChallengeSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """审核通过并发布（委员会秘书处）；reason 为可选的审核意见。"""
        challenge = self.get_object()
        serializer = ChallengeReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.challenge_approve(
            actor=request.user, challenge=challenge, note=serializer.validated_data["reason"]
        )
        return self._answer(challenge)

    @extend_schema(tags=TAG_CALLS, request=ChallengeReasonSerializer, responses=ChallengeSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def send_back(self, request: Request, pk: str | None = None) -> Response:
        """退回修改（委员会秘书处），须说明原因。"""
        challenge = self.get_object()
        serializer = ChallengeReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.challenge_return(
            actor=request.user, challenge=challenge, reason=serializer.validated_data["reason"]
        )
        return self._answer(challenge)

    @extend_schema(tags=TAG_CALLS, request=ChallengeReasonSerializer, responses=ChallengeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """撤销：发榜单位撤销草稿；秘书处撤销已发布的榜单（须说明原因）。"""
        challenge = self.get_object()
        serializer = ChallengeReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.challenge_cancel(
            actor=request.user, challenge=challenge, reason=serializer.validated_data["reason"]
        )
        return self._answer(challenge)

    @extend_schema(tags=TAG_CALLS, request=None, responses=ChallengeSerializer)
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request: Request, pk: str | None = None) -> Response:
        """截止后开始评审（委员会秘书处），至少有一份已提交的申报。"""
        challenge = self.get_object()
        services.challenge_start_review(actor=request.user, challenge=challenge)
        return self._answer(challenge)


# -- questions --------------------------------------------------------------------------------------
class ChallengeQuestionSerializer(serializers.ModelSerializer):
    asked_by = serializers.SerializerMethodField(help_text="提问人：仅提问人本人、发榜单位和秘书处可见")
    answered_by: serializers.Field = serializers.StringRelatedField(read_only=True)
    challenge = id_field(source="challenge_id", help_text="榜单 id")

    def get_asked_by(self, question: ChallengeQuestion) -> str | None:
        """Who asks shows interest in a call: not something to tell the other applicants."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if question.asked_by is None or user is None or not user.is_authenticated:
            return None
        if question.asked_by_id == user.pk or permissions.can_answer_questions(user, question.challenge):
            return str(question.asked_by)
        return None

    class Meta:
        model = ChallengeQuestion
        fields = [
            "id",
            "challenge",
            "question",
            "asked_by",
            "answer",
            "answered_by",
            "answered_at",
            "created_at",
        ]
        read_only_fields = ["id", "answer", "answered_at", "created_at"]


class ChallengeAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=3000, allow_blank=True)


@extend_schema_view(
    list=extend_schema(
        tags=TAG_CALLS,
        parameters=[OpenApiParameter("challenge", OpenApiTypes.INT, required=True, description="榜单 id")],
    ),
    retrieve=extend_schema(tags=TAG_CALLS),
)
class ChallengeQuestionViewSet(UserLanguageMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """公开答疑：答复后的问题对所有人公开；未答复的仅提问人和答复方可见。"""

    serializer_class = ChallengeQuestionSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "head", "options"]

    def _challenge(self, value: Any) -> Challenge:
        return selectors.challenge_get(viewer=self.request.user, pk=pk_or_404(value))

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no challenge
            return ChallengeQuestion.objects.none()
        challenge = self._challenge(self.request.query_params.get("challenge"))
        return selectors.questions_visible(viewer=self.request.user, challenge=challenge).select_related(
            "challenge__issuer", "asked_by", "answered_by"
        )

    def get_object(self) -> ChallengeQuestion:
        return selectors.question_get(viewer=self.request.user, pk=pk_or_404(self.kwargs.get("pk")))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        tags=TAG_CALLS, request=ChallengeQuestionSerializer, responses={201: ChallengeQuestionSerializer}
    )
    def create(self, request: Request) -> Response:
        """在征集期内提问。"""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            challenge = self._challenge(serializer.validated_data["challenge_id"])
        except Http404 as error:
            raise ValidationError({"challenge": [_("榜单不存在。")]}) from error
        question = services.question_ask(
            actor=request.user, challenge=challenge, question=serializer.validated_data["question"]
        )
        return Response(self.get_serializer(question).data, status=status.HTTP_201_CREATED)

    @extend_schema(tags=TAG_CALLS, request=ChallengeAnswerSerializer, responses=ChallengeQuestionSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        """答复（发榜单位成员或委员会秘书处），答复后公开。"""
        question = self.get_object()
        serializer = ChallengeAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = services.question_answer(
            actor=request.user, question=question, answer=serializer.validated_data["answer"]
        )
        return Response(self.get_serializer(question).data)


# -- applications -----------------------------------------------------------------------------------
class ChallengeApplicationMemberSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    organisation = id_field(help_text="单位 id（牵头单位或联合单位）")
    role = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    user = id_field(required=False, allow_null=True, help_text="平台账号 id（可不填）")
    is_lead = serializers.BooleanField(read_only=True, help_text="第一位为项目负责人")


class ChallengeApplicationMemberReadSerializer(serializers.Serializer):
    name = serializers.CharField()
    organisation = serializers.IntegerField(source="organisation_id")
    organisation_name = serializers.CharField(source="organisation.name")
    role = serializers.CharField()
    user = serializers.IntegerField(source="user_id", allow_null=True)
    is_lead = serializers.BooleanField()


class ChallengeApplicationMilestoneSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    month = serializers.IntegerField(min_value=1, max_value=120)
    deliverable = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, help_text="拨付金额（元）"
    )


class ChallengeApplicationAttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class ChallengeAttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF、Office 文档或图片；按内容和大小检查")


class ChallengeApplicationSerializer(serializers.ModelSerializer):
    challenge_title = serializers.CharField(source="challenge.title", read_only=True)
    lead_name = serializers.CharField(source="lead.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    members = ChallengeApplicationMemberReadSerializer(many=True, read_only=True)
    milestones = ChallengeApplicationMilestoneSerializer(many=True, read_only=True)
    attachments = ChallengeApplicationAttachmentSerializer(many=True, read_only=True)
    history = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "challenge",
            "challenge_title",
            "lead",
            "lead_name",
            "partners",
            "title",
            "approach",
            "trl_now",
            "trl_promised",
            "team_summary",
            "budget_total",
            "budget_public",
            "budget_note",
            "status",
            "status_label",
            "submitted_at",
            "withdrawn_at",
            "members",
            "milestones",
            "attachments",
            "history",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ChallengeStatusChangeSerializer(many=True))
    def get_history(self, application: Application) -> list[dict[str, Any]]:
        """In the detail only (a list would query once per row)."""
        return [] if _is_list(self) else _history(application)


class ChallengeApplicationWriteSerializer(serializers.Serializer):
    """Every field is optional here: the service names what is missing, in one answer."""

    challenge = id_field(required=False, help_text="榜单 id（仅创建时）")
    lead = id_field(required=False, help_text="牵头单位 id（仅创建时；只属于一个单位时可省略）")
    partners = serializers.ListField(child=id_field(), required=False, max_length=20, help_text="联合单位 id")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    approach = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    trl_now = serializers.IntegerField(required=False, min_value=1, max_value=9)
    trl_promised = serializers.IntegerField(required=False, min_value=1, max_value=9)
    team_summary = serializers.CharField(max_length=3000, required=False, allow_blank=True)
    budget_total = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, help_text="元")
    budget_public = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, help_text="元")
    budget_note = serializers.CharField(max_length=3000, required=False, allow_blank=True)
    members = ChallengeApplicationMemberSerializer(many=True, required=False)
    milestones = ChallengeApplicationMilestoneSerializer(many=True, required=False)


def _organisations(ids: list[int], field: str) -> list[Organisation]:
    found = list(Organisation.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({field: [_("所选单位不存在。")]})
    return found


def _members(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    orgs = {o.pk: o for o in _organisations([r["organisation"] for r in rows], "members")}
    user_ids = {r["user"] for r in rows if r.get("user")}
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    if len(users) != len(user_ids):
        raise ValidationError({"members": [_("成员的平台账号不存在。")]})
    return [
        {
            "name": r.get("name", ""),
            "organisation": orgs[r["organisation"]],
            "role": r.get("role", ""),
            "user": users.get(r.get("user") or 0),
        }
        for r in rows
    ]


APPLICATION_PARAMETERS = [
    OpenApiParameter("challenge", OpenApiTypes.INT, description="榜单 id"),
    OpenApiParameter("status", OpenApiTypes.STR, description="、".join(Application.Status.values)),
    OpenApiParameter("mine", OpenApiTypes.BOOL, description="只看本单位牵头或参与的申报"),
]


@extend_schema_view(
    list=extend_schema(tags=TAG_APPLICATIONS, parameters=APPLICATION_PARAMETERS),
    retrieve=extend_schema(tags=TAG_APPLICATIONS),
)
class ChallengeApplicationViewSet(UserLanguageMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """揭榜申报：申报单位（牵头与联合）成员、委员会秘书处、评审专家以及（提交后）发榜单位可见。"""

    serializer_class = ChallengeApplicationSerializer
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        if params.get("mine") in ("1", "true"):
            qs = selectors.applications_mine(viewer=self.request.user)
        else:
            qs = selectors.applications_visible(viewer=self.request.user)
        if params.get("challenge"):
            qs = qs.filter(challenge_id=parse_id(params["challenge"]) or 0)
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        return (
            qs.select_related("challenge", "lead")
            .prefetch_related("partners", "members__organisation", "milestones", "attachments")
            .order_by("-updated_at", "-id")
        )

    def get_object(self) -> Application:
        return selectors.application_get(viewer=self.request.user, pk=pk_or_404(self.kwargs.get("pk")))

    def _answer(self, application: Application, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.application_get(viewer=self.request.user, pk=application.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self._answer(self.get_object())

    def _lead(self, lead_id: int | None) -> Organisation:
        if lead_id is not None:
            lead = Organisation.objects.filter(pk=lead_id, is_active=True).first()
            if lead is None:
                raise ValidationError({"lead": [_("牵头单位不存在。")]})
            return lead
        own = [
            o
            for o in Organisation.objects.filter(pk__in=list(roles_by_org(self.request.user)))
            if can_contribute(self.request.user, o)
        ]
        if len(own) != 1:
            raise ValidationError({"lead": [_("请指定牵头单位（lead，机构 id）。")]})
        return own[0]

    @extend_schema(
        tags=TAG_APPLICATIONS,
        request=ChallengeApplicationWriteSerializer,
        responses={201: ChallengeApplicationSerializer},
    )
    def create(self, request: Request) -> Response:
        """起草申报（草稿）；截止日期前提交。"""
        serializer = ChallengeApplicationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "challenge" not in data:
            raise ValidationError({"challenge": [_("请指定榜单（challenge，榜单 id）。")]})
        try:
            challenge = selectors.challenge_get(viewer=request.user, pk=data.pop("challenge"))
        except Http404 as error:
            raise ValidationError({"challenge": [_("榜单不存在。")]}) from error
        application = application_services.application_create(
            actor=request.user,
            challenge=challenge,
            lead=self._lead(data.pop("lead", None)),
            partners=_organisations(data.pop("partners", []), "partners"),
            members=_members(data.pop("members", [])),
            milestones=data.pop("milestones", []),
            **data,
        )
        return self._answer(application, status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAG_APPLICATIONS,
        request=ChallengeApplicationWriteSerializer,
        responses=ChallengeApplicationSerializer,
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """修改草稿；未给出的字段保持不变，给出的列表整体替换。"""
        application = self.get_object()
        permissions.require_edit_application(request.user, application)
        serializer = ChallengeApplicationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("challenge", None)
        data.pop("lead", None)
        application_services.application_update(
            actor=request.user,
            application=application,
            partners=_organisations(data.pop("partners"), "partners") if "partners" in data else None,
            members=_members(data.pop("members")) if "members" in data else None,
            milestones=data.pop("milestones", None),
            **data,
        )
        return self._answer(application)

    @extend_schema(tags=TAG_APPLICATIONS, request=None, responses=ChallengeApplicationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """提交申报（截止日期前）。"""
        application = self.get_object()
        application_services.application_submit(actor=request.user, application=application)
        return self._answer(application)

    @extend_schema(
        tags=TAG_APPLICATIONS, request=ChallengeReasonSerializer, responses=ChallengeApplicationSerializer
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """撤回申报（截止日期前）；撤回后本单位可重新申报。"""
        application = self.get_object()
        serializer = ChallengeReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application_services.application_withdraw(
            actor=request.user, application=application, reason=serializer.validated_data["reason"]
        )
        return self._answer(application)

    @extend_schema(
        tags=TAG_APPLICATIONS,
        request={"multipart/form-data": ChallengeAttachmentUploadSerializer},
        responses={201: ChallengeApplicationAttachmentSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="attachments",
        parser_classes=[MultiPartParser, FormParser],
    )
    def attachments(self, request: Request, pk: str | None = None) -> Response:
        """上传附件（草稿；按内容和大小检查）。"""
        application = self.get_object()
        serializer = ChallengeAttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = application_services.attachment_add(
            actor=request.user, application=application, uploaded=serializer.validated_data["file"]
        )
        return Response(ChallengeApplicationAttachmentSerializer(attachment).data, status=201)

    @extend_schema(tags=TAG_APPLICATIONS, request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"attachments/(?P<attachment>[0-9]{1,18})")
    def attachment_delete(
        self, request: Request, pk: str | None = None, attachment: str | None = None
    ) -> Response:
        """删除附件（草稿）。"""
        application = self.get_object()
        found = application.attachments.filter(pk=pk_or_404(attachment)).first()
        if found is None:
            raise Http404
        application_services.attachment_remove(actor=request.user, attachment=found)
        return Response(status=204)


def register(router: SimpleRouter) -> None:
    """Add this part's viewsets to the shared router."""
    router.register("challenges", ChallengeViewSet, basename="challenge")
    router.register("challenge-questions", ChallengeQuestionViewSet, basename="challenge-question")
    router.register("challenge-applications", ChallengeApplicationViewSet, basename="challenge-application")


extra_urls: list[URLPattern] = []
