"""Patent pages: an organisation's portfolio, a patent, its stages and feedback, bulk import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hebi.catalog import exports, imports, patent_selectors, patent_services
from hebi.catalog import selectors as catalog_selectors
from hebi.catalog.models import Achievement, Patent, PatentValueIndicator
from hebi.catalog.patent_forms import (
    FeedbackForm,
    ImportUploadForm,
    PatentFilterForm,
    PatentForm,
    TransitionForm,
)
from hebi.catalog.workflow import allowed_targets, status_history
from hebi.core.audit import history_for
from hebi.core.forms import apply_validation_error
from hebi.core.permissions import can_view_private
from hebi.orgs.models import Organisation
from hebi.orgs.selectors import viewer_organisations

PAGE_SIZE = 20
DEMO_DIR = Path(__file__).resolve().parent / "demo_data"
DOWNLOADS = {
    "demo.xlsx": ("jlu_patent_portfolio.xlsx", "吉林大学_专利清单_演示.xlsx"),
    "demo.csv": ("jlu_patent_portfolio.csv", "吉林大学_专利清单_演示_GBK.csv"),
    "template.xlsx": ("patent_import_template.xlsx", "专利导入模板.xlsx"),
    "template.csv": ("patent_import_template.csv", "专利导入模板.csv"),
}
# Multipart framing around the file itself: boundaries, headers and the CSRF token.


# -- the portfolio ------------------------------------------------------------------------------
def _filtered(request: HttpRequest) -> tuple[Organisation | None, PatentFilterForm, QuerySet[Patent]]:
    organisation = (
        patent_selectors.active_organisation(viewer=request.user, pk=request.GET["org"])
        if request.GET.get("org")
        else None
    )
    form = PatentFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    patents = patent_selectors.patent_list(
        viewer=request.user,
        organisation=organisation,
        stage=filters.get("stage", ""),
        legal_status=filters.get("legal_status", ""),
        kind=filters.get("kind", ""),
        query=filters.get("q", ""),
        sort=filters.get("sort", ""),
    )
    return organisation, form, patents


@login_required
def patent_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    _organisation, _form, patents = _filtered(request)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("csv", "xlsx"):
        raise Http404(_("不支持的导出格式。"))
    return exports.response(exports.patent_table(patents), fmt=fmt, filename="hebi-patents")


@login_required
def patent_list(request: HttpRequest) -> HttpResponse:
    organisation, form, patents = _filtered(request)
    page = Paginator(patents, PAGE_SIZE).get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    editable = [
        o
        for o in viewer_organisations(viewer=request.user)
        if patent_services.can_edit_patents(request.user, o)
    ]
    return render(
        request,
        "catalog/patents/list.html",
        {
            "organisation": organisation,
            "form": form,
            "page": page,
            "querystring": query_without_page.urlencode(),
            "can_edit": organisation is not None
            and patent_services.can_edit_patents(request.user, organisation),
            "editable_orgs": editable,
            "jobs": patent_selectors.import_jobs_recent(viewer=request.user, organisation=organisation)
            if organisation is not None
            else None,
        },
    )


def _organisation_to_edit(request: HttpRequest) -> Any:
    organisation = patent_selectors.active_organisation(viewer=request.user, pk=request.GET.get("org"))
    patent_services.require_edit_patents(request.user, organisation)
    return organisation


def _patent_data(cleaned: dict[str, Any]) -> dict[str, Any]:
    data = dict(cleaned)
    data["publication_number"] = data.get("publication_number") or ""
    data["abstract"] = data.get("abstract") or ""
    return data


@login_required
def patent_create(request: HttpRequest) -> HttpResponse:
    organisation = _organisation_to_edit(request)
    form = PatentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patent = patent_services.patent_create(
                actor=request.user, organisation=organisation, **_patent_data(form.cleaned_data)
            )
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("专利已登记。"))
            return redirect("patents:detail", pk=patent.pk)
    return render(
        request, "catalog/patents/form.html", {"form": form, "organisation": organisation, "patent": None}
    )


@login_required
def patent_edit(request: HttpRequest, pk: int) -> HttpResponse:
    patent = patent_selectors.patent_get(viewer=request.user, pk=pk)
    patent_services.require_edit_patents(request.user, patent.owner)
    form = PatentForm(request.POST or None, initial=PatentForm.initial_for(patent))
    if request.method == "POST" and form.is_valid():
        try:
            changes = patent_services.patent_update(
                actor=request.user, patent=patent, **_patent_data(form.cleaned_data)
            )
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("已保存修改。") if changes else _("没有需要保存的修改。"))
            return redirect("patents:detail", pk=patent.pk)
    return render(
        request, "catalog/patents/form.html", {"form": form, "organisation": patent.owner, "patent": patent}
    )


@login_required
def patent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patent = patent_selectors.patent_get(viewer=request.user, pk=pk)
    can_edit = patent_services.can_edit_patents(request.user, patent.owner)
    private = can_edit or can_view_private(request.user, patent.owner)
    enterprises = patent_selectors.feedback_organisations(viewer=request.user)
    can_feedback = patent.stage in patent_services.FEEDBACK_STAGES and enterprises.exists()
    stages = dict(Patent.Stage.choices)
    return render(
        request,
        "catalog/patents/detail.html",
        {
            "patent": patent,
            "can_edit": can_edit,
            "targets": [(t, Patent.Stage(t).label) for t in allowed_targets(patent, "stage")]
            if can_edit
            else [],
            "transition_form": TransitionForm(),
            "tiers": Patent.Tier.choices,
            "score_table": _score_table(patent),
            "feedback": patent_selectors.feedback_visible(viewer=request.user, patent=patent),
            "feedback_form": FeedbackForm(organisations=enterprises) if can_feedback else None,
            "flow": [(v, label) for v, label in Patent.Stage.choices if v != Patent.Stage.SET_ASIDE],
            "status_history": None
            if not private
            else [
                (
                    change,
                    stages.get(change.from_status, change.from_status or "—"),
                    stages.get(change.to_status),
                )
                for change in status_history(patent)[:50]
            ],
            "history": history_for(patent)[:50] if private else None,
            "linked_results": catalog_selectors.visible(Achievement, viewer=request.user).filter(
                patents=patent
            ),
        },
    )


def _score_table(patent: Patent) -> list[tuple[str, Any, list[dict[str, Any]]]]:
    labels = {"legal": _("法律价值"), "technical": _("技术价值"), "economic": _("经济价值")}
    # Indicator names in the reader's language, from the current reference table.
    names = {i.code: str(i) for i in PatentValueIndicator.objects.all()}
    parts = [
        {**part, "name": names.get(part.get("code"), part.get("name"))} for part in patent.score_parts or []
    ]
    return [
        (
            labels[code],
            getattr(patent, f"score_{code}"),
            [part for part in parts if part.get("dimension") == code],
        )
        for code in ("legal", "technical", "economic")
    ]


@login_required
@require_POST
def patent_transition(request: HttpRequest, pk: int) -> HttpResponse:
    patent = patent_selectors.patent_get(viewer=request.user, pk=pk)
    patent_services.require_edit_patents(request.user, patent.owner)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择要变更的阶段。"))
    else:
        try:
            patent_services.patent_transition(
                actor=request.user,
                patent=patent,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
                tier=form.cleaned_data["tier"] or None,
            )
        except ValidationError as error:
            apply_validation_error(request, error)
        else:
            messages.success(
                request, _("已变更为“%(stage)s”。") % {"stage": Patent.Stage(form.cleaned_data["to"]).label}
            )
    return redirect("patents:detail", pk=patent.pk)


@login_required
@require_POST
def patent_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    patent = patent_selectors.patent_get(viewer=request.user, pk=pk)
    enterprises = patent_selectors.feedback_organisations(viewer=request.user)
    if not enterprises.exists():
        raise PermissionDenied(_("只有企业用户可以提交市场评价反馈。"))
    form = FeedbackForm(request.POST, organisations=enterprises)
    if not form.is_valid():
        messages.error(request, _("请选择反馈企业和意向。"))
    else:
        try:
            patent_services.patent_feedback_record(actor=request.user, patent=patent, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(request, error)
        else:
            messages.success(request, _("反馈已提交，谢谢。"))
    return redirect("patents:detail", pk=patent.pk)


# -- bulk import ------------------------------------------------------------------------------
@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    # An oversized body never gets here: RequestSizeLimitMiddleware answers 413 before the CSRF
    # check or the form parser reads it.
    organisation = _organisation_to_edit(request)
    limit = settings.HEBI_MAX_IMPORT_BYTES
    context: dict[str, Any] = {
        "organisation": organisation,
        "limit_mb": limit // (1024 * 1024),
        "columns": imports.COLUMNS,
        "jobs": patent_selectors.import_jobs_recent(viewer=request.user, organisation=organisation),
    }
    form = ImportUploadForm(request.POST or None, request.FILES or None, max_bytes=limit)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_start(
                actor=request.user, organisation=organisation, uploaded_file=form.cleaned_data["file"]
            )
        except ValidationError as error:
            form.add_error("file", " ".join(error.messages))
        else:
            return redirect("patents:import-job", pk=job.pk)
    return render(request, "catalog/patents/import.html", {**context, "form": form})


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = patent_selectors.import_job_get(viewer=request.user, pk=pk)
    preview = job.preview if isinstance(job.preview, dict) else {}
    return render(
        request,
        "catalog/patents/import_job.html",
        {
            "job": job,
            "organisation": job.organisation,
            "finished": job.status in imports.FINISHED_STATUSES,
            "preview_rows": preview.get("rows", []),
            "plan": preview.get("plan", {}),
            "notices": preview.get("notices", []),
            "more_errors": max(0, job.error_count - len(job.errors)),
            "invalid_rows": max(0, job.total_rows - job.valid_rows),
            "progress": imports.job_progress(job),
        },
    )


@login_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    job = patent_selectors.import_job_get(viewer=request.user, pk=pk)
    response = JsonResponse(imports.job_progress(job))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    job = patent_selectors.import_job_get(viewer=request.user, pk=pk)
    try:
        imports.import_queue_commit(
            actor=request.user, job=job, valid_only=request.POST.get("valid_only") == "1"
        )
    except ValidationError as error:
        apply_validation_error(request, error)
    return redirect("patents:import-job", pk=job.pk)


@login_required
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = patent_selectors.import_job_get(viewer=request.user, pk=pk)
    try:
        imports.import_cancel(actor=request.user, job=job)
    except ValidationError as error:
        apply_validation_error(request, error)
        return redirect("patents:import-job", pk=job.pk)
    messages.success(request, _("已取消导入，未写入任何数据。"))
    return redirect(f"{reverse('patents:import')}?org={job.organisation_id}")


@login_required
def import_download(request: HttpRequest, name: str) -> FileResponse:
    if name not in DOWNLOADS:
        raise Http404(_("没有找到该文件。"))
    stored, shown = DOWNLOADS[name]
    return FileResponse((DEMO_DIR / stored).open("rb"), as_attachment=True, filename=shown)
