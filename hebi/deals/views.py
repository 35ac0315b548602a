"""Pages of engagements (对接记录) and transfer projects (转化项目): lists, forms, details and the
small forms on a project's page that move it along its pipeline and record the money put in."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hebi.catalog import selectors as catalog_selectors
from hebi.catalog.models import Achievement, Need
from hebi.catalog.workflow import labelled_history, labelled_targets
from hebi.core.audit import history_for
from hebi.core.converters import parse_id
from hebi.core.forms import apply_validation_error
from hebi.core.paging import querystring as _querystring
from hebi.core.permissions import can_contribute
from hebi.deals import board, calendar, permissions, selectors, services
from hebi.deals.forms import (
    EngagementFilterForm,
    EngagementForm,
    FollowUpDoneForm,
    FundingForm,
    HostForm,
    ProjectCreateForm,
    ProjectEditForm,
    ProjectFilterForm,
    TransitionForm,
)
from hebi.deals.models import Engagement, Funding, TransferProject
from hebi.matching.models import Match
from hebi.orgs.models import Organisation
from hebi.orgs.selectors import viewer_organisations

PAGE_SIZE = 20


def _errors_as_messages(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _contribute_orgs(request: HttpRequest) -> list[Organisation]:
    return [o for o in viewer_organisations(viewer=request.user) if can_contribute(request.user, o)]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return redirect("deals:project-list")


# -- engagements ------------------------------------------------------------------------------------
@login_required
def engagement_list(request: HttpRequest) -> HttpResponse:
    form = EngagementFilterForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    filters = selectors.EngagementFilters(
        q=(data.get("q") or "").strip(),
        kind=data.get("kind") or "",
        outcome=data.get("outcome") or "",
        follow_up=data.get("follow_up") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        organisation=parse_id(request.GET.get("org")),
        team=parse_id(request.GET.get("team")),
    )
    page = Paginator(selectors.engagement_list(viewer=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "deals/engagement_list.html",
        {
            "form": form,
            "page": page,
            "querystring": _querystring(request),
            "follow_ups": selectors.follow_ups_due(viewer=request.user)[:10],
            "contribute_orgs": _contribute_orgs(request),
        },
    )


def _recorder_org(request: HttpRequest) -> Organisation:
    """The organisation a new engagement is recorded for: ?org=, else the viewer's only one."""
    orgs = _contribute_orgs(request)
    wanted = request.GET.get("org") or request.POST.get("org")
    if wanted:
        for org in orgs:
            if str(org.pk) == wanted:
                return org
        get_object_or_404(Organisation, pk=parse_id(wanted) or 0)
        raise PermissionDenied(_("只能以本人所在机构的名义记录对接。"))
    if len(orgs) == 1:
        return orgs[0]
    if not orgs:
        raise PermissionDenied(_("您不属于任何可记录对接的机构。"))
    raise _ChooseOrganisation(orgs)


class _ChooseOrganisation(Exception):
    """The viewer records for several organisations and has not said which one."""

    def __init__(self, orgs: list[Organisation]) -> None:
        super().__init__()
        self.orgs = orgs


def _engagement_links(form: EngagementForm) -> dict[str, Any]:
    return {
        "organisations": form.cleaned_data["organisations"],
        "needs": form.cleaned_data["needs"],
        "achievements": form.cleaned_data["achievements"],
    }


def _engagement_fields(form: EngagementForm) -> dict[str, Any]:
    return {k: v for k, v in form.cleaned_data.items() if k in services.ENGAGEMENT_FIELDS}


@login_required
def engagement_create(request: HttpRequest) -> HttpResponse:
    try:
        recorder_org = _recorder_org(request)
    except _ChooseOrganisation as choice:
        query = request.GET.copy()
        links = []
        for org in choice.orgs:
            query["org"] = str(org.pk)
            links.append((org, query.urlencode()))
        return render(request, "deals/pick_org.html", {"links": links})
    teams = selectors.usable_teams(viewer=request.user)
    initial: dict[str, Any] = {}
    # Started from a result's or a need's page: the record and its owner are filled in.
    for key, model in (("achievement", Achievement), ("need", Need)):
        pk = parse_id(request.GET.get(key))
        if pk is not None:
            record = catalog_selectors.visible(model, viewer=request.user).filter(pk=pk).first()
            if record is not None:
                initial[f"{key}s"] = [record]
                initial["organisations"] = [record.owner]
    form = EngagementForm(
        request.POST or None, initial=initial, viewer=request.user, recorder_org=recorder_org, teams=teams
    )
    if request.method == "POST" and form.is_valid():
        try:
            engagement = services.engagement_create(
                actor=request.user,
                recorder_org=recorder_org,
                **_engagement_links(form),
                **_engagement_fields(form),
            )
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("对接记录已保存。"))
            return redirect("deals:engagement-detail", pk=engagement.pk)
    return render(
        request,
        "deals/engagement_form.html",
        {"form": form, "engagement": None, "recorder_org": recorder_org},
    )


