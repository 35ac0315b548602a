"""REST API of roadshows and matching events. Same scoping and errors as the pages: 404 for a
record the caller may not see, 403 for an action it may not take, 400 (in the caller's language)
for bad input. Reads go through the selectors, writes through the services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hebi.catalog.models import Achievement
from hebi.challenges.models import Rubric
from hebi.core.api import IdField, UserLanguageMixin, pk_or_404
from hebi.core.converters import parse_id
from hebi.deals.models import TransferProject
from hebi.events import permissions, selectors, services
from hebi.events.models import Event, EventSlot, Invitation, Registration, SlotFeedback
from hebi.orgs.models import Organisation

ORGS = Organisation.objects.filter(is_active=True)
TAG = "events"


def _person(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


# -- serializers ------------------------------------------------------------------------------------
class EventSlotSerializer(serializers.ModelSerializer):
    event = IdField(queryset=Event.objects.all(), help_text="活动 id（仅创建时）")
    organisation = IdField(queryset=ORGS, help_text="路演单位 id")
    organisation_name: serializers.Field = serializers.StringRelatedField(
        source="organisation", read_only=True
    )
    achievement = IdField(
        queryset=Achievement.objects.all(), required=False, allow_null=True, help_text="关联成果 id"
    )
    project = IdField(
        queryset=TransferProject.objects.all(), required=False, allow_null=True, help_text="关联转化项目 id"
    )
    order = serializers.IntegerField(
        required=False, min_value=0, max_value=32767, help_text="顺序（默认排在最后）"
    )

    class Meta:
        model = EventSlot
        fields = [
            "id",
            "event",
            "order",
            "starts_at",
            "minutes",
            "title",
            "organisation",
            "organisation_name",
            "presenter",
            "summary",
            "achievement",
            "project",
        ]
        read_only_fields = ["id"]


class EventInvitationSerializer(serializers.ModelSerializer):
    event = IdField(queryset=Event.objects.all(), help_text="活动 id")
    organisation = IdField(queryset=ORGS, help_text="受邀单位 id")
    organisation_name: serializers.Field = serializers.StringRelatedField(
        source="organisation", read_only=True
    )
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "event",
            "organisation",
            "organisation_name",
            "kind",
            "kind_label",
            "note",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        validators: list[Any] = []


class EventRegistrationSerializer(serializers.ModelSerializer):
    user_name = serializers.SerializerMethodField()
    organisation_name: serializers.Field = serializers.StringRelatedField(
        source="organisation", read_only=True
    )
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Registration
        fields = [
            "id",
            "event",
            "user",
            "user_name",
            "organisation",
            "organisation_name",
            "role",
            "role_label",
            "status",
            "status_label",
            "checked_in_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_user_name(self, registration: Registration) -> str:
        return _person(registration.user)


class EventRegisterSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Registration.Role.choices, help_text="参会身份")
    organisation = IdField(
        queryset=ORGS, required=False, allow_null=True, default=None, help_text="本人所在单位 id（可不填）"
    )


class EventCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="取消原因（必填）")


class EventRoleCountSerializer(serializers.Serializer):
    role = serializers.CharField()
    role_label = serializers.CharField()
    registered = serializers.IntegerField()
    checked_in = serializers.IntegerField()


class EventCountsSerializer(serializers.Serializer):
    registered = serializers.IntegerField()
    checked_in = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    by_role = serializers.SerializerMethodField()

    @extend_schema_field(EventRoleCountSerializer(many=True))
    def get_by_role(self, counts: selectors.RegistrationCounts) -> list[dict[str, Any]]:
        return [
            {"role": role, "role_label": label, "registered": n, "checked_in": checked}
            for role, label, n, checked in counts.by_role
        ]


class EventTimeField(serializers.DateTimeField):
    """An event time within the years the platform accepts. DRF overflows (500) on a naive time near
    year 1 before any validator runs, so the overflow is caught here."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validators=[services.validate_event_time], **kwargs)

    def to_internal_value(self, value: Any) -> Any:
        try:
            return super().to_internal_value(value)
        except OverflowError:
            raise serializers.ValidationError(services.event_time_range_message()) from None


