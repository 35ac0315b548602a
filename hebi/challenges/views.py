"""Pages of challenge calls (揭榜挂帅): the hall, the call with its public Q&A, drafting and the
secretariat's approval, and the applications (揭榜) with their attachments."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hebi.catalog.workflow import labelled_history
from hebi.challenges import application_services, permissions, selectors, services
from hebi.challenges.forms import (
    AnswerForm,
    ApplicationForm,
    ApplicationMilestoneFormSet,
    AttachmentForm,
    ChallengeForm,
    HallFilterForm,
    IndicatorFormSet,
    MemberFormSet,
    QuestionForm,
    ReasonForm,
    RequiredMilestoneFormSet,
    application_initial,
    challenge_initial,
    member_choices,
    rows,
)
from hebi.challenges.models import Application, ApplicationAttachment, Challenge
from hebi.core.forms import apply_validation_error
from hebi.core.paging import querystring as _querystring
from hebi.core.permissions import can_contribute
from hebi.orgs.models import Organisation
from hebi.orgs.selectors import viewer_organisations

PAGE_SIZE = 20
# Errors of the row tables (formsets) are shown above each table, not on the main form.
ROW_FIELDS = ("indicators", "milestones", "members")


def _split_errors(error: ValidationError) -> tuple[dict[str, list[str]], ValidationError | None]:
    if not hasattr(error, "error_dict"):
        return {}, error
    found = error.message_dict
    boxes = {k: v for k, v in found.items() if k in ROW_FIELDS}
    rest = {k: v for k, v in found.items() if k not in ROW_FIELDS}
    return boxes, ValidationError(rest) if rest else None


def _show_errors(request: HttpRequest, error: ValidationError, form: Any) -> dict[str, list[str]]:
    boxes, rest = _split_errors(error)
    if rest is not None:
        apply_validation_error(request, rest, form)
    elif boxes:
        messages.error(request, _("请修正下面标出的错误。"))
    return boxes


def _errors_as_messages(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _page(request: HttpRequest, qs: Any, param: str = "page") -> Page:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get(param))


def _mark_days(challenges: Any) -> None:
    today = timezone.localdate()
    for challenge in challenges:
        challenge.days_left = (challenge.deadline - today).days
        challenge.is_open = services.is_open(challenge, today)


# -- the hall and the lists -------------------------------------------------------------------------
def hall(request: HttpRequest) -> HttpResponse:
    form = HallFilterForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    field = data.get("field")
    filters = selectors.HallFilters(
        q=(data.get("q") or "").strip(),
        field=field.pk if field is not None else "",
        state=data.get("state") or "",
        issuer_kind=data.get("issuer_kind") or "",
    )
    page = _page(request, selectors.challenge_hall(filters=filters))
    _mark_days(page.object_list)
    return render(
        request,
        "challenges/hall.html",
        {
            "form": form,
            "page": page,
            "querystring": _querystring(request),
            "filtered": any((filters.q, filters.field, filters.state, filters.issuer_kind)),
            "can_issue": bool(permissions.issuing_organisations(request.user)),
            "is_secretariat": permissions.is_secretariat(request.user),
        },
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    challenges = _page(request, selectors.challenges_mine(viewer=request.user), "c")
    _mark_days(challenges.object_list)
    return render(
        request,
        "challenges/mine.html",
        {
            "challenges": challenges,
            "applications": _page(request, selectors.applications_mine(viewer=request.user), "a"),
            "can_issue": bool(permissions.issuing_organisations(request.user)),
        },
    )


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    permissions.require_secretariat(request.user)
    lists = selectors.secretariat_queue()
    closed = _page(request, lists["closed"], "c")
    _mark_days(closed.object_list)
    return render(
        request,
        "challenges/queue.html",
        {"pending": _page(request, lists["pending"], "p"), "closed": closed},
    )


# -- drafting a challenge ---------------------------------------------------------------------------
def _challenge_formsets(request: HttpRequest, challenge: Challenge | None) -> tuple[Any, Any]:
    if request.method == "POST":
        return (
            IndicatorFormSet(request.POST, prefix="indicators"),
            RequiredMilestoneFormSet(request.POST, prefix="milestones"),
        )
    if challenge is None:
        return IndicatorFormSet(prefix="indicators"), RequiredMilestoneFormSet(prefix="milestones")
    return (
        IndicatorFormSet(
            prefix="indicators",
            initial=[
                {"name": i.name, "target": i.target, "unit": i.unit} for i in challenge.indicators.all()
            ],
        ),
        RequiredMilestoneFormSet(
            prefix="milestones",
            initial=[
                {"title": m.title, "month": m.month, "deliverable": m.deliverable}
                for m in challenge.milestones.all()
            ],
        ),
    )


def _save_challenge(request: HttpRequest, challenge: Challenge | None) -> HttpResponse:
    issuers = permissions.issuing_organisations(request.user) if challenge is None else []
    if challenge is None and not issuers:
        raise PermissionDenied(_("只有企业或政府部门的成员可以发榜。"))
    form = ChallengeForm(
        request.POST or None,
        issuers=issuers,
        challenge=challenge,
        initial=challenge_initial(challenge) if challenge else {},
    )
    indicators, milestones = _challenge_formsets(request, challenge)
    boxes: dict[str, list[str]] = {}
    if request.method == "POST":
        if form.is_valid() and indicators.is_valid() and milestones.is_valid():
            try:
                if challenge is None:
                    challenge = services.challenge_create(
                        actor=request.user,
                        issuer=form.cleaned_data["issuer"],
                        indicators=rows(indicators),
                        milestones=rows(milestones),
                        **form.content(),
                    )
                    messages.success(request, _("榜单已保存为草稿。检查无误后请提交审核。"))
                else:
                    changes = services.challenge_update(
                        actor=request.user,
                        challenge=challenge,
                        indicators=rows(indicators),
                        milestones=rows(milestones),
                        **form.content(),
                    )
                    messages.success(request, _("已保存修改。") if changes else _("没有需要保存的修改。"))
            except ValidationError as error:
                boxes = _show_errors(request, error, form)
            else:
                return redirect("challenges:detail", pk=challenge.pk)
        else:
            messages.error(request, _("请修正下面标出的错误。"))
    return render(
        request,
        "challenges/challenge_form.html",
        {
            "form": form,
            "indicators": indicators,
            "milestones": milestones,
            "challenge": challenge,
            "indicator_errors": boxes.get("indicators", []),
            "milestone_errors": boxes.get("milestones", []),
        },
    )


@login_required
def challenge_create(request: HttpRequest) -> HttpResponse:
    return _save_challenge(request, None)


@login_required
def challenge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.challenge_get(viewer=request.user, pk=pk)
    permissions.require_edit_challenge(request.user, challenge)
    if not permissions.can_edit_challenge(request.user, challenge):
        messages.error(request, _("只有草稿或退回修改的榜单可以编辑。"))
        return redirect("challenges:detail", pk=pk)
    return _save_challenge(request, challenge)


# -- the challenge page -----------------------------------------------------------------------------
def challenge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.challenge_get(viewer=request.user, pk=pk)
    user = request.user
    today = timezone.localdate()
    open_now = services.is_open(challenge, today)
    secretariat = permissions.is_secretariat(user)
    insider = secretariat or permissions.is_issuer_member(user, challenge)
    editable = permissions.can_edit_challenge(user, challenge)
    status = challenge.status
    S = Challenge.Status
    signed_in = user.is_authenticated
    can_apply, my_application = False, None
    if signed_in and open_now:
        free, live = _free_leads(request, challenge)
        can_apply = any(o.pk != challenge.issuer_id for o in free)
        # Every organisation the user could lead for has applied: show that application instead.
        my_application = live[0] if live and not can_apply else None
    return render(
        request,
        "challenges/challenge_detail.html",
        {
            "challenge": challenge,
            "indicators": list(challenge.indicators.all()),
            "milestones": list(challenge.milestones.all()),
            "criteria": list(challenge.rubric.criteria.all()),
            "days_left": (challenge.deadline - today).days,
            "is_open": open_now,
            "questions": list(selectors.questions_visible(viewer=user, challenge=challenge)),
            "can_ask": signed_in and open_now,
            "can_answer": signed_in and permissions.can_answer_questions(user, challenge),
            "question_form": QuestionForm(),
            "answer_form": AnswerForm(),
            "reason_form": ReasonForm(),
            "can_edit": editable,
            "can_submit": editable,
            "can_approve": secretariat and status == S.PENDING,
            "can_cancel_published": secretariat and status in (S.PUBLISHED, S.REVIEWING),
            "can_start_review": secretariat and status == S.PUBLISHED and today > challenge.deadline,
            "can_apply": can_apply,
            "my_application": my_application,
            "applications": list(selectors.challenge_applications(viewer=user, challenge=challenge))
            if signed_in
            else [],
            "show_applications": insider,
            "status_history": labelled_history(challenge) if insider else None,
        },
    )


def _lead_choices(request: HttpRequest) -> list[Organisation]:
    return [o for o in viewer_organisations(viewer=request.user) if can_contribute(request.user, o)]


def _free_leads(request: HttpRequest, challenge: Challenge) -> tuple[list[Organisation], list[Application]]:
    """The organisations the user may still apply for (no live application to this call yet),
    and the live applications of the others."""
    leads = _lead_choices(request)
    live = selectors.live_applications(challenge=challenge, leads=leads)
    taken = {a.lead_id for a in live}
    return [o for o in leads if o.pk not in taken], live


def _act(request: HttpRequest, pk: int, run: Any, done: str) -> HttpResponse:
    challenge = selectors.challenge_get(viewer=request.user, pk=pk)
    try:
        run(challenge)
    except ValidationError as error:
        apply_validation_error(request, error)
    else:
        messages.success(request, done)
    return redirect("challenges:detail", pk=pk)


def _reason(request: HttpRequest) -> str:
    form = ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


@login_required
@require_POST
def challenge_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda c: services.challenge_submit(actor=request.user, challenge=c),
        _("已提交委员会秘书处审核。"),
    )


@login_required
@require_POST
def challenge_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda c: services.challenge_approve(actor=request.user, challenge=c, note=_reason(request)),
        _("榜单已发布到揭榜大厅。"),
    )


@login_required
@require_POST
def challenge_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda c: services.challenge_return(actor=request.user, challenge=c, reason=_reason(request)),
        _("榜单已退回发榜单位修改。"),
    )


@login_required
@require_POST
def challenge_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda c: services.challenge_cancel(actor=request.user, challenge=c, reason=_reason(request)),
        _("榜单已撤销。"),
    )


@login_required
@require_POST
def challenge_start_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda c: services.challenge_start_review(actor=request.user, challenge=c),
        _("榜单已进入评审阶段，可以组建评审专家组。"),
    )


# -- questions --------------------------------------------------------------------------------------
@login_required
@require_POST
def question_ask(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.challenge_get(viewer=request.user, pk=pk)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        _errors_as_messages(request, form)
    else:
        try:
            services.question_ask(
                actor=request.user, challenge=challenge, question=form.cleaned_data["question"]
            )
        except ValidationError as error:
            apply_validation_error(request, error)
        else:
            messages.success(request, _("问题已提交，答复后将公开显示。"))
    return redirect(f"{challenge_url(pk)}#questions")


@login_required
@require_POST
def question_answer(request: HttpRequest, pk: int) -> HttpResponse:
    question = selectors.question_get(viewer=request.user, pk=pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        _errors_as_messages(request, form)
    else:
        try:
            services.question_answer(
                actor=request.user, question=question, answer=form.cleaned_data["answer"]
            )
        except ValidationError as error:
            apply_validation_error(request, error)
        else:
            messages.success(request, _("答复已公开。"))
    return redirect(f"{challenge_url(question.challenge_id)}#questions")


def challenge_url(pk: int) -> str:
    return reverse("challenges:detail", args=[pk])


# -- applications -----------------------------------------------------------------------------------
def _application_formsets(
    request: HttpRequest,
    choices: dict[str, Any],
    application: Application | None,
    first_member: dict[str, Any],
) -> tuple[Any, Any]:
    if request.method == "POST":
        return (
            MemberFormSet(request.POST, prefix="members", form_kwargs=choices),
            ApplicationMilestoneFormSet(request.POST, prefix="milestones"),
        )
    if application is None:
        return (
            MemberFormSet(prefix="members", form_kwargs=choices, initial=[first_member]),
            ApplicationMilestoneFormSet(prefix="milestones"),
        )
    return (
        MemberFormSet(
            prefix="members",
            form_kwargs=choices,
            initial=[
                {"name": m.name, "organisation": m.organisation_id, "role": m.role, "user": m.user_id}
                for m in application.members.all()
            ],
        ),
        ApplicationMilestoneFormSet(
            prefix="milestones",
            initial=[
                {"title": m.title, "month": m.month, "deliverable": m.deliverable, "amount": m.amount}
                for m in application.milestones.all()
            ],
        ),
    )


def _save_application(
    request: HttpRequest,
    challenge: Challenge,
    application: Application | None,
    leads: list[Organisation] | None = None,
) -> HttpResponse:
    leads = leads or []
    if application is None:
        choices = member_choices(lead_ids=[o.pk for o in leads])
        user = request.user
        # The same name the account goes by: the service refuses a row whose name and account differ.
        first = {
            "name": (user.get_full_name() if user.is_authenticated else "") or user.get_username(),
            "organisation": leads[0].pk if leads else None,
            "user": request.user.pk,
            "role": _("项目负责人"),
        }
    else:
        choices = member_choices(
            lead_ids=[application.lead_id], partner_ids=application.partners.values_list("pk", flat=True)
        )
        first = {}
    form = ApplicationForm(
        request.POST or None,
        leads=leads,
        application=application,
        initial=application_initial(application) if application else {},
    )
    members, milestones = _application_formsets(request, choices, application, first)
    boxes: dict[str, list[str]] = {}
    if request.method == "POST":
        if form.is_valid() and members.is_valid() and milestones.is_valid():
            try:
                if application is None:
                    application = application_services.application_create(
                        actor=request.user,
                        challenge=challenge,
                        lead=form.cleaned_data["lead"],
                        partners=form.cleaned_data["partners"],
                        members=rows(members),
                        milestones=rows(milestones),
                        **form.content(),
                    )
                    messages.success(
                        request, _("申报已保存为草稿。可以上传附件，检查无误后请在截止日期前提交。")
                    )
                else:
                    changes = application_services.application_update(
                        actor=request.user,
                        application=application,
                        partners=form.cleaned_data["partners"],
                        members=rows(members),
                        milestones=rows(milestones),
                        **form.content(),
                    )
                    messages.success(request, _("已保存修改。") if changes else _("没有需要保存的修改。"))
            except ValidationError as error:
                boxes = _show_errors(request, error, form)
            else:
                return redirect("challenges:application-detail", pk=application.pk)
        else:
            messages.error(request, _("请修正下面标出的错误。"))
    return render(
        request,
        "challenges/application_form.html",
        {
            "challenge": challenge,
            "application": application,
            "form": form,
            "members": members,
            "milestones": milestones,
            "member_errors": boxes.get("members", []),
            "milestone_errors": boxes.get("milestones", []),
            "days_left": (challenge.deadline - timezone.localdate()).days,
        },
    )


@login_required
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.challenge_get(viewer=request.user, pk=pk)
    if not _lead_choices(request):
        raise PermissionDenied(_("只有高校、科研院所或企业的成员可以揭榜。"))
    if not services.is_open(challenge):
        messages.error(
            request,
            _("揭榜截止日期已过，不能再提交申报。")
            if challenge.status == Challenge.Status.PUBLISHED
            else _("该榜单不在征集期，不能申报。"),
        )
        return redirect("challenges:detail", pk=pk)
    free, live = _free_leads(request, challenge)
    if not free and live:
        messages.info(request, _("本单位已就该榜单提交过申报。"))
        return redirect("challenges:application-detail", pk=live[0].pk)
    return _save_application(request, challenge, None, leads=free)


@login_required
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(viewer=request.user, pk=pk)
    permissions.require_edit_application(request.user, application)
    if not permissions.can_edit_application(request.user, application):
        messages.error(request, _("只有草稿状态的申报可以修改。"))
        return redirect("challenges:application-detail", pk=pk)
    return _save_application(request, application.challenge, application)


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(viewer=request.user, pk=pk)
    challenge = application.challenge
    user = request.user
    editable = permissions.can_edit_application(user, application)
    lead_contributor = can_contribute(user, application.lead)
    today = timezone.localdate()
    return render(
        request,
        "challenges/application_detail.html",
        {
            "application": application,
            "challenge": challenge,
            "partners": list(application.partners.all()),
            "members": list(application.members.select_related("organisation", "user")),
            "milestones": list(application.milestones.all()),
            "milestone_total": sum((m.amount for m in application.milestones.all()), 0),
            "attachments": list(application.attachments.all()),
            "can_edit": editable,
            "can_submit": editable and services.is_open(challenge, today),
            "can_withdraw": lead_contributor
            and application.status in (Application.Status.DRAFT, Application.Status.SUBMITTED)
            and today <= challenge.deadline,
            "attachment_form": AttachmentForm(),
            "reason_form": ReasonForm(),
            "status_history": labelled_history(application),
            "days_left": (challenge.deadline - today).days,
        },
    )


def _act_application(request: HttpRequest, pk: int, run: Any, done: str) -> HttpResponse:
    application = selectors.application_get(viewer=request.user, pk=pk)
    try:
        run(application)
    except ValidationError as error:
        apply_validation_error(request, error)
    else:
        messages.success(request, done)
    return redirect("challenges:application-detail", pk=pk)


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_application(
        request,
        pk,
        lambda a: application_services.application_submit(actor=request.user, application=a),
        _("申报已提交。截止日期前仍可撤回。"),
    )


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act_application(
        request,
        pk,
        lambda a: application_services.application_withdraw(
            actor=request.user, application=a, reason=_reason(request)
        ),
        _("申报已撤回。截止日期前可以重新申报。"),
    )


# -- attachments ------------------------------------------------------------------------------------
@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(viewer=request.user, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        _errors_as_messages(request, form)
    else:
        try:
            application_services.attachment_add(
                actor=request.user, application=application, uploaded=form.cleaned_data["file"]
            )
        except ValidationError as error:
            apply_validation_error(request, error)
        else:
            messages.success(request, _("附件已上传。"))
    return redirect("challenges:application-detail", pk=pk)


def _attachment(request: HttpRequest, pk: int) -> ApplicationAttachment:
    attachment = get_object_or_404(ApplicationAttachment.objects.select_related("application"), pk=pk)
    if not permissions.can_view_application(request.user, attachment.application):
        raise Http404(_("没有找到该附件。"))
    return attachment


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = _attachment(request, pk)
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
    attachment = _attachment(request, pk)
    application_pk = attachment.application_id
    try:
        application_services.attachment_remove(actor=request.user, attachment=attachment)
    except ValidationError as error:
        apply_validation_error(request, error)
    else:
        messages.success(request, _("附件已删除。"))
    return redirect("challenges:application-detail", pk=application_pk)
