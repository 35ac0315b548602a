"""Halls, detail pages, workspaces and forms for research results and needs.

Both kinds share one set of views, told apart by a `Kind` descriptor: same permissions,
same flow, no near-copies.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hebi.catalog import exports, selectors, services
from hebi.catalog.forms import (
    AccessRequestForm,
    AttachmentForm,
    HallFilterForm,
    IndicatorFormSet,
    TransitionForm,
)
from hebi.catalog.kinds import ACHIEVEMENT, KINDS, NEED, Kind
from hebi.catalog.models import (
    AccessGrant,
    Achievement,
    Attachment,
    ReadinessLevel,
    TechField,
)
from hebi.catalog.search.text import highlight
from hebi.catalog.workflow import labelled_targets, status_history
from hebi.core.audit import history_for
from hebi.core.converters import parse_id
from hebi.core.forms import apply_validation_error
from hebi.core.paging import querystring as _querystring
from hebi.core.permissions import can_contribute, contributes_somewhere, is_platform_admin, roles_by_org
from hebi.matching.views import match_sections
from hebi.orgs.models import Organisation
from hebi.orgs.selectors import viewer_organisations

PAGE_SIZE = 20


def _errors_as_messages(request: HttpRequest, form: Any) -> None:
    """A small form posted from a detail page reports its errors on the page it returns to."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _filters(form: HallFilterForm) -> selectors.HallFilters:
    # An invalid field is dropped (and shown on the form); the valid ones still apply.
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    return selectors.HallFilters(
        q=(data.get("q") or "").strip()[:200],
        field=data["field"].code if data.get("field") else "",
        trl_min=data.get("trl_min"),
        trl_max=data.get("trl_max"),
        mode=data.get("mode") or "",
        region=data["region"].code if data.get("region") else "",
        org_kind=data.get("org_kind") or "",
        money=data.get("money") or "",
        deadline=data.get("deadline") or "",
        sort=data.get("sort") or "",
    )


def _hall(request: HttpRequest, kind: Kind) -> HttpResponse:
    form = HallFilterForm(request.GET or None, kind=kind.slug)
    filters = _filters(form)
    result = selectors.hall(kind.model, viewer=request.user, filters=filters)
    page = Paginator(result.queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "record": record,
            "title": highlight(record.title, result.query),
            "snippet": highlight(
                record.summary if kind is ACHIEVEMENT else record.description, result.query, max_length=160
            ),
        }
        for record in page.object_list
    ]
    fields = [(f, result.facet_counts.get(f.code, 0)) for f in TechField.objects.all()]
    contribute_orgs = [
        o for o in viewer_organisations(viewer=request.user) if can_contribute(request.user, o)
    ]
    return render(
        request,
        "catalog/hall.html",
        {
            "kind": kind,
            "form": form,
            "page": page,
            "rows": rows,
            "fields": fields,
            "filters": filters,
            "broadened": result.broadened,
            "querystring": _querystring(request),
            "facet_querystring": _querystring(request, drop=("page", "field")),
            "contribute_orgs": contribute_orgs,
        },
    )


def achievement_hall(request: HttpRequest) -> HttpResponse:
    return _hall(request, ACHIEVEMENT)


def need_hall(request: HttpRequest) -> HttpResponse:
    return _hall(request, NEED)


def _export(request: HttpRequest, kind: Kind) -> HttpResponse | StreamingHttpResponse:
    form = HallFilterForm(request.GET or None, kind=kind.slug)
    base = None
    owner = request.GET.get("owner")
    if owner:
        organisation = _workspace_org(request, owner)
        base = kind.model.objects.filter(owner=organisation)
    result = selectors.hall(kind.model, viewer=request.user, filters=_filters(form), base=base)
    status = request.GET.get("status")
    queryset = result.queryset.filter(status=status) if base is not None and status else result.queryset
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("csv", "xlsx"):
        raise Http404(_("不支持的导出格式。"))
    table = exports.achievement_table(queryset) if kind is ACHIEVEMENT else exports.need_table(queryset)
    return exports.response(table, fmt=fmt, filename=f"hebi-{kind.slug}s")


@login_required
def achievement_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _export(request, ACHIEVEMENT)


@login_required
def need_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    return _export(request, NEED)


# -- detail ------------------------------------------------------------------------------------
def _access_form(organisations: Any) -> AccessRequestForm | None:
    if organisations is None:
        return None
    choices = list(organisations[:2])
    if not choices:
        return None
    initial = {"organisation": choices[0]} if len(choices) == 1 else {}
    return AccessRequestForm(organisations=organisations, initial=initial)