class EventSerializer(serializers.ModelSerializer):
    starts_at = EventTimeField(help_text="开始时间（2000—2100 年）")
    ends_at = EventTimeField(required=False, allow_null=True, help_text="结束时间（可不填）")
    registration_closes_at = EventTimeField(
        required=False, allow_null=True, help_text="报名截止时间（不填则截止到活动开始时）"
    )
    organiser = IdField(queryset=ORGS, help_text="主办单位 id（创建时必填，之后不可修改）")
    organiser_name: serializers.Field = serializers.StringRelatedField(source="organiser", read_only=True)
    rubric = serializers.PrimaryKeyRelatedField(
        queryset=Rubric.objects.filter(purpose=Rubric.Purpose.ROADSHOW),
        required=False,
        allow_null=True,
        help_text="路演评分指标代码，默认 roadshow-2023",
    )
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    registered = serializers.SerializerMethodField()
    places_left = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "starts_at",
            "ends_at",
            "venue",
            "organiser",
            "organiser_name",
            "co_organisers",
            "description",
            "capacity",
            "registration_closes_at",
            "rubric",
            "status",
            "status_label",
            "registered",
            "places_left",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "created_at", "updated_at"]
        validators: list[Any] = []

    def _registered(self, event: Event) -> int:
        value = getattr(event, "registered", None)
        return int(value) if value is not None else selectors.registered_count(event)

    def get_registered(self, event: Event) -> int:
        return self._registered(event)

    def get_places_left(self, event: Event) -> int:
        return max(event.capacity - self._registered(event), 0)


class EventDetailSerializer(EventSerializer):
    slots = serializers.SerializerMethodField()
    invitations = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "slots", "invitations", "counts"]

    @extend_schema_field(EventSlotSerializer(many=True))
    def get_slots(self, event: Event) -> Any:
        return EventSlotSerializer(selectors.event_slots(event), many=True).data

    @extend_schema_field(EventInvitationSerializer(many=True))
    def get_invitations(self, event: Event) -> Any:
        return EventInvitationSerializer(selectors.event_invitations(event), many=True).data

    @extend_schema_field(EventCountsSerializer)
    def get_counts(self, event: Event) -> Any:
        return EventCountsSerializer(selectors.registration_counts(event)).data


class SlotFeedbackSerializer(serializers.ModelSerializer):
    slot = IdField(queryset=EventSlot.objects.all(), help_text="路演项目 id（仅创建时）")
    user_name = serializers.SerializerMethodField()
    items = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=10),
        required=False,
        help_text="分项得分 {指标代码: 分数}；给出任一项时须给出全部指标",
    )
    want_to_talk = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")

    class Meta:
        model = SlotFeedback
        fields = [
            "id",
            "slot",
            "user",
            "user_name",
            "items",
            "score",
            "want_to_talk",
            "note",
            "engagement",
            "project",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "user", "score", "engagement", "project", "created_at", "updated_at"]
        validators: list[Any] = []

    def get_user_name(self, feedback: SlotFeedback) -> str:
        return _person(feedback.user)


class SlotCriterionAverageSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    max_score = serializers.DecimalField(max_digits=6, decimal_places=1)
    average = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)


class SlotInterestSerializer(serializers.Serializer):
    feedback_id = serializers.IntegerField()
    person = serializers.CharField()
    organisation = serializers.CharField()
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    note = serializers.CharField()
    engagement_id = serializers.IntegerField(allow_null=True)
    project_id = serializers.IntegerField(allow_null=True)


class SlotReportSerializer(serializers.Serializer):
    slot = serializers.IntegerField(source="slot.pk")
    title = serializers.CharField(source="slot.title")
    organisation = serializers.CharField(source="slot.organisation.name")
    scores = serializers.IntegerField(help_text="评分份数")
    score = serializers.DecimalField(
        source="aggregate.score", max_digits=6, decimal_places=2, allow_null=True, help_text="综合得分"
    )
    trimmed = serializers.BooleanField(source="aggregate.trimmed", help_text="是否去掉了最高分和最低分")
    dropped_high = serializers.DecimalField(
        source="aggregate.dropped_high", max_digits=6, decimal_places=2, allow_null=True
    )
    dropped_low = serializers.DecimalField(
        source="aggregate.dropped_low", max_digits=6, decimal_places=2, allow_null=True
    )
    criteria = SlotCriterionAverageSerializer(many=True)
    interests = SlotInterestSerializer(many=True)
    engagements = serializers.IntegerField()
    projects = serializers.IntegerField()


