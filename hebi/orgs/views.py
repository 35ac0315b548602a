from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hebi.accounts import services as account_services
from hebi.accounts.forms import InvitationForm
from hebi.accounts.models import Invitation
from hebi.core.audit import history_for
from hebi.core.forms import apply_validation_error
from hebi.core.permissions import (
    can_manage,
    can_view_private,
    is_platform_admin,
    require_manage,
    require_platform_admin,
    require_private_view,
)
from hebi.core.roles import PLATFORM_ROLES, Role
from hebi.orgs import selectors, services
from hebi.orgs.forms import DirectoryFilterForm, MembershipRoleForm, OrganisationForm
from hebi.orgs.models import Membership

User = get_user_model()
PAGE_SIZE = 20


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    organisations = selectors.organisation_list(
        viewer=request.user,
        query=filters.get("q", ""),
        kind=filters.get("kind", ""),
        region=filters.get("region", ""),
    )
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return render(
        request,
        "orgs/directory.html",
        {
            "form": form,
            "page": page,
            "querystring": query_without_page.urlencode(),
            "can_create": is_platform_admin(request.user),
        },
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(viewer=request.user, pk=pk)
    private = can_view_private(request.user, organisation)
    return render(
        request,
        "orgs/detail.html",
        {
            "organisation": organisation,
            "citations": organisation.citations.all(),
            "can_view_private": private,
            "can_manage": can_manage(request.user, organisation),
            "history": history_for(organisation)[:50] if private else None,
        },
    )


@login_required
def create(request: HttpRequest) -> HttpResponse:
    require_platform_admin(request.user)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("机构已登记。"))
            return redirect("orgs:detail", pk=organisation.pk)
    return render(request, "orgs/form.html", {"form": form, "organisation": None})


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(viewer=request.user, pk=pk)
    require_manage(request.user, organisation)
    form = OrganisationForm(
        request.POST or None, instance=selectors.organisation_get(viewer=request.user, pk=pk)
    )
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.organisation_update(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("已保存修改。") if changes else _("没有需要保存的修改。"))
            return redirect("orgs:detail", pk=organisation.pk)
    return render(request, "orgs/form.html", {"form": form, "organisation": organisation})


def _role_choices(request: HttpRequest) -> list[tuple[str, str]]:
    platform_admin = is_platform_admin(request.user)
    return [(v, str(label)) for v, label in Role.choices if platform_admin or v not in PLATFORM_ROLES]


@login_required
def members(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(viewer=request.user, pk=pk)
    memberships = selectors.organisation_members(viewer=request.user, organisation=organisation)
    manage = can_manage(request.user, organisation)
    invite_form = InvitationForm(platform_admin=is_platform_admin(request.user))
    role_form = MembershipRoleForm(role_choices=_role_choices(request))
    if request.method == "POST":
        require_manage(request.user, organisation)
        action = request.POST.get("action")
        if action == "invite":
            invite_form = InvitationForm(request.POST, platform_admin=is_platform_admin(request.user))
            if invite_form.is_valid():
                try:
                    account_services.invitation_create(
                        actor=request.user,
                        organisation=organisation,
                        base_url=request.build_absolute_uri("/").rstrip("/"),
                        **invite_form.cleaned_data,
                    )
                except ValidationError as error:
                    apply_validation_error(request, error, invite_form)
                else:
                    messages.success(request, _("邀请已发送至 %(email)s。") % invite_form.cleaned_data)
                    return redirect("orgs:members", pk=pk)
        elif action == "add_role":
            role_form = MembershipRoleForm(request.POST, role_choices=_role_choices(request))
            if role_form.is_valid():
                person = User.objects.filter(
                    username=role_form.cleaned_data["username"], is_active=True
                ).first()
                if (
                    person is None
                    or not selectors.visible_people(viewer=request.user).filter(pk=person.pk).exists()
                ):
                    role_form.add_error(
                        "username", _("没有找到该用户。只能为本机构已有成员增加角色，新成员请用邀请。")
                    )
                else:
                    try:
                        services.membership_add(
                            actor=request.user,
                            organisation=organisation,
                            user=person,
                            role=role_form.cleaned_data["role"],
                        )
                    except ValidationError as error:
                        apply_validation_error(request, error, role_form)
                    else:
                        messages.success(request, _("角色已添加。"))
                        return redirect("orgs:members", pk=pk)
        else:
            messages.error(request, _("未知操作。"))
    invitations = (
        Invitation.objects.filter(organisation=organisation).select_related("invited_by")[:50]
        if manage
        else None
    )
    people: dict[int, tuple[object, list[Membership]]] = {}
    for membership in memberships:
        people.setdefault(membership.user_id, (membership.user, []))[1].append(membership)
    return render(
        request,
        "orgs/members.html",
        {
            "organisation": organisation,
            "people": list(people.values()),
            "invitations": invitations,
            "can_manage": manage,
            "invite_form": invite_form,
            "role_form": role_form,
        },
    )


@login_required
@require_POST
def membership_remove(request: HttpRequest, pk: int, membership_id: int) -> HttpResponse:
    organisation = selectors.organisation_get(viewer=request.user, pk=pk)
    require_private_view(request.user, organisation)
    membership = get_object_or_404(Membership, pk=membership_id, organisation=organisation)
    try:
        services.membership_remove(actor=request.user, membership=membership)
    except ValidationError as error:
        apply_validation_error(request, error)
    else:
        messages.success(request, _("已移除角色。"))
    return redirect("orgs:members", pk=pk)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    organisation = selectors.organisation_get(viewer=request.user, pk=pk)
    require_private_view(request.user, organisation)
    invitation = get_object_or_404(Invitation, pk=invitation_id, organisation=organisation)
    try:
        account_services.invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as error:
        apply_validation_error(request, error)
    else:
        messages.success(request, _("邀请已撤销。"))
    return redirect("orgs:members", pk=pk)