def _detail(request: HttpRequest, kind: Kind, pk: int) -> HttpResponse:
    subject = kind.get(viewer=request.user, pk=pk)
    owner_member = selectors.is_owner_member(request.user, subject)
    protected = selectors.can_see_protected(request.user, subject)
    all_attachments = list(subject.attachments.all())
    attachments = [a for a in all_attachments if protected or not a.confidential]
    my_orgs = (
        viewer_organisations(viewer=request.user).exclude(pk=subject.owner_id)
        if request.user.is_authenticated
        else None
    )
    context: dict[str, Any] = {
        "kind": kind,
        "subject": subject,
        "can_edit": request.user.is_authenticated and can_contribute(request.user, subject.owner),
        "can_record_engagement": contributes_somewhere(request.user),
        "owner_member": owner_member,
        "protected": protected,
        "attachments": attachments,
        "hidden_attachments": len(all_attachments) - len(attachments),
        "targets": labelled_targets(subject),
        "status_history": status_history(subject)[:50] if owner_member else None,
        "history": history_for(subject)[:50] if owner_member else None,
        "grants": selectors.access_grants_for(viewer=request.user, subject=subject)
        if request.user.is_authenticated
        else [],
        "access_form": _access_form(my_orgs),
        "undertaking": services.CONFIDENTIALITY_UNDERTAKING,
        "attachment_form": AttachmentForm(),
        "trl": ReadinessLevel.objects.filter(
            level=getattr(subject, "trl", None) or getattr(subject, "min_trl", None) or 0
        ).first(),
    }
    if kind is NEED:
        context["indicators"] = subject.indicators.all()
    else:
        context["team"] = subject.team.all()
        context["patents"] = subject.patents.all()
    context["matching"] = match_sections(request, subject)
    return render(request, "catalog/detail.html", context)


def achievement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, ACHIEVEMENT, pk)


def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, NEED, pk)


# -- create and edit ----------------------------------------------------------------------------
def _owner_for_new(request: HttpRequest) -> Organisation:
    """The organisation a new record belongs to: ?org=, else the viewer's only organisation."""
    orgs = [o for o in viewer_organisations(viewer=request.user) if can_contribute(request.user, o)]
    wanted = request.GET.get("org") or request.POST.get("org")
    if wanted:
        for org in orgs:
            if str(org.pk) == wanted:
                return org
        # Another organisation's id: not the viewer's to write for.
        get_object_or_404(Organisation, pk=parse_id(wanted) or 0)
        raise PermissionDenied(_("只有本机构成员或平台管理员可以执行此操作。"))
    if len(orgs) == 1:
        return orgs[0]
    if not orgs:
        raise PermissionDenied(_("您不属于任何可登记成果或需求的机构。"))
    raise Http404(_("请选择机构。"))


def _indicator_rows(formset: Any) -> list[dict[str, Any]]:
    return [f.cleaned_data for f in formset.forms if f.cleaned_data]


def _save(request: HttpRequest, kind: Kind, *, subject: Any | None, owner: Organisation) -> HttpResponse:
    form_kwargs: dict[str, Any] = {"owner": owner} if kind is ACHIEVEMENT else {}
    form = kind.form(request.POST or None, instance=subject, **form_kwargs)
    formset = None
    if kind is NEED:
        initial = (
            [{"name": i.name, "target": i.target, "unit": i.unit} for i in subject.indicators.all()]
            if subject
            else []
        )
        formset = IndicatorFormSet(request.POST or None, initial=initial, prefix="ind")
    if request.method == "POST" and form.is_valid() and (formset is None or formset.is_valid()):
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("team", "patent_numbers")}
        extra: dict[str, Any] = {}
        if kind is ACHIEVEMENT:
            extra = {"team": form.cleaned_data["team"], "patents": form.cleaned_data["patent_numbers"]}
        else:
            extra = {"indicators": _indicator_rows(formset)}
        try:
            if subject is None:
                subject = kind.create(actor=request.user, owner=owner, **data, **extra)
                messages.success(request, _("已保存为草稿。检查无误后可以发布。"))
            else:
                changes = kind.update(actor=request.user, subject=subject, **data, **extra)
                messages.success(request, _("已保存修改。") if changes else _("没有需要保存的修改。"))
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            return redirect(f"catalog:{kind.slug}-detail", pk=subject.pk)
    return render(
        request,
        "catalog/form.html",
        {"kind": kind, "form": form, "formset": formset, "subject": subject, "owner": owner},
    )


@login_required
def achievement_create(request: HttpRequest) -> HttpResponse:
    return _save(request, ACHIEVEMENT, subject=None, owner=_owner_for_new(request))


@login_required
def need_create(request: HttpRequest) -> HttpResponse:
    return _save(request, NEED, subject=None, owner=_owner_for_new(request))


def _editable(request: HttpRequest, kind: Kind, pk: int) -> Any:
    subject = kind.get(viewer=request.user, pk=pk)
    if not can_contribute(request.user, subject.owner):
        raise PermissionDenied(_("只有本机构成员或平台管理员可以修改。"))
    return subject


@login_required
def achievement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    subject = _editable(request, ACHIEVEMENT, pk)
    return _save(request, ACHIEVEMENT, subject=subject, owner=subject.owner)


@login_required
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    subject = _editable(request, NEED, pk)
    return _save(request, NEED, subject=subject, owner=subject.owner)


