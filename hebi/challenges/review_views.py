"""Pages of the review (揭榜评审): the expert pool, an expert's own page with declared conflicts,
forming the panel with conflicts excluded, the phone-friendly score sheet, the ranking and the
decision with reasons. Thin: the rules live in review.py and panels.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hebi.catalog.models import TechField
from hebi.challenges import panels, permissions, review, review_selectors, selectors
from hebi.challenges.models import Application, Challenge, ExpertProfile, Panel
from hebi.challenges.review_forms import (
    ConflictForm,
    DecisionForm,
    ExpertFilterForm,
    ExpertForm,
    ExpertSelfForm,
    PanelAddMemberForm,
    PanelForm,
    PanelRemoveMemberForm,
    ScoreForm,
)
from hebi.core.converters import parse_id
from hebi.core.forms import apply_validation_error
from hebi.core.paging import querystring as _querystring

PAGE_SIZE = 20


def _secretariat_challenge(request: HttpRequest, pk: int) -> Challenge:
    """The challenge, for the secretariat: 404 for who may not see it, 403 for who may see it only."""
    challenge = selectors.challenge_get(viewer=request.user, pk=pk)
    permissions.require_secretariat(request.user)
    return challenge


def _titles(applications: list[Application]) -> dict[int, str]:
    return {a.pk: f"{a.title}（{a.lead}）" for a in applications}


# -- the expert pool --------------------------------------------------------------------------------
@login_required
def expert_list(request: HttpRequest) -> HttpResponse:
    permissions.require_secretariat(request.user)
    form = ExpertFilterForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    active = {"1": True, "0": False}.get(data.get("active") or "")
    field = data.get("field")
    experts = review_selectors.experts_list(
        viewer=request.user, field=field.pk if field else "", q=(data.get("q") or "").strip(), active=active
    )
    page = Paginator(experts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "challenges/review/expert_list.html",
        {"form": form, "page": page, "querystring": _querystring(request)},
    )


def _expert_data(form: ExpertForm) -> dict[str, Any]:
    data = {k: form.cleaned_data[k] for k in ("organisation", "title", "specialties", "is_enterprise_expert")}
    if "is_active" in form.fields:
        data["is_active"] = form.cleaned_data["is_active"]
    return data


@login_required
def expert_create(request: HttpRequest) -> HttpResponse:
    permissions.require_secretariat(request.user)
    form = ExpertForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            expert = review.expert_create(
                actor=request.user,
                user=form.user,
                fields=form.cleaned_data["expert_fields"],
                **_expert_data(form),
            )
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("已将 %(name)s 加入专家库。") % {"name": expert})
            return redirect("challenges:expert-detail", pk=expert.pk)
    return render(request, "challenges/review/expert_form.html", {"form": form, "expert": None})


@login_required
def expert_edit(request: HttpRequest, pk: int) -> HttpResponse:
    permissions.require_secretariat(request.user)
    expert = get_object_or_404(ExpertProfile.objects.select_related("user", "organisation"), pk=pk)
    form = ExpertForm(request.POST or None, initial=ExpertForm.initial_for(expert))
    if request.method == "POST" and form.is_valid():
        try:
            changes = review.expert_update(
                actor=request.user,
                expert=expert,
                fields=form.cleaned_data["expert_fields"],
                **_expert_data(form),
            )
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("已保存修改。") if changes else _("没有需要保存的修改。"))
            return redirect("challenges:expert-detail", pk=expert.pk)
    return render(request, "challenges/review/expert_form.html", {"form": form, "expert": expert})


@login_required
def expert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    permissions.require_secretariat(request.user)
    expert = get_object_or_404(
        ExpertProfile.objects.select_related("user", "organisation").prefetch_related("fields"), pk=pk
    )
    return render(
        request,
        "challenges/review/expert_detail.html",
        {
            "expert": expert,
            "conflicts": review_selectors.expert_conflicts(expert),
            "panels": review_selectors.expert_panels(expert)[:50],
        },
    )


@login_required
def expert_me(request: HttpRequest) -> HttpResponse:
    expert = review_selectors.own_profile(viewer=request.user)
    action = request.POST.get("action") if request.method == "POST" else None
    profile_form = ExpertSelfForm(
        request.POST if action == "profile" else None,
        initial={"expert_fields": list(expert.fields.all()), "specialties": expert.specialties},
    )
    conflict_form = ConflictForm(request.POST if action == "declare" else None)
    try:
        if action == "profile" and profile_form.is_valid():
            changes = review.expert_update(
                actor=request.user,
                expert=expert,
                fields=profile_form.cleaned_data["expert_fields"],
                specialties=profile_form.cleaned_data["specialties"],
            )
            messages.success(request, _("已保存修改。") if changes else _("没有需要保存的修改。"))
            return redirect("challenges:expert-me")
        if action == "declare" and conflict_form.is_valid():
            review.conflict_declare(actor=request.user, expert=expert, **conflict_form.cleaned_data)
            messages.success(request, _("已申报回避。组建专家组和评分时将据此回避。"))
            return redirect("challenges:expert-me")
        if action == "remove":
            conflict = expert.conflicts.filter(pk=parse_id(request.POST.get("conflict")) or 0).first()
            if conflict is None:
                raise Http404(_("没有找到该回避申报。"))
            review.conflict_remove(actor=request.user, conflict=conflict)
            messages.success(request, _("已撤销该回避申报。"))
            return redirect("challenges:expert-me")
    except ValidationError as error:
        apply_validation_error(request, error, conflict_form if action == "declare" else profile_form)
    return render(
        request,
        "challenges/review/expert_me.html",
        {
            "expert": expert,
            "profile_form": profile_form,
            "conflict_form": conflict_form,
            "conflicts": review_selectors.expert_conflicts(expert),
            "panels": review_selectors.expert_panels(expert)[:50],
        },
    )


# -- the panel --------------------------------------------------------------------------------------
@login_required
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = _secretariat_challenge(request, pk)
    existing = review_selectors.review_panel(challenge)
    applications = panels.applications_under_review(challenge)
    titles = _titles(applications)
    if existing is not None:
        board = review_selectors.panel_board(existing)
        exclusions = [
            (x, review_selectors.labelled(x.reasons, titles))
            for x in review_selectors.panel_exclusions(existing)
        ]
        open_ = existing.status == Panel.Status.OPEN
        return render(
            request,
            "challenges/review/panel.html",
            {
                "challenge": challenge,
                "panel": existing,
                "board": board,
                "exclusions": exclusions,
                "add_form": PanelAddMemberForm(panel=existing) if open_ else None,
                "remove_form": PanelRemoveMemberForm(panel=existing) if open_ else None,
            },
        )
    field = (request.POST.get("field") if request.method == "POST" else request.GET.get("field")) or ""
    defaulted = not field and "field" not in request.GET and "field" not in request.POST
    if defaulted:
        field = challenge.field_id or ""
    form = PanelForm(request.POST or None)
    reasons: dict[int, list[dict[str, Any]]] = {}
    selected: set[int] = set()
    previewed = False
    if request.method == "POST" and form.is_valid():
        experts = list(form.cleaned_data["experts"])
        selected = {e.pk for e in experts}
        if request.POST.get("action") == "form":
            try:
                formed = panels.form_panel(
                    actor=request.user, challenge=challenge, experts=experts, chair=form.cleaned_data["chair"]
                )
            except ValidationError as error:
                form.add_error(None, list(error.messages))
            else:
                messages.success(
                    request,
                    _("评审专家组已组建：%(n)d 人。") % {"n": formed.memberships.count()},
                )
                return redirect("challenges:panel", pk=challenge.pk)
        found = panels.preview(challenge=challenge, experts=experts, applications=applications)
        reasons = {pk: review_selectors.labelled(r, titles) for pk, r in found.items()}
        previewed = True
    elif request.method == "POST":
        selected = {parse_id(v) or 0 for v in request.POST.getlist("experts")}
    pool = list(review_selectors.panel_experts(field=field))
    widened = False
    if defaulted and field and len(pool) < challenge.rubric.min_panel_size:
        # Too few experts in the call's own field to form a panel: show the whole pool, the
        # field's experts first, rather than a list nobody could form a panel from.
        in_field = {e.pk for e in pool}
        pool += [e for e in review_selectors.panel_experts() if e.pk not in in_field]
        widened = True
    shown = {e.pk for e in pool}
    pool += list(
        review_selectors.panel_experts().filter(pk__in=selected - shown)
    )  # keep chosen experts in view when the field filter changes
    rows = [(e, e.pk in selected, reasons.get(e.pk)) for e in pool]
    return render(
        request,
        "challenges/review/panel.html",
        {
            "challenge": challenge,
            "panel": None,
            "form": form,
            "rows": rows,
            "previewed": previewed,
            "field": "" if widened else field,
            "widened": widened,
            "fields": TechField.objects.all(),
            "applications": applications,
            "can_form": challenge.status == Challenge.Status.REVIEWING,
            "min_size": challenge.rubric.min_panel_size,
        },
    )


@login_required
@require_POST
def panel_close(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = _secretariat_challenge(request, pk)
    existing = review_selectors.review_panel(challenge)
    if existing is None:
        raise Http404(_("该榜单尚未组建评审专家组。"))
    try:
        review.panel_close(actor=request.user, panel=existing)
    except ValidationError as error:
        apply_validation_error(request, error)
    else:
        messages.success(request, _("评分已结束，综合得分与排名已保存。"))
    return redirect("challenges:ranking", pk=challenge.pk)


def _existing_panel(request: HttpRequest, pk: int) -> tuple[Challenge, Panel]:
    challenge = _secretariat_challenge(request, pk)
    existing = review_selectors.review_panel(challenge)
    if existing is None:
        raise Http404(_("该榜单尚未组建评审专家组。"))
    return challenge, existing


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for field_errors in form.errors.values():
        for message in field_errors:
            messages.error(request, str(message))


@login_required
@require_POST
def panel_add_member(request: HttpRequest, pk: int) -> HttpResponse:
    challenge, existing = _existing_panel(request, pk)
    form = PanelAddMemberForm(request.POST, panel=existing)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("challenges:panel", pk=challenge.pk)
    try:
        panels.panel_add_member(actor=request.user, panel=existing, expert=form.cleaned_data["expert"])
    except ValidationError as error:
        apply_validation_error(request, error)
    else:
        messages.success(
            request, _("已增补专家 %(name)s，并已通知其评分。") % {"name": form.cleaned_data["expert"]}
        )
    return redirect("challenges:panel", pk=challenge.pk)


@login_required
@require_POST
def panel_remove_member(request: HttpRequest, pk: int) -> HttpResponse:
    challenge, existing = _existing_panel(request, pk)
    form = PanelRemoveMemberForm(request.POST, panel=existing)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("challenges:panel", pk=challenge.pk)
    try:
        panels.panel_remove_member(
            actor=request.user,
            panel=existing,
            expert=form.cleaned_data["expert"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        apply_validation_error(request, error)
    else:
        messages.success(
            request,
            _("已将 %(name)s 移出专家组，其已提交的评分不再计入。") % {"name": form.cleaned_data["expert"]},
        )
    return redirect("challenges:panel", pk=challenge.pk)


# -- scoring ----------------------------------------------------------------------------------------
@login_required
def score_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "challenges/review/score_list.html",
        {"assignments": review_selectors.my_assignments(viewer=request.user)},
    )


@login_required
def score(request: HttpRequest, panel: int, application: int) -> HttpResponse:
    found = (
        Panel.objects.select_related("challenge", "rubric").filter(pk=panel, kind=Panel.Kind.REVIEW).first()
    )
    if found is None:
        raise Http404(_("没有找到该专家组。"))
    app = selectors.application_get(viewer=request.user, pk=application)
    if app.challenge_id != found.challenge_id or app.status not in review_selectors.UNDER_REVIEW:
        raise Http404(_("没有找到该申报。"))
    expert = permissions.expert_profile(request.user)
    if expert is None or not found.memberships.filter(expert=expert).exists():
        raise PermissionDenied(_("您不是该评审专家组的成员，不能评分。"))
    criteria = list(found.rubric.criteria.all())
    own = review_selectors.own_score(expert=expert, panel=found, application=app)
    conflict = [] if own else panels.conflicted_for(found, expert, app)
    form = ScoreForm(request.POST or None, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        try:
            review.score_submit(
                actor=request.user,
                panel=found,
                application=app,
                items=form.items(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("评分已提交。"))
            return redirect("challenges:score", panel=found.pk, application=app.pk)
    own_items = [(c, (own.items or {}).get(c.code, "—")) for c in criteria] if own else []
    return render(
        request,
        "challenges/review/score.html",
        {
            "panel": found,
            "application": app,
            "challenge": found.challenge,
            "form": form,
            "own": own,
            "own_items": own_items,
            "conflict": conflict,
            "partners": app.partners.all(),
            "members": app.members.all(),
            "milestones": app.milestones.all(),
            "attachments": app.attachments.all(),
            "indicators": found.challenge.indicators.all(),
            "max_total": found.rubric.max_total,
        },
    )


# -- ranking and decision ---------------------------------------------------------------------------
@login_required
def ranking(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = _secretariat_challenge(request, pk)
    existing = review_selectors.review_panel(challenge)
    board = review_selectors.panel_board(existing) if existing is not None else None
    return render(
        request,
        "challenges/review/ranking.html",
        {"challenge": challenge, "panel": existing, "board": board},
    )


@login_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = _secretariat_challenge(request, pk)
    existing = review_selectors.review_panel(challenge)
    ready = (
        existing is not None
        and existing.status == Panel.Status.CLOSED
        and challenge.status == Challenge.Status.REVIEWING
    )
    pending = list(
        challenge.applications.filter(status=Application.Status.SUBMITTED)
        .select_related("lead")
        .order_by("rank", "id")
    )
    pending.sort(key=lambda a: (a.rank is None, a.rank or 0, a.pk))
    form = DecisionForm(request.POST or None, applications=pending)
    if request.method == "POST" and form.is_valid():
        try:
            review.challenge_decide(actor=request.user, challenge=challenge, decisions=form.decisions())
        except ValidationError as error:
            form.add_error(None, list(error.messages))
        else:
            messages.success(request, _("已定榜，结果已通知各申报单位。"))
            return redirect("challenges:decide", pk=challenge.pk)
    decided = list(
        challenge.applications.filter(status__in=[Application.Status.AWARDED, Application.Status.NOT_AWARDED])
        .select_related("lead", "decision_category", "decided_by")
        .order_by("rank", "id")
    )
    return render(
        request,
        "challenges/review/decide.html",
        {"challenge": challenge, "panel": existing, "ready": ready, "form": form, "decided": decided},
    )