@login_required
def engagement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = selectors.engagement_get(viewer=request.user, pk=pk)
    can_edit = permissions.can_edit_engagement(request.user, engagement)
    return render(
        request,
        "deals/engagement_detail.html",
        {
            "engagement": engagement,
            "organisations": engagement.organisations.all(),
            "linked": selectors.linked_records(viewer=request.user, subject=engagement),
            "can_edit": can_edit,
            "can_close": permissions.can_close_follow_up(request.user, engagement),
            "done_form": FollowUpDoneForm(),
            "history": history_for(engagement)[:50] if can_edit else None,
            "project_visible": engagement.project_id is not None
            and selectors.projects_visible(viewer=request.user).filter(pk=engagement.project_id).exists(),
        },
    )


@login_required
def engagement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = selectors.engagement_get(viewer=request.user, pk=pk)
    permissions.require_edit_engagement(request.user, engagement)
    teams = selectors.usable_teams(viewer=request.user)
    if engagement.team_id:
        teams = teams.model.objects.filter(pk__in=[*teams.values_list("pk", flat=True), engagement.team_id])
    form = EngagementForm(
        request.POST or None,
        instance=engagement,
        viewer=request.user,
        recorder_org=engagement.recorder_org,
        teams=teams,
    )
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.engagement_update(
                actor=request.user,
                engagement=engagement,
                **_engagement_links(form),
                **_engagement_fields(form),
            )
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("已保存修改。") if changes else _("没有需要保存的修改。"))
            return redirect("deals:engagement-detail", pk=engagement.pk)
    return render(
        request,
        "deals/engagement_form.html",
        {"form": form, "engagement": engagement, "recorder_org": engagement.recorder_org},
    )