@login_required
@require_POST
def transition(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    spec = KINDS[kind]
    subject = _editable(request, spec, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请求无效。"))
    else:
        try:
            spec.move(
                actor=request.user,
                subject=subject,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_validation_error(request, error)
        else:
            subject.refresh_from_db()
            messages.success(request, _("状态已变更为：%(s)s") % {"s": subject.get_status_display()})
    return redirect(f"catalog:{kind}-detail", pk=pk)


# -- attachments -------------------------------------------------------------------------------
@login_required
@require_POST
def attachment_upload(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    spec = KINDS[kind]
    subject = _editable(request, spec, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        _errors_as_messages(request, form)
    else:
        try:
            services.attachment_add(
                actor=request.user,
                subject=subject,
                uploaded=form.cleaned_data["file"],
                confidential=form.cleaned_data["confidential"],
            )
        except ValidationError as error:
            apply_validation_error(request, error)
        else:
            messages.success(request, _("附件已上传。"))
    return redirect(f"catalog:{kind}-detail", pk=pk)


def _attachment(request: HttpRequest, pk: int) -> tuple[Attachment, Any]:
    attachment = get_object_or_404(Attachment.objects.select_related("achievement", "need"), pk=pk)
    kind = ACHIEVEMENT if attachment.achievement_id else NEED
    subject = kind.get(viewer=request.user, pk=attachment.achievement_id or attachment.need_id)
    if attachment.confidential and not selectors.can_see_protected(request.user, subject):
        raise Http404(_("没有找到该附件。"))
    return attachment, subject


def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment, _subject = _attachment(request, pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment, subject = _attachment(request, pk)
    kind = "achievement" if isinstance(subject, Achievement) else "need"
    try:
        services.attachment_remove(actor=request.user, attachment=attachment)
    except ValidationError as error:
        apply_validation_error(request, error)
    else:
        messages.success(request, _("附件已删除。"))
    return redirect(f"catalog:{kind}-detail", pk=subject.pk)


# -- confidential access -----------------------------------------------------------------------
@login_required
@require_POST
def access_request(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    spec = KINDS[kind]
    subject = spec.get(viewer=request.user, pk=pk)
    organisations = viewer_organisations(viewer=request.user).exclude(pk=subject.owner_id)
    form = AccessRequestForm(request.POST, organisations=organisations)
    if not form.is_valid():
        _errors_as_messages(request, form)
    else:
        try:
            services.access_request(
                actor=request.user,
                subject=subject,
                organisation=form.cleaned_data["organisation"],
                accepted=form.cleaned_data["accepted"],
                purpose=form.cleaned_data["purpose"],
            )
        except ValidationError as error:
            apply_validation_error(request, error)
        else:
            messages.success(request, _("已签署保密承诺并提交申请，等待权利人审批。"))
    return redirect(f"catalog:{kind}-detail", pk=pk)


@login_required
@require_POST
def access_decide(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_object_or_404(AccessGrant.objects.select_related("achievement", "need"), pk=pk)
    subject = grant.achievement or grant.need
    assert subject is not None
    if subject.owner_id not in roles_by_org(request.user) and not is_platform_admin(request.user):
        raise Http404(_("没有找到该申请。"))
    try:
        services.access_decide(actor=request.user, grant=grant, decision=request.POST.get("decision", ""))
    except ValidationError as error:
        apply_validation_error(request, error)
    else:
        messages.success(request, _("已处理保密信息申请。"))
    kind = "achievement" if grant.achievement_id else "need"
    return redirect(f"catalog:{kind}-detail", pk=subject.pk)


# -- workspace ---------------------------------------------------------------------------------
def _workspace_org(request: HttpRequest, org_id: Any) -> Organisation:
    organisation = get_object_or_404(Organisation, pk=parse_id(org_id) or 0, is_active=True)
    if organisation.pk not in roles_by_org(request.user) and not is_platform_admin(request.user):
        raise Http404(_("没有找到该页面。"))
    return organisation


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    orgs = list(viewer_organisations(viewer=request.user))
    if len(orgs) == 1:
        return redirect("catalog:workspace-org", org_id=orgs[0].pk)
    return render(request, "catalog/workspace_pick.html", {"orgs": orgs})


@login_required
def workspace_org(request: HttpRequest, org_id: int) -> HttpResponse:
    organisation = _workspace_org(request, org_id)
    tab = request.GET.get("tab", "achievement")
    kind = KINDS.get(tab, ACHIEVEMENT)
    status = request.GET.get("status", "")
    filters = selectors.HallFilters(q=(request.GET.get("q") or "").strip()[:200], status=status)
    base = kind.model.objects.filter(owner=organisation)
    result = selectors.hall(kind.model, viewer=request.user, filters=filters, base=base)
    page = Paginator(result.queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.workspace_counts(kind.model, viewer=request.user, organisation_id=organisation.pk)
    statuses = [(value, label, counts.get(value, 0)) for value, label in kind.model.Status.choices]
    return render(
        request,
        "catalog/workspace.html",
        {
            "organisation": organisation,
            "kind": kind,
            "tab": kind.slug,
            "page": page,
            "status": status,
            "statuses": statuses,
            "q": filters.q,
            "querystring": _querystring(request),
            "can_contribute": can_contribute(request.user, organisation),
            "export_query": f"owner={organisation.pk}&status={status}",
            "new_url": reverse(f"catalog:{kind.slug}-create") + f"?org={organisation.pk}",
        },
    )
