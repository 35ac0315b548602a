"""Pages of technology contracts and their registration (认定登记): the list, the form, the
dossier with its versions and decisions, the registry's queue and the certificate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hebi.catalog import workflow
from hebi.contracts import pdf, rules, selectors, services
from hebi.contracts.forms import (
    AmendForm,
    ContractFilterForm,
    ContractForm,
    NonTechItemFormSet,
    PartyFormSet,
    RefuseForm,
    RegisterForm,
    item_rows,
    organisation_party,
    party_initial,
    party_rows,
)
from hebi.contracts.models import ContractCategory, ContractParty, ContractVersion, TechContract
from hebi.contracts.permissions import can_edit, can_review, require_edit, require_review
from hebi.core.audit import history_for
from hebi.core.converters import parse_id
from hebi.core.forms import apply_validation_error
from hebi.core.paging import querystring as _querystring
from hebi.core.permissions import has_oversight
from hebi.orgs.models import Organisation
from hebi.orgs.selectors import viewer_organisations

PAGE_SIZE = 20
# Errors the services report on the lists of the form, shown in the box of that list.
BOX_FIELDS = ("parties", "non_tech_items")


def _seller_choices(user: Any) -> list[Organisation]:
    return [o for o in viewer_organisations(viewer=user) if can_edit(user, o)]


# -- list ------------------------------------------------------------------------------------------
@login_required
def contract_list(request: HttpRequest) -> HttpResponse:
    form = ContractFilterForm(request.GET or None)
    form.is_valid()  # an invalid filter is dropped (and shown); the valid ones still apply
    data = getattr(form, "cleaned_data", {})
    local = {"yes": True, "no": False}.get(data.get("local") or "")
    filters = selectors.ContractFilters(
        status=data.get("status") or "",
        category=data.get("category"),
        local=local,
        year=data.get("year"),
        registered_year=data.get("registered_year"),
        q=(data.get("q") or "").strip(),
    )
    contracts = selectors.contract_list(viewer=request.user, filters=filters)
    page = Paginator(contracts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "contracts/list.html",
        {
            "form": form,
            "page": page,
            "querystring": _querystring(request),
            "sellers": _seller_choices(request.user),
            "can_review": can_review(request.user),
            "filtered": any(
                [
                    filters.status,
                    filters.category,
                    filters.local is not None,
                    filters.year,
                    filters.registered_year,
                    filters.q,
                ]
            ),
        },
    )


# -- create and edit -------------------------------------------------------------------------------
def _project(request: HttpRequest) -> Any:
    """The transfer project named by ?project=, when the viewer may see it (else 404)."""
    raw = request.POST.get("project") or request.GET.get("project")
    return selectors.project_for_contract(viewer=request.user, pk=raw) if raw else None


def _box_errors(error: ValidationError) -> tuple[dict[str, list[str]], ValidationError | None]:
    """Split a service error into the list boxes' messages and the rest (for the form)."""
    if not hasattr(error, "error_dict"):
        return {}, error
    boxes = {name: messages for name, messages in error.message_dict.items() if name in BOX_FIELDS}
    rest = {name: messages for name, messages in error.message_dict.items() if name not in BOX_FIELDS}
    return boxes, ValidationError(rest) if rest else None


