"""REST API of matching: a need's and a result's ranked matches, feedback on a pair and the
caller's own notifications. Same scoping and errors as the pages: 404 for a record the caller may
not see, 403 for a pair it may not act on, 400 (in the caller's language) for bad input."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hebi.catalog import selectors as catalog
from hebi.catalog.workflow import status_history
from hebi.core.api import MAX_ID, UserLanguageMixin, pk_or_404
from hebi.core.models import Notification
from hebi.matching import selectors, services
from hebi.matching.engine import Reason, summary
from hebi.matching.models import Kind, Match


# -- ranked matches ------------------------------------------------------------------------------
class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AchievementRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    trl = serializers.IntegerField()
    organisation = OrganisationRefSerializer(source="owner")


class NeedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    organisation = OrganisationRefSerializer(source="owner", help_text="需求企业")


class FundRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="organisation.name")
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")


class MatchRowSerializer(serializers.Serializer):
    """A ranked row (`MatchRow`): the score, how it is made up and why, and its stored state."""

    score = serializers.FloatField(help_text="0–1")
    percent = serializers.IntegerField(help_text="匹配度 %")
    components = serializers.DictField(help_text="得分构成：lexical、semantic、fit（基金为 fit）")
    reasons_for = serializers.SerializerMethodField()
    reasons_against = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=Match.Status.choices)
    status_label = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_reasons_for(self, row: selectors.MatchRow) -> list[str]:
        return row.texts()[0]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_reasons_against(self, row: selectors.MatchRow) -> list[str]:
        return row.texts()[1]

    def get_status_label(self, row: selectors.MatchRow) -> str:
        return str(Match.Status(row.status).label)


class ResultMatchSerializer(MatchRowSerializer):
    achievement = AchievementRefSerializer(source="subject")


class NeedMatchSerializer(MatchRowSerializer):
    need = NeedRefSerializer(source="subject")


class FundMatchSerializer(MatchRowSerializer):
    fund = FundRefSerializer(source="subject")


class NeedMatchesSerializer(serializers.Serializer):
    need = serializers.IntegerField()
    pending_vector = serializers.BooleanField(help_text="语义向量计算中，当前按关键词匹配")
    results = ResultMatchSerializer(many=True)


class AchievementMatchesSerializer(serializers.Serializer):
    achievement = serializers.IntegerField()
    pending_vector = serializers.BooleanField(help_text="语义向量计算中，当前按关键词匹配")
    needs = NeedMatchSerializer(many=True, help_text="推送企业：与成果匹配的技术需求")
    funds = FundMatchSerializer(many=True)


class NeedMatchesView(UserLanguageMixin, APIView):
    @extend_schema(
        operation_id="needs_matches",
        tags=["matches"],
        responses=NeedMatchesSerializer,
        summary="需求匹配的科技成果（按匹配度排序，附匹配理由）",
    )
    def get(self, request: Request, pk: str) -> Response:
        need = catalog.need_get(viewer=request.user, pk=pk_or_404(pk))
        data = {
            "need": need.pk,
            "pending_vector": selectors.pending_vector(need, Kind.NEED),
            "results": selectors.results_for_need(viewer=request.user, need=need),
        }
        return Response(NeedMatchesSerializer(data).data)


class AchievementMatchesView(UserLanguageMixin, APIView):
    @extend_schema(
        operation_id="achievements_matches",
        tags=["matches"],
        responses=AchievementMatchesSerializer,
        summary="成果的推送企业（匹配的技术需求）与匹配基金",
    )
    def get(self, request: Request, pk: str) -> Response:
        achievement = catalog.achievement_get(viewer=request.user, pk=pk_or_404(pk))
        data = {
            "achievement": achievement.pk,
            "pending_vector": selectors.pending_vector(achievement, Kind.ACHIEVEMENT),
            "needs": selectors.needs_for_result(viewer=request.user, achievement=achievement),
            "funds": selectors.funds_for_result(viewer=request.user, achievement=achievement),
        }
        return Response(AchievementMatchesSerializer(data).data)


# -- feedback ------------------------------------------------------------------------------------
class FeedbackSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=Match.Direction.choices)
    left = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="need_result、need_expert：需求 id；result_fund：成果 id"
    )
    right = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text="need_result：成果 id；result_fund：基金 id；need_expert：专家用户 id",
    )
    status = serializers.CharField(
        max_length=20, help_text="contacted（已联系）、negotiating（洽谈中）或 declined（婉拒）"
    )
    reason = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="婉拒原因：" + "、".join(Match.DeclineReason.values) + "；选 other 时须填 note",
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class StatusChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    reason = serializers.CharField()


class MatchSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    reasons_for = serializers.SerializerMethodField()
    reasons_against = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta:
        model = Match
        fields = [
            "id",
            "direction",
            "need",
            "achievement",
            "fund",
            "expert",
            "score",
            "rank",
            "components",
            "status",
            "status_label",
            "decline_reason",
            "decline_note",
            "reasons_for",
            "reasons_against",
            "history",
            "updated_at",
        ]
        read_only_fields = fields

    def _texts(self, match: Match) -> tuple[list[str], list[str]]:
        return summary([Reason.from_dict(r) for r in match.reasons or []], selectors.labels())

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_reasons_for(self, match: Match) -> list[str]:
        return self._texts(match)[0]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_reasons_against(self, match: Match) -> list[str]:
        return self._texts(match)[1]

    @extend_schema_field(StatusChangeSerializer(many=True))
    def get_history(self, match: Match) -> list[dict[str, Any]]:
        return [
            {
                "at": c.at,
                "actor": str(c.actor) if c.actor else None,
                "from_status": c.from_status,
                "to_status": c.to_status,
                "reason": c.reason,
            }
            for c in status_history(match)
        ]


class FeedbackView(UserLanguageMixin, APIView):
    @extend_schema(
        operation_id="matches_feedback",
        tags=["matches"],
        request=FeedbackSerializer,
        responses=MatchSerializer,
        summary="反馈一对匹配：已联系、洽谈中或婉拒（附原因）",
    )
    def post(self, request: Request) -> Response:
        serializer = FeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        left, right = selectors.resolve_pair(
            viewer=request.user, direction=data["direction"], left_id=data["left"], right_id=data["right"]
        )
        match = services.match_feedback(
            actor=request.user,
            direction=data["direction"],
            left=left,
            right=right,
            status=data["status"],
            reason=data["reason"],
            note=data["note"],
        )
        return Response(MatchSerializer(match).data)


# -- notifications -------------------------------------------------------------------------------
class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        tags=["notifications"],
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="只列出未读通知")],
    ),
    read=extend_schema(
        tags=["notifications"], request=None, parameters=[OpenApiParameter("id", OpenApiTypes.INT, "path")]
    ),
)
class NotificationViewSet(UserLanguageMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own in-site notifications, unread first."""

    serializer_class = NotificationSerializer
    filter_backends: list[Any] = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = selectors.own_notifications(self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    def get_object(self) -> Notification:
        pk = pk_or_404(self.kwargs.get("pk", ""))
        note = selectors.own_notifications(self.request.user).filter(pk=pk).first()
        if note is None:
            raise Http404
        return note

    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        note = self.get_object()
        services.notification_read(actor=request.user, notification=note)
        note.refresh_from_db()
        return Response(self.get_serializer(note).data)