class EventReportTotalsSerializer(serializers.Serializer):
    scores = serializers.IntegerField()
    interests = serializers.IntegerField()
    engagements = serializers.IntegerField()
    projects = serializers.IntegerField()


class EventReportSerializer(serializers.Serializer):
    event = serializers.IntegerField(source="event.pk")
    title = serializers.CharField(source="event.title")
    status = serializers.CharField(source="event.status")
    invitations = EventInvitationSerializer(many=True)
    counts = EventCountsSerializer()
    slots = SlotReportSerializer(many=True)
    totals = serializers.SerializerMethodField()

    @extend_schema_field(EventReportTotalsSerializer)
    def get_totals(self, report: selectors.EventReport) -> Any:
        return EventReportTotalsSerializer(report).data


# -- events ---------------------------------------------------------------------------------------
EVENT_PARAMETERS = [
    OpenApiParameter("tab", OpenApiTypes.STR, description="upcoming（即将举办）、past（往期）；不填为全部"),
    OpenApiParameter("kind", OpenApiTypes.STR, description="、".join(Event.Kind.values)),
    OpenApiParameter("status", OpenApiTypes.STR, description="、".join(Event.Status.values)),
]
EVENT_FILTER = [OpenApiParameter("event", OpenApiTypes.INT, description="活动 id")]


