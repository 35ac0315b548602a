"""Pages for licences (including 先使用后付费), equity arrangements and income distribution.

Thin views: they read through licence_selectors and write through licence_services; a record
the viewer may not see answers 404, an action it may not take answers 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hebi.catalog.workflow import labelled_history, labelled_targets
from hebi.contracts import licence_selectors as selectors
from hebi.contracts import licence_services as services
from hebi.contracts.licence_forms import (
    DistributionFilterForm,
    DistributionForm,
    EquityForm,
    EquityTransitionForm,
    EvidenceForm,
    LicenceFilterForm,
    LicenceForm,
    LicenceTransitionForm,
    PaymentForm,
    PaymentRecordForm,
    ShareFormSet,
)
from hebi.contracts.models import (
    DistributionRule,
    EquityArrangement,
    IncomeDistribution,
    Licence,
    LicencePayment,
    TechContract,
)
from hebi.contracts.selectors import contract_get, contracts_visible
from hebi.core.audit import history_for
from hebi.core.converters import parse_id
from hebi.core.forms import apply_validation_error
from hebi.core.paging import querystring as _querystring
from hebi.core.permissions import CONTRIBUTOR_ROLES, can_contribute
from hebi.orgs.models import Organisation
from hebi.orgs.selectors import viewer_organisations

PAGE_SIZE = 20


# -- licences --------------------------------------------------------------------------------------
@login_required
def licence_list(request: HttpRequest) -> HttpResponse:
    form = LicenceFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    licences = selectors.licence_list(
        viewer=request.user,
        mode=filters.get("mode", ""),
        status=filters.get("status", ""),
        upcoming_days=selectors.UPCOMING_DAYS if filters.get("upcoming") else None,
    )
    page = Paginator(licences, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "contracts/licence_list.html",
        {
            "form": form,
            "page": page,
            "querystring": _querystring(request),
            "upcoming": selectors.upcoming_payments(viewer=request.user)[:20],
        },
    )


@login_required
def licence_create(request: HttpRequest, contract_pk: int) -> HttpResponse:
    contract = contract_get(viewer=request.user, pk=contract_pk)
    services.require_manage_licence(request.user, contract)
    existing = Licence.objects.filter(contract=contract).first()
    if existing is not None:
        messages.info(request, _("该合同已有许可条款。"))
        return redirect("licences:detail", pk=existing.pk)
    version = contract.in_force or contract.latest
    initial = {
        "scope": version.licence_scope if version else "",
        "mode": Licence.Mode.STANDARD,
        "entry_fee": 0,
        "instalments": 4,
        "interval_months": 3,
        "deferred_months": 0,
    }
    form = LicenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            licence = services.licence_create(actor=request.user, contract=contract, data=form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("许可条款已保存，付款计划已生成。"))
            for warning in services.licence_warnings(licence):
                messages.warning(request, warning)
            return redirect("licences:detail", pk=licence.pk)
    return render(
        request,
        "contracts/licence_form.html",
        {"form": form, "contract": contract, "version": version},
    )


def _licence_page(
    request: HttpRequest,
    licence: Licence,
    *,
    evidence_form: EvidenceForm | None = None,
    transition_form: LicenceTransitionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_manage = services.can_manage_licence(request.user, licence.contract)
    can_report = services.can_report_use(request.user, licence)
    return render(
        request,
        "contracts/licence_detail.html",
        {
            "licence": licence,
            "contract": licence.contract,
            "version": licence.contract.in_force or licence.contract.latest,
            "schedule": selectors.licence_schedule(licence),
            "warnings": services.licence_warnings(licence),
            "evidence": licence.evidence.select_related("reported_by")[:50],
            "can_manage": can_manage,
            "is_open": licence.status != Licence.Status.ENDED,
            "evidence_form": (evidence_form or EvidenceForm()) if can_report else None,
            "transition_form": transition_form or LicenceTransitionForm(),
            "targets": labelled_targets(licence) if can_manage else [],
            "status_history": labelled_history(licence),
            "history": history_for(licence)[:50],
        },
        status=status,
    )


@login_required
def licence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _licence_page(request, selectors.licence_get(viewer=request.user, pk=pk))


@login_required
@require_POST
def licence_transition(request: HttpRequest, pk: int) -> HttpResponse:
    licence = selectors.licence_get(viewer=request.user, pk=pk)
    services.require_manage_licence(request.user, licence.contract)
    form = LicenceTransitionForm(request.POST)
    if form.is_valid():
        try:
            services.licence_transition(
                actor=request.user,
                licence=licence,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
                on=form.cleaned_data["on"],
            )
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("许可状态已更新。"))
            return redirect("licences:detail", pk=licence.pk)
    else:
        messages.error(request, _("请选择要变更的状态，并检查日期。"))
    return _licence_page(request, licence, transition_form=form, status=400)


@login_required
@require_POST
def evidence_create(request: HttpRequest, pk: int) -> HttpResponse:
    licence = selectors.licence_get(viewer=request.user, pk=pk)
    services.require_report_use(request.user, licence)
    form = EvidenceForm(request.POST)
    if form.is_valid():
        try:
            services.evidence_report(actor=request.user, licence=licence, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("使用情况已报告。"))
            return redirect("licences:detail", pk=licence.pk)
    return _licence_page(request, licence, evidence_form=form, status=400)


@login_required
def payment_add(request: HttpRequest, pk: int) -> HttpResponse:
    licence = selectors.licence_get(viewer=request.user, pk=pk)
    services.require_manage_licence(request.user, licence.contract)
    form = PaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_add(actor=request.user, licence=licence, data=form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("已加入付款计划。"))
            return redirect("licences:detail", pk=licence.pk)
    return render(
        request, "contracts/licence_payment_form.html", {"form": form, "licence": licence, "payment": None}
    )


def _payment_to_change(request: HttpRequest, pk: int) -> LicencePayment:
    payment = selectors.payment_get(viewer=request.user, pk=pk)
    services.require_manage_licence(request.user, payment.licence.contract)
    return payment


@login_required
def payment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment_to_change(request, pk)
    initial = {"due_on": payment.due_on, "amount": payment.amount, "note": payment.note}
    form = PaymentForm(request.POST or None, initial=initial, with_kind=False)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.payment_update(actor=request.user, payment=payment, data=form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("已保存修改。") if changes else _("没有需要保存的修改。"))
            return redirect("licences:detail", pk=payment.licence_id)
    return render(
        request,
        "contracts/licence_payment_form.html",
        {"form": form, "licence": payment.licence, "payment": payment},
    )


@login_required
@require_POST
def payment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment_to_change(request, pk)
    try:
        services.payment_delete(actor=request.user, payment=payment)
    except ValidationError as error:
        apply_validation_error(request, error)
    else:
        messages.success(request, _("已从付款计划中删除。"))
    return redirect("licences:detail", pk=payment.licence_id)


@login_required
def payment_record(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment_to_change(request, pk)
    form = PaymentRecordForm(request.POST or None, initial={"paid_amount": payment.amount or None})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.payment_record(actor=request.user, payment=payment, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(request, error, form)
            else:
                messages.success(request, _("付款已登记。"))
                return redirect("licences:detail", pk=payment.licence_id)
        status = 400
    return render(
        request,
        "contracts/licence_payment_record.html",
        {"form": form, "licence": payment.licence, "payment": payment},
        status=status,
    )


# -- equity -------------------------------------------------------------------------------------------
def _organisation(value: Any) -> Organisation:
    key = parse_id(value)
    organisation = Organisation.objects.filter(pk=key, is_active=True).first() if key is not None else None
    if organisation is None:
        raise Http404(_("没有找到该机构。"))
    return organisation


def _acting_organisation(request: HttpRequest) -> tuple[Organisation, TechContract | None]:
    """The organisation a new record is for: the contract's seller, ?org=, or the viewer's first
    organisation it may write for."""
    if request.GET.get("contract"):
        contract = contract_get(viewer=request.user, pk=request.GET["contract"])
        return contract.seller, contract
    if request.GET.get("org"):
        return _organisation(request.GET["org"]), None
    for organisation in viewer_organisations(viewer=request.user):
        if can_contribute(request.user, organisation):
            return organisation, None
    raise PermissionDenied(_("只有成果单位的成员可以执行此操作。"))


def _seller_contracts(request: HttpRequest, organisation: Organisation) -> Any:
    return contracts_visible(viewer=request.user).filter(seller=organisation).order_by("-created_at")


def _equity_projects(request: HttpRequest, organisation: Organisation) -> Any:
    from django.db.models import Q

    from hebi.deals.selectors import projects_visible

    return (
        projects_visible(viewer=request.user)
        .filter(Q(owner=organisation) | Q(enterprise=organisation))
        .order_by("-updated_at")
    )


@login_required
def equity_list(request: HttpRequest) -> HttpResponse:
    organisation = _organisation(request.GET["org"]) if request.GET.get("org") else None
    arrangements = selectors.equity_list(
        viewer=request.user, organisation=organisation, status=request.GET.get("status", "")
    )
    if request.GET.get("status") not in (None, "", *EquityArrangement.Status.values):
        arrangements = arrangements.none()
    page = Paginator(arrangements, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "contracts/equity_list.html",
        {
            "organisation": organisation,
            "page": page,
            "querystring": _querystring(request),
            "statuses": EquityArrangement.Status.choices,
            "can_create": organisation is not None and services.can_edit_equity(request.user, organisation),
        },
    )


@login_required
def equity_create(request: HttpRequest) -> HttpResponse:
    organisation, contract = _acting_organisation(request)
    services.require_edit_equity(request.user, organisation)
    initial: dict[str, Any] = {"kind": EquityArrangement.Kind.EQUITY, "contract": contract}
    if request.GET.get("project"):
        from hebi.deals.selectors import project_get

        initial["project"] = project_get(viewer=request.user, pk=request.GET["project"])
    form = EquityForm(
        request.POST or None,
        initial=initial,
        contracts=_seller_contracts(request, organisation),
        projects=_equity_projects(request, organisation),
    )
    if request.method == "POST" and form.is_valid():
        try:
            arrangement = services.equity_create(
                actor=request.user, owner=organisation, data=form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("已保存。"))
            for warning in services.equity_warnings(arrangement):
                messages.warning(request, warning)
            return redirect("licences:equity-detail", pk=arrangement.pk)
    return render(
        request,
        "contracts/equity_form.html",
        {"form": form, "organisation": organisation, "arrangement": None, "rule": _rule("equity")},
    )


def _rule(basis: str) -> Any:
    return services.distribution_rule(basis)


@login_required
def equity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    arrangement = selectors.equity_get(viewer=request.user, pk=pk)
    services.require_edit_equity(request.user, arrangement.owner)
    form = EquityForm(
        request.POST or None,
        initial=EquityForm.initial_for(arrangement),
        contracts=_seller_contracts(request, arrangement.owner),
        projects=_equity_projects(request, arrangement.owner),
    )
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.equity_update(
                actor=request.user, arrangement=arrangement, data=form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("已保存修改。") if changes else _("没有需要保存的修改。"))
            return redirect("licences:equity-detail", pk=arrangement.pk)
    return render(
        request,
        "contracts/equity_form.html",
        {
            "form": form,
            "organisation": arrangement.owner,
            "arrangement": arrangement,
            "rule": _rule("equity"),
        },
    )


def _equity_page(
    request: HttpRequest,
    arrangement: EquityArrangement,
    *,
    transition_form: EquityTransitionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_edit = services.can_edit_equity(request.user, arrangement.owner)
    return render(
        request,
        "contracts/equity_detail.html",
        {
            "arrangement": arrangement,
            "can_edit": can_edit and arrangement.status == EquityArrangement.Status.AGREED,
            "targets": labelled_targets(arrangement) if can_edit else [],
            "transition_form": transition_form or EquityTransitionForm(),
            "warnings": services.equity_warnings(arrangement),
            "status_history": labelled_history(arrangement),
            "history": history_for(arrangement)[:50],
        },
        status=status,
    )


@login_required
def equity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _equity_page(request, selectors.equity_get(viewer=request.user, pk=pk))


@login_required
@require_POST
def equity_transition(request: HttpRequest, pk: int) -> HttpResponse:
    arrangement = selectors.equity_get(viewer=request.user, pk=pk)
    services.require_edit_equity(request.user, arrangement.owner)
    form = EquityTransitionForm(request.POST)
    if form.is_valid():
        try:
            services.equity_transition(actor=request.user, arrangement=arrangement, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("状态已更新。"))
            return redirect("licences:equity-detail", pk=arrangement.pk)
    else:
        messages.error(request, _("请检查填写的内容。"))
    return _equity_page(request, arrangement, transition_form=form, status=400)


# -- income distribution --------------------------------------------------------------------------------
@login_required
def distributions(request: HttpRequest) -> HttpResponse:
    form = DistributionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    year = filters.get("year")
    records = selectors.distribution_list(
        viewer=request.user, year=year, below_default=bool(filters.get("below"))
    )
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    writable = [o for o in viewer_organisations(viewer=request.user) if can_contribute(request.user, o)]
    return render(
        request,
        "contracts/distribution_list.html",
        {
            "form": form,
            "totals": selectors.distribution_totals(viewer=request.user, year=year),
            "years": selectors.distribution_years(viewer=request.user),
            "page": page,
            "querystring": _querystring(request),
            "writable": writable,
            "rules": DistributionRule.objects.all(),
        },
    )


def _people(organisation: Organisation) -> Any:
    return (
        get_user_model()
        .objects.filter(memberships__organisation=organisation, memberships__role__in=CONTRIBUTOR_ROLES)
        .filter(is_active=True)
        .distinct()
        .order_by("display_name", "username")
    )


@login_required
def distribution_create(request: HttpRequest) -> HttpResponse:
    organisation, contract = _acting_organisation(request)
    services.require_record_distribution(request.user, organisation)
    basis = IncomeDistribution.Basis.TRANSFER
    if contract is not None:
        version = contract.in_force or contract.latest
        if version is not None and version.category.is_licence:
            basis = IncomeDistribution.Basis.LICENCE
    form = DistributionForm(
        request.POST or None,
        initial={"contract": contract, "basis": basis},
        contracts=_seller_contracts(request, organisation),
    )
    formset = ShareFormSet(
        request.POST or None, prefix="shares", form_kwargs={"people": _people(organisation)}
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        shares = [row for row in formset.cleaned_data if row]
        try:
            distribution = services.distribution_create(
                actor=request.user, organisation=organisation, data=form.cleaned_data, shares=shares
            )
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("收益分配已登记。"))
            for warning in services.distribution_warnings(distribution):
                messages.warning(request, warning)
            return redirect("licences:distribution-detail", pk=distribution.pk)
    return render(
        request,
        "contracts/distribution_form.html",
        {
            "form": form,
            "formset": formset,
            "organisation": organisation,
            "rules": DistributionRule.objects.all(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def distribution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    distribution = selectors.distribution_get(viewer=request.user, pk=pk)
    return render(
        request,
        "contracts/distribution_detail.html",
        {
            "distribution": distribution,
            "shares": distribution.shares.select_related("user"),
            "warnings": services.distribution_warnings(distribution),
            "rule": services.distribution_rule(distribution.basis),
            "history": history_for(distribution)[:50],
        },
    )