@login_required
@require_POST
def engagement_follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    engagement = selectors.engagement_get(viewer=request.user, pk=pk)
    form = FollowUpDoneForm(request.POST)
    if not form.is_valid():
        _errors_as_messages(request, form)
    else:
        try:
            services.engagement_follow_up_done(
                actor=request.user, engagement=engagement, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            apply_validation_error(request, error)
        else:
            messages.success(request, _("已标记跟进完成。"))
    return redirect("deals:engagement-detail", pk=pk)


# -- transfer projects -------------------------------------------------------------------------------
@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    form = ProjectFilterForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    filters = selectors.ProjectFilters(
        q=(data.get("q") or "").strip(),
        stage=data.get("stage") or "",
        open_only=bool(data.get("open_only")),
        stalled_days=data.get("stalled"),
        organisation=parse_id(request.GET.get("org")),
    )
    page = Paginator(selectors.project_list(viewer=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = selectors.stage_counts(viewer=request.user, filters=filters)
    strip_query = request.GET.copy()
    for key in ("page", "stage"):
        strip_query.pop(key, None)
    return render(
        request,
        "deals/project_list.html",
        {
            "form": form,
            "page": page,
            "querystring": _querystring(request),
            "strip_query": strip_query.urlencode(),
            "stages": [
                (value, label, counts.get(value, 0)) for value, label in TransferProject.Stage.choices
            ],
            "stage": filters.stage,
            "can_start": bool(_contribute_orgs(request))
            or selectors.usable_teams(viewer=request.user).exists(),
        },
    )


def _visible_match(request: HttpRequest, pk: Any) -> Match:
    key = parse_id(pk)
    match = (
        Match.objects.filter(pk=key, direction=Match.Direction.NEED_RESULT)
        .select_related("need", "achievement")
        .first()
        if key is not None
        else None
    )
    if (
        match is None
        or not catalog_selectors.visible(Need, viewer=request.user).filter(pk=match.need_id).exists()
        or not catalog_selectors.visible(Achievement, viewer=request.user)
        .filter(pk=match.achievement_id)
        .exists()
    ):
        raise Http404(_("没有找到该匹配。"))
    return match


def _project_source(request: HttpRequest) -> tuple[Match | None, Engagement | None, dict[str, Any]]:
    """What a new project starts from (?match= or ?engagement=) and what it fills in."""
    source = request.POST if request.method == "POST" else request.GET
    initial: dict[str, Any] = {}
    match = engagement = None
    if source.get("match"):
        match = _visible_match(request, source.get("match"))
        assert match.need is not None and match.achievement is not None
        initial = {
            "title": match.achievement.title,
            "owner": match.achievement.owner,
            "enterprise": match.need.owner,
            "achievements": [match.achievement],
            "need": match.need,
        }
    elif source.get("engagement"):
        engagement = selectors.engagement_get(viewer=request.user, pk=source.get("engagement"))
        permissions.require_edit_engagement(request.user, engagement)
        achievements = list(engagement.achievements.all())
        needs = list(engagement.needs.all())
        initial = {
            "summary": engagement.summary,
            "team": engagement.team,
            "achievements": achievements,
            "need": needs[0] if needs else None,
            "owner": achievements[0].owner if achievements else None,
            "enterprise": needs[0].owner if needs else None,
            "title": achievements[0].title if achievements else "",
        }
    return match, engagement, {k: v for k, v in initial.items() if v}


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    match, engagement, initial = _project_source(request)
    form = ProjectCreateForm(
        request.POST or None,
        initial=initial,
        viewer=request.user,
        teams=selectors.usable_teams(viewer=request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = services.project_create(
                actor=request.user,
                owner=data["owner"],
                enterprise=data["enterprise"],
                title=data["title"],
                summary=data["summary"],
                achievements=data["achievements"],
                need=data["need"],
                team=data["team"],
                manager=data["manager"],
                match=match,
                engagement=engagement,
            )
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("转化项目已立项，当前阶段：对接。"))
            return redirect("deals:project-detail", pk=project.pk)
    return render(
        request,
        "deals/project_form.html",
        {"form": form, "project": None, "match": match, "engagement": engagement},
    )


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(viewer=request.user, pk=pk)
    can_edit = permissions.can_edit_project(request.user, project)
    targets = labelled_targets(project, "stage")
    return render(
        request,
        "deals/project_detail.html",
        {
            "project": project,
            "can_edit": can_edit,
            "can_file_contract": can_contribute(request.user, project.owner),
            "pipeline": selectors.project_pipeline(project),
            "targets": targets,
            "stop_reasons": TransferProject.StopReason.choices,
            "hosts": Organisation.objects.filter(is_active=True, kind__in=services.HOST_KINDS).order_by(
                "kind", "name"
            )
            if can_edit
            else [],
            "host_form": HostForm(initial={"host": _current_host(project)}),
            "hosted": project.stage in services.HOSTED_STAGES,
            "funding_form": FundingForm(project=project) if can_edit else None,
            "fundings": selectors.project_fundings(project),
            "funding_summary": selectors.funding_summary(project),
            "linked": selectors.linked_records(viewer=request.user, subject=project),
            "members": project.members.all(),
            "engagements": selectors.engagements_visible(viewer=request.user)
            .filter(project=project)
            .select_related("recorder_org")[:20],
            "contracts": selectors.contracts_for(viewer=request.user, project=project),
            "status_history": labelled_history(project, "stage"),
            "history": history_for(project)[:50]
            if can_edit or permissions.sees_everything(request.user)
            else None,
        },
    )


def _current_host(project: TransferProject) -> Organisation | None:
    period = project.periods.filter(left_at__isnull=True).select_related("host").first()
    return period.host if period else None


def _editable_project(request: HttpRequest, pk: int) -> TransferProject:
    project = selectors.project_get(viewer=request.user, pk=pk)
    permissions.require_edit_project(request.user, project)
    return project


@login_required
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable_project(request, pk)
    form = ProjectEditForm(
        request.POST or None,
        instance=project,
        viewer=request.user,
        teams=selectors.usable_teams(viewer=request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        achievements, members = data.pop("achievements"), data.pop("members")
        try:
            changes = services.project_update(
                actor=request.user,
                project=project,
                achievements=achievements,
                members=members,
                **data,
            )
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("已保存修改。") if changes else _("没有需要保存的修改。"))
            return redirect("deals:project-detail", pk=project.pk)
    return render(request, "deals/project_form.html", {"form": form, "project": project})


@login_required
@require_POST
def project_transition(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable_project(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        _errors_as_messages(request, form)
    else:
        try:
            project = services.project_transition(
                actor=request.user,
                project=project,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
                stop_reason=form.cleaned_data["stop_reason"],
                host=form.cleaned_data["host"],
            )
        except ValidationError as error:
            apply_validation_error(request, error)
        else:
            messages.success(request, _("项目阶段已变更为：%(s)s") % {"s": project.get_stage_display()})
    # The board sends its own address back, so a move from a card returns to the board.
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("deals:project-detail", pk=pk)


@login_required
@require_POST
def project_host(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable_project(request, pk)
    form = HostForm(request.POST)
    if not form.is_valid():
        _errors_as_messages(request, form)
    else:
        try:
            services.project_host_set(actor=request.user, project=project, host=form.cleaned_data["host"])
        except ValidationError as error:
            apply_validation_error(request, error)
        else:
            messages.success(request, _("已更新承载平台。"))
    return redirect("deals:project-detail", pk=pk)


@login_required
@require_POST
def funding_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable_project(request, pk)
    form = FundingForm(request.POST, project=project)
    if not form.is_valid():
        _errors_as_messages(request, form)
    else:
        try:
            services.funding_add(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(request, error)
        else:
            messages.success(request, _("已记录资金投入。"))
    return redirect(reverse("deals:project-detail", args=[pk]) + "#fundings")


@login_required
@require_POST
def funding_delete(request: HttpRequest, pk: int) -> HttpResponse:
    funding = get_object_or_404(Funding.objects.select_related("project"), pk=pk)
    project = selectors.project_get(viewer=request.user, pk=funding.project_id)
    permissions.require_edit_project(request.user, project)
    services.funding_remove(actor=request.user, funding=funding)
    messages.success(request, _("已删除该笔资金记录。"))
    return redirect(reverse("deals:project-detail", args=[project.pk]) + "#fundings")


# -- the board, the follow-up calendar and the work teams ---------------------------------------------
@login_required
def project_board(request: HttpRequest) -> HttpResponse:
    choices = board.scope_choices(viewer=request.user)
    scope = board.scope_from(viewer=request.user, params=request.GET, choices=choices)
    columns = board.board_columns(viewer=request.user, scope=scope)
    return render(
        request,
        "deals/board.html",
        {
            "tab": "board",
            "scope": scope,
            "choices": choices,
            "columns": columns,
            "total": sum(column.count for column in columns),
            "stalled_days": board.STALLED_DAYS,
        },
    )


def _calendar_month(request: HttpRequest, today: datetime.date) -> calendar.Month:
    wanted = request.GET.get("month")
    month = calendar.Month.parse(wanted)
    if month is None:
        if wanted:
            messages.error(request, _("月份应写作“年-月”，如 2026-11；已改为显示本月。"))
        month = calendar.Month.of(today)
    return month


@login_required
def follow_up_calendar(request: HttpRequest) -> HttpResponse:
    team = board.team_get(viewer=request.user, pk=request.GET["team"]) if request.GET.get("team") else None
    today = timezone.localdate()
    month = _calendar_month(request, today)
    start, end = calendar.grid_bounds(month)
    items = list(board.open_follow_ups(viewer=request.user, start=start, end=end, team=team))
    dated = [(e.next_step_on, e) for e in items if e.next_step_on is not None]
    who = f"team={team.pk}" if team is not None else "who=me"
    return render(
        request,
        "deals/calendar.html",
        {
            "tab": "calendar",
            "team": team,
            "teams": board.viewer_teams(viewer=request.user),
            "month": month,
            "today": today,
            "this_month": calendar.Month.of(today),
            "previous_query": f"{who}&month={month.shifted(-1)}",
            "next_query": f"{who}&month={month.shifted(1)}",
            "weeks": calendar.month_grid(month, dated, today),
            "month_items": [e for day, e in dated if month.first <= day <= month.last],
            "closable": {e.pk for e in items if permissions.can_close_follow_up(request.user, e)},
            "overdue_before": board.overdue_before(viewer=request.user, day=month.first, team=team),
        },
    )


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    rows = board.teams_overview()
    return render(
        request,
        "deals/team_list.html",
        {
            "tab": "teams",
            "rows": rows,
            "open_ids": {team.pk for team, _totals in rows if board.can_see_team(request.user, team)},
            "totals": board.TeamTotals(
                engagements=sum(t.engagements for _team, t in rows),
                results=sum(t.results for _team, t in rows),
                needs=sum(t.needs for _team, t in rows),
                projects=sum(t.projects for _team, t in rows),
            ),
        },
    )


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = board.team_get(viewer=request.user, pk=pk)
    months = calendar.last_months(timezone.localdate(), 12)
    return render(
        request,
        "deals/team_detail.html",
        {
            "tab": "teams",
            "team": team,
            "members": selectors.team_members(team),
            "totals": board.team_totals([team.pk])[team.pk],
            "monthly": list(reversed(board.team_monthly(team, months))),
            "engagements": selectors.engagement_list(
                viewer=request.user, filters=selectors.EngagementFilters(team=team.pk)
            )[:10],
        },
    )