@extend_schema_view(
    list=extend_schema(tags=[TAG], parameters=EVENT_PARAMETERS),
    retrieve=extend_schema(tags=[TAG], responses=EventDetailSerializer),
    create=extend_schema(tags=[TAG], summary="新建活动（筹备中）", responses={201: EventDetailSerializer}),
    partial_update=extend_schema(tags=[TAG], responses=EventDetailSerializer),
)
class EventViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Roadshows and matching events (路演, 对接会): the public calendar, and the organiser's
    writes."""

    serializer_class = EventSerializer
    permission_classes = [drf_permissions.IsAuthenticatedOrReadOnly]
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        return selectors.event_list(
            viewer=self.request.user,
            tab=params.get("tab", ""),
            kind=params.get("kind", ""),
            status=params.get("status", ""),
        )

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return EventDetailSerializer if self.action == "retrieve" else EventSerializer

    def get_object(self) -> Event:
        return selectors.event_get(viewer=self.request.user, pk=pk_or_404(self.kwargs.get("pk")))

    def _fresh(self, event: Event, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.event_get(viewer=self.request.user, pk=event.pk)
        return Response(EventDetailSerializer(fresh).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = EventSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        event = services.event_create(actor=request.user, organiser=data.pop("organiser"), **data)
        return self._fresh(event, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        event = self.get_object()
        permissions.require_manage(request.user, event)
        serializer = EventSerializer(event, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organiser = data.pop("organiser", event.organiser)
        if organiser != event.organiser:
            raise ValidationError({"organiser": _("主办单位不能修改。")})
        services.event_update(actor=request.user, event=event, **data)
        return self._fresh(event)

    @extend_schema(tags=[TAG], request=None, responses=EventDetailSerializer, summary="发布并开放报名")
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        event = services.event_publish(actor=request.user, event=self.get_object())
        return self._fresh(event)

    @extend_schema(tags=[TAG], request=None, responses=EventDetailSerializer, summary="标记为已举办")
    @action(detail=True, methods=["post"])
    def held(self, request: Request, pk: str | None = None) -> Response:
        event = services.event_mark_held(actor=request.user, event=self.get_object())
        return self._fresh(event)

    @extend_schema(
        tags=[TAG], request=EventCancelSerializer, responses=EventDetailSerializer, summary="取消活动"
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        event = self.get_object()
        serializer = EventCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.event_cancel(actor=request.user, event=event, **serializer.validated_data)
        return self._fresh(event)

    @extend_schema(
        tags=[TAG],
        request=EventRegisterSerializer,
        responses={201: EventRegistrationSerializer},
        summary="报名",
        description="参会身份须有依据：评审专家为专家库在库专家或受邀专家单位成员；投资人为基金、银行或"
        "受邀投资机构成员；企业代表须填写本人所在的企业。报名人数较多时可能返回 503，请稍后重试。",
    )
    @action(detail=True, methods=["post"])
    def register(self, request: Request, pk: str | None = None) -> Response:
        event = self.get_object()
        serializer = EventRegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            registration = services.registration_create(
                actor=request.user, event=event, **serializer.validated_data
            )
        except OperationalError:
            # SQLite's "database is locked" when registrations race: rolled back, try again.
            return Response(
                {"detail": _("报名人数较多，请稍后重试。")},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": "2"},
            )
        return Response(EventRegistrationSerializer(registration).data, status=status.HTTP_201_CREATED)

    @extend_schema(tags=[TAG], request=None, responses=EventRegistrationSerializer, summary="取消本人报名")
    @action(detail=True, methods=["post"])
    def unregister(self, request: Request, pk: str | None = None) -> Response:
        event = self.get_object()
        mine = selectors.registration_of(viewer=request.user, event=event)
        if mine is None:
            raise ValidationError(_("您尚未报名该活动。"))
        registration = services.registration_cancel(actor=request.user, registration=mine)
        return Response(EventRegistrationSerializer(registration).data)

    @extend_schema(tags=[TAG], responses=EventReportSerializer, summary="活动报告（主办单位与秘书处）")
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str | None = None) -> Response:
        event = selectors.event_private_get(viewer=request.user, pk=pk_or_404(pk))
        return Response(EventReportSerializer(selectors.event_report(event)).data)


# -- slots and invitations ----------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(tags=[TAG], parameters=EVENT_FILTER),
    retrieve=extend_schema(tags=[TAG]),
    create=extend_schema(tags=[TAG], summary="添加路演项目"),
    partial_update=extend_schema(tags=[TAG]),
    destroy=extend_schema(tags=[TAG]),
)
class EventSlotViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Project slots (路演项目) of the events the caller can see; the organiser writes."""

    serializer_class = EventSlotSerializer
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = EventSlot.objects.filter(
            event__in=selectors.events_visible(viewer=self.request.user).values("pk")
        )
        event = parse_id(self.request.query_params.get("event"))
        if event is not None:
            qs = qs.filter(event_id=event)
        return qs.select_related("organisation").order_by("event_id", "order", "id")

    def get_object(self) -> EventSlot:
        slot = self.get_queryset().filter(pk=pk_or_404(self.kwargs.get("pk"))).select_related("event").first()
        if slot is None:
            raise Http404(_("没有找到该路演项目。"))
        return slot

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        event = selectors.event_get(viewer=request.user, pk=data.pop("event").pk)
        slot = services.slot_add(actor=request.user, event=event, **data)
        return Response(EventSlotSerializer(slot).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        slot = self.get_object()
        permissions.require_manage(request.user, slot.event)
        serializer = self.get_serializer(slot, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if data.pop("event", slot.event) != slot.event:
            raise ValidationError({"event": _("路演项目不能移到其他活动。")})
        services.slot_update(actor=request.user, slot=slot, **data)
        return Response(EventSlotSerializer(self.get_object()).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.slot_delete(actor=request.user, slot=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(tags=[TAG], parameters=EVENT_FILTER),
    retrieve=extend_schema(tags=[TAG]),
    create=extend_schema(tags=[TAG], summary="邀请单位"),
    destroy=extend_schema(tags=[TAG]),
)
class InvitationViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Organisations invited to the events the caller can see; the organiser writes."""

    serializer_class = EventInvitationSerializer
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = Invitation.objects.filter(
            event__in=selectors.events_visible(viewer=self.request.user).values("pk")
        )
        event = parse_id(self.request.query_params.get("event"))
        if event is not None:
            qs = qs.filter(event_id=event)
        return qs.select_related("organisation").order_by("event_id", "kind", "id")

    def get_object(self) -> Invitation:
        invitation = (
            self.get_queryset().filter(pk=pk_or_404(self.kwargs.get("pk"))).select_related("event").first()
        )
        if invitation is None:
            raise Http404(_("没有找到该邀请。"))
        return invitation

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        event = selectors.event_get(viewer=request.user, pk=data.pop("event").pk)
        invitation = services.invitation_add(actor=request.user, event=event, **data)
        return Response(EventInvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.invitation_remove(actor=request.user, invitation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- registrations ---------------------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(tags=[TAG], parameters=EVENT_FILTER),
    retrieve=extend_schema(tags=[TAG]),
)
class RegistrationViewSet(UserLanguageMixin, viewsets.ReadOnlyModelViewSet):
    """Registrations: the caller's own, and all those of the events it runs. Register through
    events/{id}/register/."""

    serializer_class = EventRegistrationSerializer
    filter_backends: list[Any] = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = selectors.registrations_visible(viewer=self.request.user)
        event = parse_id(self.request.query_params.get("event"))
        if event is not None:
            qs = qs.filter(event_id=event)
        return qs.order_by("event_id", "created_at", "id")

    def get_object(self) -> Registration:
        return selectors.registration_get(viewer=self.request.user, pk=pk_or_404(self.kwargs.get("pk")))

    @extend_schema(tags=[TAG], request=None, responses=EventRegistrationSerializer, summary="签到（主办方）")
    @action(detail=True, methods=["post"])
    def checkin(self, request: Request, pk: str | None = None) -> Response:
        # Any registration of an event the caller can see: the organiser checks it in, anyone
        # else is refused (403) rather than told it does not exist.
        registration = (
            Registration.objects.filter(
                pk=pk_or_404(pk), event__in=selectors.events_visible(viewer=request.user).values("pk")
            )
            .select_related("event", "user", "organisation")
            .first()
        )
        if registration is None:
            raise Http404(_("没有找到该报名。"))
        registration, _changed = services.registration_check_in(actor=request.user, registration=registration)
        return Response(EventRegistrationSerializer(registration).data)


# -- feedback and follow-ups ----------------------------------------------------------------------------
@extend_schema_view(
    list=extend_schema(
        tags=[TAG],
        parameters=[*EVENT_FILTER, OpenApiParameter("slot", OpenApiTypes.INT, description="路演项目 id")],
    ),
    retrieve=extend_schema(tags=[TAG]),
    create=extend_schema(tags=[TAG], summary="评分和/或标记洽谈意向（须已签到）"),
    partial_update=extend_schema(tags=[TAG], summary="修改本人的评分（活动进行中）"),
)
class SlotFeedbackViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Scores and "want to talk" marks: the caller's own, and all those of the events it runs."""

    serializer_class = SlotFeedbackSerializer
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = selectors.feedback_visible(viewer=self.request.user)
        params = self.request.query_params
        event, slot = parse_id(params.get("event")), parse_id(params.get("slot"))
        if event is not None:
            qs = qs.filter(slot__event_id=event)
        if slot is not None:
            qs = qs.filter(slot_id=slot)
        return qs.order_by("slot__event_id", "slot__order", "slot_id", "id")

    def get_object(self) -> SlotFeedback:
        return selectors.feedback_get(viewer=self.request.user, pk=pk_or_404(self.kwargs.get("pk")))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        slot = data.pop("slot")
        selectors.event_get(viewer=request.user, pk=slot.event_id)
        feedback = services.feedback_submit(actor=request.user, slot=slot, **data)
        return Response(self.get_serializer(feedback).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        feedback = self.get_object()
        if feedback.user_id != request.user.pk:
            raise PermissionDenied(_("只能修改本人的评分。"))
        serializer = self.get_serializer(feedback, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if data.pop("slot", feedback.slot) != feedback.slot:
            raise ValidationError({"slot": _("不能更换评分的路演项目。")})
        feedback = services.feedback_submit(
            actor=request.user,
            slot=feedback.slot,
            items=data.get("items", feedback.items),
            want_to_talk=data.get("want_to_talk", feedback.want_to_talk),
            note=data.get("note", feedback.note),
        )
        return Response(self.get_serializer(feedback).data)

    def _fresh(self, feedback: SlotFeedback) -> Response:
        return Response(
            self.get_serializer(self.get_object_by_pk(feedback.pk)).data, status=status.HTTP_201_CREATED
        )

    def get_object_by_pk(self, pk: int) -> SlotFeedback:
        return selectors.feedback_get(viewer=self.request.user, pk=pk)

    @extend_schema(
        tags=[TAG], request=None, responses={201: SlotFeedbackSerializer}, summary="生成对接记录（主办方）"
    )
    @action(detail=True, methods=["post"])
    def engagement(self, request: Request, pk: str | None = None) -> Response:
        feedback = self.get_object()
        services.feedback_to_engagement(actor=request.user, feedback=feedback)
        return self._fresh(feedback)

    @extend_schema(
        tags=[TAG], request=None, responses={201: SlotFeedbackSerializer}, summary="立项为转化项目（主办方）"
    )
    @action(detail=True, methods=["post"])
    def project(self, request: Request, pk: str | None = None) -> Response:
        feedback = self.get_object()
        services.feedback_to_project(actor=request.user, feedback=feedback)
        return self._fresh(feedback)
