"""REST API of the review: the expert pool and declared conflicts, rubrics and decision categories,
panels, scores, the ranking and the decision. Same scoping and errors as the pages: 404 for a
record the caller may not see, 403 for an action it may not take, 400 for bad input."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from hebi.catalog.models import TechField
from hebi.challenges import panels, permissions, review, review_selectors, selectors
from hebi.challenges.models import (
    Application,
    DecisionCategory,
    DeclaredConflict,
    ExpertProfile,
    Panel,
    Rubric,
    RubricCriterion,
    Score,
)
from hebi.core.api import IdField, UserLanguageMixin, id_field, pk_or_404
from hebi.core.converters import parse_id
from hebi.orgs.models import Organisation

User = get_user_model()
TAGS = ["challenge-review"]


ORGS = Organisation.objects.filter(is_active=True)


# -- reference data ---------------------------------------------------------------------------------
class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RubricCriterion
        fields = ["code", "name", "name_en", "description", "max_score", "order"]
        read_only_fields = fields


class RubricSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)
    max_total = serializers.DecimalField(max_digits=7, decimal_places=1, read_only=True)

    class Meta:
        model = Rubric
        fields = ["code", "name", "name_en", "purpose", "min_panel_size", "source", "max_total", "criteria"]
        read_only_fields = fields


class DecisionCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = DecisionCategory
        fields = ["code", "name", "name_en", "outcome", "order", "source"]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(tags=TAGS), retrieve=extend_schema(tags=TAGS))
class RubricViewSet(UserLanguageMixin, viewsets.ReadOnlyModelViewSet):
    """Scoring rubrics (评审指标体系) with their criteria and maxima."""

    serializer_class = RubricSerializer
    queryset = Rubric.objects.filter(is_active=True).prefetch_related("criteria")
    filter_backends: list[Any] = []
    pagination_class = None


@extend_schema_view(list=extend_schema(tags=TAGS), retrieve=extend_schema(tags=TAGS))
class DecisionCategoryViewSet(UserLanguageMixin, viewsets.ReadOnlyModelViewSet):
    """Decision categories (决定类别): every decision names one, awarded or not."""

    serializer_class = DecisionCategorySerializer
    queryset = DecisionCategory.objects.all()
    filter_backends: list[Any] = []
    pagination_class = None


# -- experts ----------------------------------------------------------------------------------------
class ExpertSerializer(serializers.ModelSerializer):
    username = serializers.CharField(
        source="user.username", max_length=150, help_text="专家的用户名（创建时必填，之后不可修改）"
    )
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    organisation = IdField(queryset=ORGS, required=False, allow_null=True)
    organisation_name: serializers.Field = serializers.StringRelatedField(
        source="organisation", read_only=True
    )
    fields = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", queryset=TechField.objects.all(), many=True, required=False, help_text="领域代码"
    )

    class Meta:
        model = ExpertProfile
        fields = [
            "id",
            "username",
            "name",
            "organisation",
            "organisation_name",
            "title",
            "fields",
            "specialties",
            "is_enterprise_expert",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="专家库（委员会秘书处）"),
    retrieve=extend_schema(tags=TAGS),
    create=extend_schema(tags=TAGS, summary="把已注册账号加入专家库"),
    partial_update=extend_schema(tags=TAGS, summary="修改专家信息（专家本人只能改研究方向和领域）"),
)
class ExpertViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The expert pool (专家库)."""

    serializer_class = ExpertSerializer
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        active = {"1": True, "true": True, "0": False, "false": False}.get(params.get("active", ""))
        return review_selectors.experts_list(
            viewer=self.request.user,
            field=params.get("field", "")[:40],
            q=(params.get("q") or "").strip()[:100],
            active=active,
        )

    def get_object(self) -> ExpertProfile:
        return review_selectors.expert_get(viewer=self.request.user, pk=pk_or_404(self.kwargs.get("pk")))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        permissions.require_secretariat(request.user)
        return super().list(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        permissions.require_secretariat(request.user)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        username = data.pop("user")["username"]
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise serializers.ValidationError({"username": [_("没有找到该用户名的有效账号。")]})
        data.pop("is_active", None)
        expert = review.expert_create(actor=request.user, user=user, fields=data.pop("fields", []), **data)
        return Response(self.get_serializer(self._reload(expert)).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        expert = self.get_object()
        serializer = self.get_serializer(expert, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("user", None)  # the account of a profile does not change
        review.expert_update(actor=request.user, expert=expert, fields=data.pop("fields", None), **data)
        return Response(self.get_serializer(self._reload(expert)).data)

    def _reload(self, expert: ExpertProfile) -> ExpertProfile:
        return ExpertProfile.objects.select_related("user", "organisation").get(pk=expert.pk)


class ConflictSerializer(serializers.ModelSerializer):
    organisation = IdField(queryset=ORGS, required=False, allow_null=True)
    organisation_name: serializers.Field = serializers.StringRelatedField(
        source="organisation", read_only=True
    )
    person = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")

    class Meta:
        model = DeclaredConflict
        fields = ["id", "organisation", "organisation_name", "person", "reason", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators: list[Any] = []


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="本人申报的回避"),
    create=extend_schema(tags=TAGS, summary="申报回避（单位或人员，须说明原因）"),
    destroy=extend_schema(tags=TAGS, summary="撤销本人的一条回避申报"),
)
class ExpertConflictViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's own declared conflicts of interest (申报回避)."""

    serializer_class = ConflictSerializer
    filter_backends: list[Any] = []
    pagination_class = None

    def _profile(self) -> ExpertProfile | None:
        return ExpertProfile.objects.filter(user_id=self.request.user.pk or 0).first()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        profile = self._profile()
        if profile is None:
            return DeclaredConflict.objects.none()
        return review_selectors.expert_conflicts(profile)

    def get_object(self) -> DeclaredConflict:
        found = self.get_queryset().filter(pk=pk_or_404(self.kwargs.get("pk"))).first()
        if found is None:
            raise Http404
        return found

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        profile = self._profile()
        if profile is None:
            raise PermissionDenied(_("您还不是平台专家库成员。"))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conflict = review.conflict_declare(actor=request.user, expert=profile, **serializer.validated_data)
        return Response(self.get_serializer(conflict).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        review.conflict_remove(actor=request.user, conflict=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- panels -----------------------------------------------------------------------------------------
class ReasonSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="label")
    detail = serializers.CharField()
    application = serializers.IntegerField(allow_null=True)
    application_title = serializers.CharField()


class MemberSerializer(serializers.Serializer):
    expert = serializers.IntegerField(source="expert.pk")
    name = serializers.CharField(source="expert.user.get_full_name")
    organisation = serializers.CharField(source="expert.organisation", allow_null=True)
    is_chair = serializers.BooleanField()


class ExclusionSerializer(serializers.Serializer):
    expert = serializers.IntegerField(source="expert.pk")
    name = serializers.CharField(source="expert.user.get_full_name")
    reasons = ReasonSerializer(many=True)


class PanelSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()
    exclusions = serializers.SerializerMethodField(help_text="回避的专家及原因（仅委员会秘书处可见）")

    class Meta:
        model = Panel
        fields = [
            "id",
            "challenge",
            "kind",
            "milestone",
            "rubric",
            "status",
            "members",
            "exclusions",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(MemberSerializer(many=True))
    def get_members(self, panel: Panel) -> list[dict[str, Any]]:
        return MemberSerializer(review_selectors.panel_members(panel), many=True).data  # type: ignore[return-value]

    @extend_schema_field(ExclusionSerializer(many=True, allow_null=True))
    def get_exclusions(self, panel: Panel) -> list[dict[str, Any]] | None:
        request = self.context.get("request")
        if request is None or not permissions.is_secretariat(request.user):
            return None
        titles = {a.pk: f"{a.title}（{a.lead}）" for a in panels.applications_under_review(panel.challenge)}
        rows = [
            {"expert": x.expert, "reasons": review_selectors.labelled(x.reasons, titles)}
            for x in review_selectors.panel_exclusions(panel)
        ]
        return ExclusionSerializer(rows, many=True).data  # type: ignore[return-value]


class PanelCreateSerializer(serializers.Serializer):
    challenge = id_field(help_text="榜单 id")
    experts = IdField(queryset=ExpertProfile.objects.all(), many=True, help_text="拟选专家 id 列表")
    chair = IdField(
        queryset=ExpertProfile.objects.all(), required=False, allow_null=True, help_text="组长（可不填）"
    )

    def to_internal_value(self, data: Any) -> Any:
        # Each id costs a query: refuse an absurd list before looking any of them up.
        experts = data.get("experts") if hasattr(data, "get") else None
        if isinstance(experts, list) and len(experts) > panels.MAX_PANEL * 2:
            raise serializers.ValidationError(
                {"experts": [_("一个专家组最多 %(n)d 人。") % {"n": panels.MAX_PANEL}]}
            )
        return super().to_internal_value(data)


class PanelAddMemberSerializer(serializers.Serializer):
    expert = IdField(queryset=ExpertProfile.objects.all(), help_text="增补专家 id")


class PanelRemoveMemberSerializer(serializers.Serializer):
    expert = IdField(queryset=ExpertProfile.objects.all(), help_text="移出专家 id")
    reason = serializers.CharField(max_length=300, help_text="移出原因（必填）")


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="专家组（秘书处：全部；专家：本人所在）"),
    retrieve=extend_schema(tags=TAGS),
)
class PanelViewSet(
    UserLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Expert panels (评审专家组). Members see the members; only the secretariat sees exclusions."""

    serializer_class = PanelSerializer
    filter_backends: list[Any] = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return review_selectors.panels_visible(viewer=self.request.user).order_by("-created_at", "-id")

    def get_object(self) -> Panel:
        return review_selectors.panel_get(viewer=self.request.user, pk=pk_or_404(self.kwargs.get("pk")))

    @extend_schema(
        tags=TAGS,
        request=PanelCreateSerializer,
        responses={201: PanelSerializer},
        summary="组建评审专家组（自动回避有利益冲突的专家）",
    )
    def create(self, request: Request) -> Response:
        serializer = PanelCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        challenge = selectors.challenge_get(viewer=request.user, pk=data["challenge"])
        panel = panels.form_panel(
            actor=request.user, challenge=challenge, experts=data["experts"], chair=data.get("chair")
        )
        return Response(self.get_serializer(panel).data, status=status.HTTP_201_CREATED)

    @extend_schema(tags=TAGS, request=None, responses=PanelSerializer, summary="结束评分，保存综合得分与排名")
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        panel = review.panel_close(actor=request.user, panel=self.get_object())
        return Response(self.get_serializer(panel).data)

    @extend_schema(
        tags=TAGS,
        request=PanelAddMemberSerializer,
        responses=PanelSerializer,
        summary="增补专家（自动检查利益冲突，并通知该专家）",
    )
    @action(detail=True, methods=["post"], url_path="add-member")
    def add_member(self, request: Request, pk: str | None = None) -> Response:
        panel = self.get_object()
        permissions.require_secretariat(request.user)
        serializer = PanelAddMemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        panels.panel_add_member(actor=request.user, panel=panel, expert=serializer.validated_data["expert"])
        return Response(self.get_serializer(panel).data)

    @extend_schema(
        tags=TAGS,
        request=PanelRemoveMemberSerializer,
        responses=PanelSerializer,
        summary="移出专家（须说明原因；其已提交的评分保留但不再计入）",
    )
    @action(detail=True, methods=["post"], url_path="remove-member")
    def remove_member(self, request: Request, pk: str | None = None) -> Response:
        panel = self.get_object()
        permissions.require_secretariat(request.user)
        serializer = PanelRemoveMemberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        panels.panel_remove_member(actor=request.user, panel=panel, **serializer.validated_data)
        return Response(self.get_serializer(panel).data)


# -- scores -----------------------------------------------------------------------------------------
class ScoreSerializer(serializers.ModelSerializer):
    expert_name = serializers.CharField(source="expert.user.get_full_name", read_only=True)
    items = serializers.DictField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Score
        fields = [
            "id",
            "panel",
            "application",
            "expert",
            "expert_name",
            "items",
            "total",
            "comment",
            "created_at",
        ]
        read_only_fields = fields


class ScoreCreateSerializer(serializers.Serializer):
    panel = id_field()
    application = id_field()
    items = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=20),
        help_text="{评审指标代码: 分数}，每项 0 到满分，以 0.5 分为单位",
    )
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


@extend_schema_view(list=extend_schema(tags=TAGS, summary="本人的评分（秘书处：全部评分）"))
class ScoreViewSet(UserLanguageMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Scores (专家评分): given once, seen by their expert and the secretariat only."""

    serializer_class = ScoreSerializer
    filter_backends: list[Any] = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = review_selectors.scores_visible(viewer=self.request.user)
        for name in ("panel", "application"):
            value = self.request.query_params.get(name)
            if value:
                qs = qs.filter(**{f"{name}_id": parse_id(value) or 0})
        return qs

    @extend_schema(
        tags=TAGS, request=ScoreCreateSerializer, responses={201: ScoreSerializer}, summary="提交评分"
    )
    def create(self, request: Request) -> Response:
        serializer = ScoreCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        panel = Panel.objects.filter(pk=parse_id(data["panel"]) or 0).first()
        if panel is None:
            raise Http404
        application = selectors.application_get(viewer=request.user, pk=data["application"])
        score = review.score_submit(
            actor=request.user,
            panel=panel,
            application=application,
            items=data["items"],
            comment=data["comment"],
        )
        return Response(ScoreSerializer(score).data, status=status.HTTP_201_CREATED)


# -- ranking and decision ---------------------------------------------------------------------------
class ExpertTotalSerializer(serializers.Serializer):
    expert = serializers.IntegerField()
    name = serializers.CharField()
    total = serializers.DecimalField(max_digits=7, decimal_places=2)


class LeftOutScoreSerializer(serializers.Serializer):
    expert = serializers.IntegerField()
    name = serializers.CharField()
    total = serializers.DecimalField(max_digits=7, decimal_places=2)
    reasons = ReasonSerializer(many=True)


class RankingRowSerializer(serializers.Serializer):
    application = serializers.IntegerField()
    title = serializers.CharField()
    lead = serializers.CharField()
    totals = ExpertTotalSerializer(many=True, help_text="计入综合得分的评分")
    left_out = LeftOutScoreSerializer(
        many=True, help_text="未计入的评分及原因（专家已移出专家组，或现与该申报存在利益冲突）"
    )
    needed = serializers.IntegerField(help_text="每份申报至少需要的有效评分数")
    count = serializers.IntegerField()
    dropped_high = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    dropped_low = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    scored = serializers.IntegerField()
    expected = serializers.IntegerField()
    missing = serializers.ListField(child=serializers.CharField())


class RankingSerializer(serializers.Serializer):
    challenge = serializers.IntegerField()
    panel = serializers.IntegerField(allow_null=True)
    panel_status = serializers.CharField(allow_null=True)
    rows = RankingRowSerializer(many=True)


def _secretariat_challenge(request: Request, pk: str) -> Any:
    challenge = selectors.challenge_get(viewer=request.user, pk=pk_or_404(pk))
    permissions.require_secretariat(request.user)
    return challenge


class ChallengeRankingView(UserLanguageMixin, APIView):
    @extend_schema(
        operation_id="challenges_ranking",
        tags=TAGS,
        responses=RankingSerializer,
        summary="评分排名（委员会秘书处）：各专家总分、去掉的最高/最低分、综合得分、排名与进度",
    )
    def get(self, request: Request, pk: str) -> Response:
        challenge = _secretariat_challenge(request, pk)
        panel = review_selectors.review_panel(challenge)
        rows = []
        if panel is not None:
            for row in review_selectors.panel_board(panel).rows:
                rows.append(
                    {
                        "application": row.application.pk,
                        "title": row.application.title,
                        "lead": str(row.application.lead),
                        "totals": [
                            {"expert": e.pk, "name": e.user.get_full_name(), "total": t}
                            for e, t in row.totals
                        ],
                        "left_out": [
                            {
                                "expert": item.expert.pk,
                                "name": item.expert.user.get_full_name(),
                                "total": item.total,
                                "reasons": item.reasons,
                            }
                            for item in row.left_out
                        ],
                        "needed": row.needed,
                        "count": row.aggregate.count,
                        "dropped_high": row.aggregate.dropped_high,
                        "dropped_low": row.aggregate.dropped_low,
                        "score": row.aggregate.score,
                        "rank": row.rank,
                        "scored": row.scored,
                        "expected": len(row.expected),
                        "missing": [e.user.get_full_name() for e in row.missing],
                    }
                )
        data = {
            "challenge": challenge.pk,
            "panel": panel.pk if panel else None,
            "panel_status": panel.status if panel else None,
            "rows": rows,
        }
        return Response(RankingSerializer(data).data)


class DecisionInputSerializer(serializers.Serializer):
    application = id_field()
    category = serializers.CharField(max_length=40, allow_blank=True, required=False, default="")
    comment = serializers.CharField(max_length=3000, allow_blank=True, required=False, default="")


class DecideSerializer(serializers.Serializer):
    decisions = DecisionInputSerializer(
        many=True, help_text="每一份已提交的申报一行：申报 id、决定类别代码、评审意见"
    )


class DecidedApplicationSerializer(serializers.ModelSerializer):
    decision_category: serializers.Field = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "title",
            "status",
            "score",
            "rank",
            "decision_category",
            "decision_comment",
            "decided_at",
        ]
        read_only_fields = fields


class ChallengeDecideView(UserLanguageMixin, APIView):
    @extend_schema(
        operation_id="challenges_decide",
        tags=TAGS,
        request=DecideSerializer,
        responses=DecidedApplicationSerializer(many=True),
        summary="定榜：为每一份申报给出决定类别和评审意见",
    )
    def post(self, request: Request, pk: str) -> Response:
        challenge = _secretariat_challenge(request, pk)
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows = serializer.validated_data["decisions"]
        found = {
            a.pk: a
            for a in Application.objects.select_related("lead").filter(
                pk__in=[r["application"] for r in rows]
            )
        }
        unknown = [str(r["application"]) for r in rows if r["application"] not in found]
        if unknown:
            raise serializers.ValidationError(
                {"decisions": [_("没有找到申报：%(ids)s") % {"ids": "、".join(unknown)}]}
            )
        categories = {c.pk: c for c in DecisionCategory.objects.all()}
        wrong = [r["category"] for r in rows if r["category"] and r["category"] not in categories]
        if wrong:
            raise serializers.ValidationError(
                {"decisions": [_("没有这一决定类别：%(codes)s") % {"codes": "、".join(wrong)}]}
            )
        decisions = [(found[r["application"]], categories.get(r["category"]), r["comment"]) for r in rows]
        review.challenge_decide(actor=request.user, challenge=challenge, decisions=decisions)
        decided = challenge.applications.filter(
            status__in=[Application.Status.AWARDED, Application.Status.NOT_AWARDED]
        ).order_by("rank", "id")
        return Response(DecidedApplicationSerializer(decided, many=True).data)


def register(router: SimpleRouter) -> None:
    """Add this part's viewsets to the shared router."""
    router.register("experts", ExpertViewSet, basename="challenge-expert")
    router.register("expert-conflicts", ExpertConflictViewSet, basename="expert-conflict")
    router.register("rubrics", RubricViewSet, basename="rubric")
    router.register("decision-categories", DecisionCategoryViewSet, basename="decision-category")
    router.register("panels", PanelViewSet, basename="panel")
    router.register("scores", ScoreViewSet, basename="score")


extra_urls: list[URLPattern] = [
    path("challenges/<id:pk>/ranking/", ChallengeRankingView.as_view(), name="challenge-ranking"),
    path("challenges/<id:pk>/decide/", ChallengeDecideView.as_view(), name="challenge-decide"),
]
