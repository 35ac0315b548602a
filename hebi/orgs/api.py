from typing import Any, cast

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hebi.accounts import services as account_services
from hebi.accounts.models import Invitation
from hebi.core.api import CitationSerializer, UserLanguageMixin
from hebi.core.permissions import can_view_private, has_oversight, require_manage, roles_by_org
from hebi.core.roles import Role
from hebi.orgs import selectors, services
from hebi.orgs.models import Membership, Organisation, Region

User = get_user_model()


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "name_en", "kind", "parent", "official", "source", "note"]


class OrganisationSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    citations = CitationSerializer(many=True, read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "short_name",
            "name_en",
            "kind",
            "uscc",
            "region",
            "description",
            "website",
            "address",
            "contact_email",
            "contact_phone",
            "citations",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "citations", "created_at", "updated_at"]
        # Uniqueness is checked by the service, with the platform's own messages.
        validators: list[Any] = []
        extra_kwargs: dict[str, Any] = {"uscc": {"validators": []}}


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "display_name", "title", "is_fictional"]


class MembershipSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.filter(is_active=True))
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.filter(is_active=True))
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["id", "user", "organisation", "role", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators: list[Any] = []


class InvitationSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=Role.choices)
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "created_at", "expires_at"]
        read_only_fields = ["id", "status", "created_at", "expires_at"]


class RegionViewSet(UserLanguageMixin, viewsets.ReadOnlyModelViewSet):
    """Reference data: administrative division codes (GB/T 2260) and development zones."""

    serializer_class = RegionSerializer
    queryset = Region.objects.order_by("code")
    filterset_fields = ["kind", "parent"]
    pagination_class = None


class OrganisationViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Organisations. Anyone signed in reads public profiles; org admins edit their own."""

    serializer_class = OrganisationSerializer
    filterset_fields = ["kind"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        params = self.request.query_params
        return selectors.organisation_list(
            viewer=self.request.user, query=params.get("q", ""), region=params.get("region", "")
        ).prefetch_related("citations")

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = services.organisation_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        organisation = cast(Organisation, serializer.instance)
        services.organisation_update(
            actor=self.request.user, organisation=organisation, **serializer.validated_data
        )
        serializer.instance = Organisation.objects.get(pk=organisation.pk)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_manage(request.user, self.get_object())
        return super().update(request, *args, **kwargs)

    @extend_schema(responses=MembershipSerializer(many=True))
    @action(detail=True, methods=["get"])
    def members(self, request: Request, pk: str | None = None) -> Response:
        organisation = self.get_object()
        memberships = selectors.organisation_members(viewer=request.user, organisation=organisation)
        return Response(MembershipSerializer(memberships, many=True).data)

    @extend_schema(request=InvitationSerializer, responses=InvitationSerializer)
    @action(detail=True, methods=["get", "post"])
    def invitations(self, request: Request, pk: str | None = None) -> Response:
        organisation = self.get_object()
        selectors.organisation_members(viewer=request.user, organisation=organisation)
        require_manage(request.user, organisation)
        if request.method == "GET":
            return Response(InvitationSerializer(organisation.invitations.all()[:200], many=True).data)
        serializer = InvitationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = account_services.invitation_create(
            actor=request.user,
            organisation=organisation,
            base_url=request.build_absolute_uri("/").rstrip("/"),
            **serializer.validated_data,
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class PersonViewSet(UserLanguageMixin, viewsets.ReadOnlyModelViewSet):
    """People the viewer may see: themselves and colleagues in their organisations."""

    serializer_class = PersonSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.visible_people(viewer=self.request.user).order_by("username")


class MembershipViewSet(
    UserLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Memberships of the organisations the viewer may look inside. Org admins add and remove roles."""

    serializer_class = MembershipSerializer
    filterset_fields = ["organisation", "role"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = Membership.objects.select_related("user", "organisation").order_by(
            "organisation_id", "user_id", "role"
        )
        if has_oversight(self.request.user):
            return qs
        return qs.filter(organisation_id__in=list(roles_by_org(self.request.user).keys()))

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        organisation = serializer.validated_data["organisation"]
        if not can_view_private(self.request.user, organisation):
            raise Http404
        person = serializer.validated_data["user"]
        if not selectors.visible_people(viewer=self.request.user).filter(pk=person.pk).exists():
            raise serializers.ValidationError({"user": [_("没有找到该用户。")]})
        serializer.instance = services.membership_add(
            actor=self.request.user,
            organisation=organisation,
            user=person,
            role=serializer.validated_data["role"],
        )

    def perform_destroy(self, instance: Membership) -> None:
        services.membership_remove(actor=self.request.user, membership=instance)