def _form_context(
    *,
    seller: Organisation,
    form: ContractForm,
    parties: Any,
    items: Any,
    contract: TechContract | None = None,
    project: Any = None,
    boxes: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    boxes = boxes or {}
    org_data = {
        str(o.pk): {"name": o.name, "uscc": o.uscc or "", "region": o.region_id}
        for o in Organisation.objects.filter(is_active=True).only("pk", "name", "uscc", "region_id")
    }
    return {
        "seller": seller,
        "form": form,
        "parties": parties,
        "items": items,
        "contract": contract,
        "project": project,
        "party_errors": boxes.get("parties", []),
        "item_errors": boxes.get("non_tech_items", []),
        "licence_ids": list(
            ContractCategory.objects.filter(is_licence=True, is_active=True).values_list("pk", flat=True)
        ),
        "org_data": org_data,
    }


def _bind(request: HttpRequest, seller: Organisation, revision: bool) -> tuple[ContractForm, Any, Any]:
    form = ContractForm(request.POST, request.FILES, seller=seller, revision=revision)
    parties = PartyFormSet(request.POST, prefix="parties")
    items = NonTechItemFormSet(request.POST, prefix="items")
    return form, parties, items


@login_required
def contract_create(request: HttpRequest) -> HttpResponse:
    project = _project(request)
    sellers = _seller_choices(request.user)
    seller_id = parse_id(request.POST.get("seller") or request.GET.get("seller"))
    seller = next((o for o in sellers if o.pk == seller_id), None)
    if seller is None and project is not None:
        seller = next((o for o in sellers if o.pk == project.owner_id), None)
    if seller is None and len(sellers) == 1:
        seller = sellers[0]
    if seller is None:
        if not sellers:
            raise PermissionDenied(_("只有机构成员可以登记技术合同。"))
        if seller_id is not None:
            raise Http404(_("没有找到该机构。"))
        return render(request, "contracts/pick_seller.html", {"sellers": sellers, "project": project})

    boxes: dict[str, list[str]] = {}
    if request.method == "POST":
        form, parties, items = _bind(request, seller, revision=False)
        if form.is_valid() and parties.is_valid() and items.is_valid():
            try:
                contract = services.contract_create(
                    actor=request.user,
                    seller=seller,
                    data={**form.content(), "non_tech_items": item_rows(items)},
                    parties=party_rows(parties),
                    achievements=form.cleaned_data["achievements"],
                    patents=form.cleaned_data["patents"],
                    signed_file=form.cleaned_data.get("signed_file"),
                    project=project,
                )
            except ValidationError as error:
                boxes, rest = _box_errors(error)
                if rest is not None:
                    apply_validation_error(request, rest, form)
                elif boxes:
                    messages.error(request, _("请修正下面标出的错误。"))
            else:
                messages.success(request, _("合同已保存为草稿。上传签字盖章的合同文本后即可提交登记。"))
                return redirect("contracts:detail", pk=contract.pk)
        else:
            messages.error(request, _("请修正下面标出的错误。"))
    else:
        initial_parties = [organisation_party(seller, ContractParty.Role.SELLER)]
        initial: dict[str, Any] = {}
        if project is not None:
            initial_parties.append(organisation_party(project.enterprise, ContractParty.Role.BUYER))
            initial = {
                "title": project.title,
                "achievements": list(project.achievements.filter(owner=seller)),
            }
        else:
            initial_parties.append({"role": ContractParty.Role.BUYER})
        form = ContractForm(seller=seller, initial=initial)
        parties = PartyFormSet(prefix="parties", initial=initial_parties)
        items = NonTechItemFormSet(prefix="items")
    context = _form_context(
        seller=seller, form=form, parties=parties, items=items, project=project, boxes=boxes
    )
    return render(request, "contracts/form.html", context)


@login_required
def contract_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(viewer=request.user, pk=pk)
    require_edit(request.user, contract.seller)
    version = contract.latest
    assert version is not None
    if not version.is_editable:
        # Explain instead of showing a form that could not be saved.
        return render(
            request,
            "contracts/locked.html",
            {"contract": contract, "version": version, "amend_form": AmendForm()},
            status=409 if request.method == "POST" else 200,
        )
    revision = version.number > 1
    boxes: dict[str, list[str]] = {}
    if request.method == "POST":
        form, parties, items = _bind(request, contract.seller, revision=revision)
        if form.is_valid() and parties.is_valid() and items.is_valid():
            try:
                services.contract_update(
                    actor=request.user,
                    contract=contract,
                    data={**form.content(), "non_tech_items": item_rows(items)},
                    parties=party_rows(parties),
                    achievements=form.cleaned_data["achievements"],
                    patents=form.cleaned_data["patents"],
                    signed_file=form.cleaned_data.get("signed_file"),
                )
            except ValidationError as error:
                boxes, rest = _box_errors(error)
                if rest is not None:
                    apply_validation_error(request, rest, form)
                elif boxes:
                    messages.error(request, _("请修正下面标出的错误。"))
            else:
                messages.success(request, _("修改已保存。"))
                return redirect("contracts:detail", pk=contract.pk)
        else:
            messages.error(request, _("请修正下面标出的错误。"))
    else:
        initial = {
            "title": version.title,
            "category": version.category_id,
            "licence_scope": version.licence_scope,
            "subject": version.subject,
            "total_amount": version.total_amount,
            "tech_amount": version.tech_amount,
            "signed_on": version.signed_on,
            "term_start": version.term_start,
            "term_end": version.term_end,
            "achievements": list(version.achievements.all()),
            "patents": list(version.patents.all()),
            "change_note": version.change_note,
        }
        form = ContractForm(seller=contract.seller, revision=revision, initial=initial)
        parties = PartyFormSet(prefix="parties", initial=party_initial(version.parties.all()))
        items = NonTechItemFormSet(prefix="items", initial=version.non_tech_items)
    context = _form_context(
        seller=contract.seller, form=form, parties=parties, items=items, contract=contract, boxes=boxes
    )
    context["version"] = version
    return render(request, "contracts/form.html", context)


# -- detail ----------------------------------------------------------------------------------------
def _tax_lines(contract: TechContract) -> list[rules.TaxLine]:
    version = contract.in_force
    if version is None or contract.registered_at is None:
        return []
    year = timezone.localtime(contract.registered_at).year
    category = version.category
    return rules.tax_information(
        vat_exempt=category.vat_exempt,
        transfer_income=category.is_transfer_income,
        tax_note=category.tax_note,
        tech_amount=version.tech_amount,
        year=year,
        year_transfer_total=selectors.seller_transfer_total(seller=contract.seller, year=year),
    )


@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(viewer=request.user, pk=pk)
    versions = list(selectors.contract_versions(contract))
    for version in versions:
        version.history = list(workflow.status_history(version).order_by("at", "id"))  # type: ignore[attr-defined]
    latest = next((v for v in versions if v.pk == contract.latest_id), None)
    in_force = next((v for v in versions if v.pk == contract.in_force_id), None)
    editor = can_edit(request.user, contract.seller)
    reviewer = can_review(request.user)
    insider = editor or reviewer or has_oversight(request.user)
    days_left = latest.days_left() if latest else None
    return render(
        request,
        "contracts/detail.html",
        {
            "contract": contract,
            "versions": versions,
            "latest": latest,
            "latest_days_left": days_left,
            "latest_overdue_days": -days_left if days_left is not None and days_left < 0 else 0,
            "in_force": in_force,
            "can_edit": editor,
            "can_review": reviewer,
            "amend_form": AmendForm(),
            # Both forms have a comment field: distinct ids keep each label on its own box.
            "register_form": RegisterForm(auto_id="register_%s"),
            "refuse_form": RefuseForm(auto_id="refuse_%s"),
            # The year's total sums the seller's other contracts too: not for the buyer's eyes.
            "tax_lines": _tax_lines(contract) if insider else [],
            "history": history_for(contract)[:50] if insider else None,
        },
    )


@login_required
def contract_file(request: HttpRequest, pk: int, number: int) -> FileResponse:
    contract = selectors.contract_get(viewer=request.user, pk=pk)
    version = contract.versions.filter(number=number).first()
    if version is None or not version.signed_file:
        raise Http404(_("该版本没有上传合同文本。"))
    response = FileResponse(
        version.signed_file.open("rb"),
        as_attachment=True,
        filename=version.signed_file_name or version.signed_file.name.rsplit("/", 1)[-1],
        content_type=version.signed_file_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _act(request: HttpRequest, pk: int, action: Any, success: str) -> HttpResponse:
    contract = selectors.contract_get(viewer=request.user, pk=pk)
    try:
        action(contract)
    except ValidationError as error:
        apply_validation_error(request, error)
    else:
        messages.success(request, success)
    return redirect("contracts:detail", pk=contract.pk)


@login_required
@require_POST
def contract_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda contract: services.contract_submit(actor=request.user, contract=contract),
        _("已提交登记。登记机构将在 30 日内作出决定。"),
    )


@login_required
@require_POST
def contract_amend(request: HttpRequest, pk: int) -> HttpResponse:
    form = AmendForm(request.POST)
    note = form.cleaned_data["change_note"] if form.is_valid() else ""
    return _act(
        request,
        pk,
        lambda contract: services.contract_amend(actor=request.user, contract=contract, change_note=note),
        _("已创建新版本（草稿），请修改后重新提交。原版本保持不变。"),
    )


@login_required
@require_POST
def contract_register(request: HttpRequest, pk: int) -> HttpResponse:
    form = RegisterForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    return _act(
        request,
        pk,
        lambda contract: services.contract_register(actor=request.user, contract=contract, comment=comment),
        _("已予以登记。"),
    )


@login_required
@require_POST
def contract_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    form = RefuseForm(request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    return _act(
        request,
        pk,
        lambda contract: services.contract_refuse(
            actor=request.user,
            contract=contract,
            reasons=list(data.get("reasons") or []),
            comment=data.get("comment") or "",
        ),
        _("已作出未予登记的决定，并通知了卖方。"),
    )


# -- registry queue --------------------------------------------------------------------------------
@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    require_review(request.user)
    today = timezone.localdate()
    queue = selectors.review_queue()
    overdue_only = request.GET.get("overdue") == "1"
    if overdue_only:
        queue = queue.filter(due_on__lt=today)
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for version in page.object_list:
        days_left = version.days_left(today)
        rows.append(
            {"version": version, "days_left": days_left, "overdue_days": -days_left if days_left < 0 else 0}
        )
    return render(
        request,
        "contracts/review.html",
        {
            "page": page,
            "rows": rows,
            "summary": selectors.review_queue_summary(today),
            "overdue_only": overdue_only,
            "querystring": _querystring(request),
        },
    )


# -- certificate -----------------------------------------------------------------------------------
def verification_code(contract: TechContract, version: ContractVersion) -> str:
    """A short code tying the certificate to the registered content; it changes if any of it does."""
    payload = "|".join(
        [
            contract.registration_number or "",
            str(version.number),
            version.title,
            str(version.total_amount),
            str(version.tech_amount),
            ",".join(sorted(p.uscc for p in version.parties.all())),
        ]
    )
    return salted_hmac("hebi.contracts.certificate", payload).hexdigest()[:12].upper()


def _wan(amount: Decimal) -> str:
    return f"{amount / Decimal(10000):,.2f}"


def _certificate(request: HttpRequest, contract: TechContract) -> dict[str, Any]:
    version = contract.in_force
    if contract.status != TechContract.Status.REGISTERED or version is None:
        raise Http404(_("该合同尚未登记，没有登记证明。"))
    category = version.category
    kind = str(category)
    if version.licence_scope:
        kind = f"{kind}（{version.get_licence_scope_display()}）"
    # Seller first, then intermediaries, then buyers.
    parties = sorted(version.parties.select_related("region"), key=lambda p: p.role, reverse=True)
    url = request.build_absolute_uri(reverse("contracts:certificate", args=[contract.pk]))
    code = verification_code(contract, version)
    local = _("是") if version.is_local else _("否")
    rows = [
        (_("登记编号"), contract.registration_number or ""),
        (
            _("登记日期"),
            timezone.localtime(contract.registered_at).strftime("%Y-%m-%d") if contract.registered_at else "",
        ),
        (_("合同名称"), version.title),
        (_("合同类型"), kind),
        (
            _("合同成交额"),
            _("%(yuan)s 元（%(wan)s 万元）")
            % {"yuan": f"{version.total_amount:,.2f}", "wan": _wan(version.total_amount)},
        ),
        (
            _("技术交易额"),
            _("%(yuan)s 元（%(wan)s 万元）")
            % {"yuan": f"{version.tech_amount:,.2f}", "wan": _wan(version.tech_amount)},
        ),
        (_("签订日期"), version.signed_on.isoformat()),
        (_("履行期限"), f"{version.term_start.isoformat()} — {version.term_end.isoformat()}"),
        (_("本地转化"), f"{local}。{version.local_basis}" if version.local_basis else local),
        (_("生效版本"), _("第 %(n)d 版") % {"n": version.number}),
    ]
    verification = _("核验：核验码 %(code)s。凭登记编号和核验码可在合璧平台（%(url)s）或向登记机构核验。") % {
        "code": code,
        "url": url,
    }
    return {
        "contract": contract,
        "version": version,
        "rows": rows,
        "parties": parties,
        "code": code,
        "verification": verification,
    }


@login_required
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(viewer=request.user, pk=pk)
    try:
        context = _certificate(request, contract)
    except Http404 as missing:
        return render(
            request,
            "contracts/certificate_missing.html",
            {"contract": contract, "message": str(missing)},
            status=404,
        )
    return render(request, "contracts/certificate.html", context)


@login_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(viewer=request.user, pk=pk)
    try:
        context = _certificate(request, contract)
    except Http404 as missing:
        return render(
            request,
            "contracts/certificate_missing.html",
            {"contract": contract, "message": str(missing)},
            status=404,
        )
    data = pdf.CertificateData(
        heading=_("技术合同登记证明"),
        title=context["version"].title,
        reference=contract.registration_number or "",
        rows=context["rows"],
        party_heading=_("合同当事人"),
        party_columns=(_("角色"), _("名称"), _("统一社会信用代码"), _("所在区域")),
        parties=[
            pdf.CertificateParty(
                role=p.get_role_display(), name=p.name, uscc=p.uscc, region=f"{p.region}（{p.region_id}）"
            )
            for p in context["parties"]
        ],
        verification=context["verification"],
    )
    response = HttpResponse(pdf.certificate_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{contract.registration_number}.pdf"'
    return response
