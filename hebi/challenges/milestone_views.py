"""Pages of milestone contracts (军令状): signing, the contract with its timeline, the milestone
panels and the experts' phone page, the recorded outcome, tranches, penalties, and the boards."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hebi.challenges import milestone_selectors as reads
from hebi.challenges import milestones, panels, permissions, selectors
from hebi.challenges.conflicts import kind_label, labelled
from hebi.challenges.milestone_forms import (
    BoardFilterForm,
    ContractFilterForm,
    ContractForm,
    MilestoneFormSet,
    PanelForm,
    PenaltyForm,
    ReviewForm,
    TerminateForm,
    TrancheForm,
    VerdictForm,
    milestone_rows,
)
from hebi.challenges.models import ContractMilestone, MilestoneContract, MilestoneVerdict, Panel
from hebi.core.forms import apply_validation_error
from hebi.core.paging import querystring

PAGE_SIZE = 20
# The verdict most experts gave, as the outcome it suggests.
SUGGESTED_OUTCOME = {
    MilestoneVerdict.Verdict.PASS: ContractMilestone.Status.PASSED,
    MilestoneVerdict.Verdict.EXTEND: ContractMilestone.Status.EXTENDED,
    MilestoneVerdict.Verdict.FAIL: ContractMilestone.Status.FAILED,
}


def _form_errors_as_messages(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _to_contract(contract_id: int, anchor: str = "") -> HttpResponse:
    return redirect(
        reverse("challenges:contract-detail", args=[contract_id]) + (f"#{anchor}" if anchor else "")
    )


# -- signing --------------------------------------------------------------------------------------------
@login_required
def contract_create(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(viewer=request.user, pk=pk)
    permissions.require_secretariat(request.user)
    challenge = application.challenge
    refusal = milestones.contract_refusal(application)
    existing = MilestoneContract.objects.filter(application=application).first()
    milestone_errors: list[str] = []
    form: ContractForm | None = None
    rows: Any = None
    if refusal is None and request.method == "POST":
        form = ContractForm(request.POST)
        rows = MilestoneFormSet(request.POST, prefix="milestones")
        if form.is_valid() and rows.is_valid():
            try:
                contract = milestones.contract_create(
                    actor=request.user,
                    application=application,
                    data=form.content(),
                    milestones=milestone_rows(rows),
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    milestone_errors = error.message_dict.get("milestones", [])
                    rest = {k: v for k, v in error.message_dict.items() if k != "milestones"}
                    if rest:
                        apply_validation_error(request, ValidationError(rest), form)
                    else:
                        messages.error(request, _("请修正下面标出的错误。"))
                else:
                    apply_validation_error(request, error)
                refusal = milestones.contract_refusal(application)
            else:
                messages.success(
                    request,
                    _("军令状 %(number)s 已签订，已通知揭榜方和发榜单位。") % {"number": contract.number},
                )
                return redirect("challenges:contract-detail", pk=contract.pk)
        else:
            messages.error(request, _("请修正下面标出的错误。"))
    elif refusal is None:
        today = timezone.localdate()
        # The term and the milestones run from the start, which may be later than the signing.
        starts_on = today
        proposed = milestones.proposed_milestones(application, starts_on)
        form = ContractForm(
            initial={
                "signed_on": today,
                "starts_on": starts_on,
                "ends_on": milestones.add_months(starts_on, challenge.duration_months),
                "amount_public": sum((row["tranche"] for row in proposed), 0),
                "amount_enterprise": max(application.budget_total - application.budget_public, 0),
            }
        )
        rows = MilestoneFormSet(prefix="milestones", initial=proposed)
    return render(
        request,
        "challenges/contracts/form.html",
        {
            "application": application,
            "challenge": challenge,
            "refusal": refusal,
            "existing": existing
            if existing and permissions.can_view_contract(request.user, existing)
            else None,
            "form": form,
            "rows": rows,
            "milestone_errors": milestone_errors,
        },
    )


# -- the contract --------------------------------------------------------------------------------------
@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = reads.contract_get(viewer=request.user, pk=pk)
    application = contract.application
    secretariat = permissions.is_secretariat(request.user)
    timeline = reads.contract_timeline(contract, viewer=request.user)
    released = sum((row.released for row in timeline), 0)
    return render(
        request,
        "challenges/contracts/detail.html",
        {
            "contract": contract,
            "application": application,
            "challenge": application.challenge,
            "partners": list(application.partners.all()),
            "indicators": list(application.challenge.indicators.all()),
            "timeline": timeline,
            "released": released,
            "remaining": contract.amount_public - released,
            "has_failed": any(row.milestone.status == ContractMilestone.Status.FAILED for row in timeline),
            "penalties": list(reads.contract_penalties(contract)),
            "history": reads.contract_history(contract)[:100],
            "is_secretariat": secretariat,
            "is_active": contract.status == MilestoneContract.Status.ACTIVE,
            "penalty_form": PenaltyForm(contract=contract) if secretariat else None,
            "terminate_form": TerminateForm() if secretariat else None,
            "today": timezone.localdate(),
        },
    )


@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    form = ContractFilterForm(request.GET or None)
    form.is_valid()
    status = getattr(form, "cleaned_data", {}).get("status") or ""
    page = Paginator(reads.contract_list(viewer=request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "challenges/contracts/list.html",
        {
            "form": form,
            "page": page,
            "contracts": reads.with_progress(page.object_list),
            "querystring": querystring(request),
            "filtered": bool(status),
            "is_secretariat": permissions.is_secretariat(request.user),
        },
    )


@login_required
@require_POST
def contract_terminate(request: HttpRequest, pk: int) -> HttpResponse:
    contract = reads.contract_get(viewer=request.user, pk=pk)
    permissions.require_secretariat(request.user)
    form = TerminateForm(request.POST)
    if not form.is_valid():
        _form_errors_as_messages(request, form)
    else:
        try:
            milestones.contract_terminate(
                actor=request.user, contract=contract, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_validation_error(request, error)
        else:
            messages.success(request, _("军令状已终止。"))
    return _to_contract(contract.pk)


@login_required
@require_POST
def penalty_add(request: HttpRequest, pk: int) -> HttpResponse:
    contract = reads.contract_get(viewer=request.user, pk=pk)
    permissions.require_secretariat(request.user)
    form = PenaltyForm(request.POST, contract=contract)
    if not form.is_valid():
        _form_errors_as_messages(request, form)
    else:
        try:
            milestones.penalty_record(actor=request.user, contract=contract, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(request, error)
        else:
            messages.success(request, _("已记录违约处理。"))
    return _to_contract(contract.pk, "penalties")


# -- milestones: panel, verdicts, outcome, tranches ----------------------------------------------------
@login_required
def milestone_panel(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = reads.milestone_get(viewer=request.user, pk=pk)
    permissions.require_secretariat(request.user)
    contract = milestone.contract
    existing = Panel.objects.filter(milestone=milestone).first()
    form = PanelForm(request.POST or None)
    preview: list[dict[str, Any]] | None = None
    if existing is None and request.method == "POST" and form.is_valid():
        experts = list(form.cleaned_data["experts"])
        if "preview" in request.POST:
            found = panels.preview(
                challenge=contract.application.challenge, experts=experts, applications=[contract.application]
            )
            preview = [
                {
                    "expert": expert,
                    "reasons": [labelled(r, kind_label(r["kind"])) for r in found.get(expert.pk, [])],
                }
                for expert in experts
            ]
        else:
            try:
                milestones.milestone_panel_form(actor=request.user, milestone=milestone, experts=experts)
            except ValidationError as error:
                apply_validation_error(request, error, form)
            else:
                messages.success(request, _("考核专家组已组建，已通知入选专家。"))
                return _to_contract(contract.pk, f"milestone-{milestone.pk}")
    return render(
        request,
        "challenges/contracts/panel.html",
        {
            "milestone": milestone,
            "contract": contract,
            "existing": existing,
            "members": existing.memberships.select_related("expert__user") if existing else [],
            "exclusions": [
                {"expert": e.expert, "reasons": [labelled(r, kind_label(r["kind"])) for r in e.reasons]}
                for e in existing.exclusions.select_related("expert__user")
            ]
            if existing
            else [],
            "form": form,
            "preview": preview,
            "panel_kind": Panel.Kind(milestones.panel_kind(milestone)).label,
        },
    )


@login_required
def verdict(request: HttpRequest, panel: int) -> HttpResponse:
    found = reads.verdict_panel_get(viewer=request.user, pk=panel)
    milestone = found.milestone
    assert milestone is not None
    member = reads.is_panel_member(request.user, found)
    secretariat = permissions.is_secretariat(request.user)
    if not member and not secretariat:
        raise PermissionDenied(_("只有考核专家组成员可以提交考核意见。"))
    own = reads.own_verdict(request.user, found)
    can_give = member and own is None and found.status == Panel.Status.OPEN
    form = VerdictForm(request.POST or None) if can_give else None
    if request.method == "POST":
        if form is None:
            # Answer what the service would: not a member, closed, or already given.
            form = VerdictForm(request.POST)
        if form.is_valid():
            try:
                milestones.verdict_submit(
                    actor=request.user,
                    panel=found,
                    verdict=form.cleaned_data["verdict"],
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as error:
                apply_validation_error(request, error, form)
            else:
                messages.success(request, _("考核意见已提交，谢谢！"))
                return redirect("challenges:verdict", panel=found.pk)
        if not can_give:
            form = None
    conflicts: list[dict[str, Any]] = []
    if can_give:
        profile = permissions.expert_profile(request.user)
        assert profile is not None
        conflicts = panels.conflicted_for(found, profile, milestone.contract.application)
    counted = reads.tally_for(
        Panel.objects.select_related("milestone")
        .prefetch_related("memberships", "verdicts")
        .get(pk=found.pk),
        secretariat=secretariat,
    )
    return render(
        request,
        "challenges/contracts/verdict.html",
        {
            "panel": found,
            "milestone": milestone,
            # A milestone is often named after its kind (中期考核：…): do not say the kind twice.
            "title_names_kind": milestone.title.startswith(str(found.get_kind_display())),
            "contract": milestone.contract,
            "application": milestone.contract.application,
            "indicators": list(found.challenge.indicators.all()),
            "own": own,
            "form": form if not conflicts else None,
            "conflicts": conflicts,
            "is_member": member,
            "is_secretariat": secretariat,
            "tally": counted,
        },
    )


@login_required
def milestone_review(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = reads.milestone_get(viewer=request.user, pk=pk)
    permissions.require_secretariat(request.user)
    panel = (
        Panel.objects.filter(milestone=milestone)
        .prefetch_related("memberships__expert__user", "verdicts__expert__user")
        .first()
    )
    all_verdicts = list(panel.verdicts.all()) if panel else []
    verdicts = [v for v in all_verdicts if panel is not None and v.round == panel.round]
    counted = reads.tally(panel)
    reviews = list(milestone.reviews.select_related("decided_by"))
    rounds = [
        {**earlier, "verdicts": [v for v in all_verdicts if v.round == earlier["round"]]}
        for earlier in reads.earlier_rounds(panel, reviews, secretariat=True)
    ]
    suggested = SUGGESTED_OUTCOME.get(counted["majority"]) if counted["majority"] else None
    form = ReviewForm(request.POST or None, initial={"outcome": suggested})
    if request.method == "POST" and form.is_valid():
        try:
            milestones.milestone_review(actor=request.user, milestone=milestone, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("考核结果已记录，已通知揭榜方和发榜单位。"))
            return _to_contract(milestone.contract_id, f"milestone-{milestone.pk}")
    return render(
        request,
        "challenges/contracts/review.html",
        {
            "milestone": milestone,
            "contract": milestone.contract,
            "panel": panel,
            "members": list(panel.memberships.all()) if panel else [],
            "verdicts": verdicts,
            "tally": counted,
            "form": form,
            "reviewable": bool(milestones.MILESTONE_MOVES[milestone.status])
            and milestone.contract.status == MilestoneContract.Status.ACTIVE,
            "reviews": reviews,
            "rounds": rounds,
        },
    )


@login_required
@require_POST
def tranche_release(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = reads.milestone_get(viewer=request.user, pk=pk)
    permissions.require_secretariat(request.user)
    form = TrancheForm(request.POST)
    if not form.is_valid():
        _form_errors_as_messages(request, form)
    else:
        try:
            milestones.tranche_release(actor=request.user, milestone=milestone, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(request, error)
        else:
            messages.success(request, _("已记录资金拨付。"))
    return _to_contract(milestone.contract_id, f"milestone-{milestone.pk}")


# -- the secretariat's board ------------------------------------------------------------------------
@login_required
def board(request: HttpRequest) -> HttpResponse:
    permissions.require_secretariat(request.user)
    form = BoardFilterForm(request.GET or None)
    form.is_valid()
    status = getattr(form, "cleaned_data", {}).get("status") or ""
    page = Paginator(reads.board_challenges(viewer=request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "challenges/contracts/board.html",
        {
            "form": form,
            "page": page,
            "rows": reads.board_rows(page.object_list),
            "totals": reads.board_totals(viewer=request.user),
            "querystring": querystring(request),
            "filtered": bool(status),
            "today": timezone.localdate(),
        },
    )
