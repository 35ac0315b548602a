"""Writes to applications (揭榜申报): content, submission, withdrawal and attachments.

Each function is atomic and audited; bad input raises ValidationError (by field where there is
one, every problem at once) in the user's language and writes nothing; a forbidden action
raises PermissionDenied. Status moves go through hebi.catalog.workflow (Application.TRANSITIONS).
Notifications go out after the commit. The calls themselves are in services.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.catalog import workflow
from hebi.catalog.models import StatusChange
from hebi.challenges import permissions
from hebi.challenges.models import (
    Application,
    ApplicationAttachment,
    ApplicationMember,
    ApplicationMilestone,
    Challenge,
)
from hebi.challenges.services import (
    APPLICANT_KINDS,
    APPLICATION_FIELDS,
    MAX_MEMBERS,
    MAX_PARTNERS,
    MAX_ROWS,
    AppStatus,
    Status,
    _application_url,
    _clean_model,
    _deadline_passed_message,
    _duplicate_message,
    _Errors,
    _get,
    _locked,
    _milestone_labels,
    _milestone_rows,
    _text,
    secretariat_users,
)
from hebi.core import audit
from hebi.core.models import AuditLog
from hebi.core.permissions import can_contribute, roles_by_org
from hebi.core.uploads import inspect_upload
from hebi.matching.services import notify_after_commit
from hebi.orgs.models import Membership, Organisation


# -- applications: content --------------------------------------------------------------------------
def _application_data(data: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in APPLICATION_FIELDS}
    for name in ("title", "approach", "team_summary", "budget_note"):
        if name in cleaned:
            cleaned[name] = _text(cleaned[name])
    return cleaned


def _check_partners(
    partners: Iterable[Organisation], *, lead: Organisation, challenge: Challenge, errors: _Errors
) -> list[Organisation]:
    chosen = [p for p in {p.pk: p for p in partners}.values() if p.pk != lead.pk]
    if len(chosen) > MAX_PARTNERS:
        errors.add("partners", _("最多 %(n)d 家联合单位。") % {"n": MAX_PARTNERS})
    wrong = [p.name for p in chosen if not p.is_active or p.kind not in APPLICANT_KINDS]
    if wrong:
        errors.add(
            "partners",
            _("联合单位应为在册的高校、科研院所或企业：%(n)s") % {"n": "、".join(sorted(wrong))},
        )
    if any(p.pk == challenge.issuer_id for p in chosen):
        errors.add("partners", _("发榜单位不能作为联合单位。"))
    return chosen


def _check_application(application: Application, challenge: Challenge, errors: _Errors) -> None:
    now, promised = application.trl_now, application.trl_promised
    if isinstance(now, int) and isinstance(promised, int) and promised < now:
        errors.add("trl_promised", _("承诺的技术成熟度不能低于当前水平。"))
    public, total = application.budget_public, application.budget_total
    if public is not None and public > challenge.budget_public:
        errors.add(
            "budget_public",
            _("申请财政资金不能超过榜单的财政资金（%(n)s 元）。")
            % {"n": audit._plain(challenge.budget_public)},
        )
    if public is not None and total is not None and public > total:
        errors.add("budget_public", _("申请财政资金不能超过预算总额。"))


def _member_rows(
    rows: Iterable[Mapping[str, Any]],
    *,
    team: list[Organisation],
    errors: _Errors,
    required: bool,
    stored: frozenset[tuple[str, int]] = frozenset(),
) -> list[dict[str, Any]]:
    """stored: the (name, account) pairs already saved; an account renamed since does not block
    other edits of the application."""
    team_ids = {o.pk for o in team}
    cleaned: list[dict[str, Any]] = []
    for row in rows:
        name = _text(row.get("name"))
        organisation = row.get("organisation")
        user = row.get("user")
        role = _text(row.get("role"))
        if not name and organisation is None and user is None and not role:
            continue
        number = len(cleaned) + 1
        account_name = (user.get_full_name() or user.get_username()).strip() if user is not None else ""
        if not name and user is not None:
            name = account_name
        if not name or len(name) > 60:
            errors.add("members", _("第 %(n)d 位成员：请填写姓名（不超过 60 字）。") % {"n": number})
        elif user is not None and name != account_name and (name, user.pk) not in stored:
            # The conflict checks trust the linked account: a renamed row would check the wrong person.
            errors.add(
                "members",
                _("团队成员“%(name)s”关联的账号是“%(account)s”，请改正姓名或取消关联账号。")
                % {"name": name, "account": account_name},
            )
        if len(role) > 100:
            errors.add("members", _("第 %(n)d 位成员：分工不能超过 100 字。") % {"n": number})
        if organisation is None or organisation.pk not in team_ids:
            errors.add("members", _("第 %(n)d 位成员的单位须为牵头单位或联合单位。") % {"n": number})
        elif (
            user is not None and not Membership.objects.filter(user=user, organisation=organisation).exists()
        ):
            errors.add("members", _("第 %(n)d 位成员的账号不属于所选单位。") % {"n": number})
        cleaned.append({"name": name, "organisation": organisation, "user": user, "role": role})
    if required and not cleaned:
        errors.add("members", _("请至少填写一位团队成员（第一位为项目负责人）。"))
    if len(cleaned) > MAX_MEMBERS:
        errors.add("members", _("最多填写 %(n)d 位成员。") % {"n": MAX_MEMBERS})
    return cleaned


def _check_milestone_money(milestones: list[Any], public: Any, errors: _Errors) -> None:
    if not milestones or public is None:
        return
    total = sum((Decimal(_get(m, "amount") or 0) for m in milestones), Decimal(0))
    if total != public:
        errors.add(
            "milestones",
            _("各节点拨付金额合计（%(sum)s 元）应等于申请财政资金（%(public)s 元）。")
            % {"sum": audit._plain(total), "public": audit._plain(Decimal(public))},
        )


def _member_labels(items: Iterable[Any]) -> list[str]:
    return [f"{_get(i, 'name')}（{_get(i, 'organisation')}）{_get(i, 'role')}" for i in items]


def _write_application_rows(
    application: Application,
    members: list[dict[str, Any]] | None,
    milestones: list[dict[str, Any]] | None,
) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    if members is not None:
        current = list(application.members.select_related("organisation"))
        before = _member_labels(current)
        accounts_before = [(m.organisation_id, m.user_id) for m in current]
        accounts_after = [(r["organisation"].pk, getattr(r["user"], "pk", None)) for r in members]
        if before != _member_labels(members) or accounts_before != accounts_after:
            application.members.all().delete()
            ApplicationMember.objects.bulk_create(
                ApplicationMember(application=application, order=n, is_lead=n == 0, **row)
                for n, row in enumerate(members)
            )
            changes["members"] = [before or None, _member_labels(members)]
    if milestones is not None:
        before = _milestone_labels(application.milestones.all())
        if before != _milestone_labels(milestones):
            application.milestones.all().delete()
            ApplicationMilestone.objects.bulk_create(
                ApplicationMilestone(application=application, order=n, **row)
                for n, row in enumerate(milestones)
            )
            changes["milestones"] = [before or None, _milestone_labels(milestones)]
    return changes


def _live_duplicate(challenge: Challenge, lead: Organisation, exclude: int | None = None) -> bool:
    qs = Application.objects.filter(challenge=challenge, lead=lead).exclude(status=AppStatus.WITHDRAWN)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


def _require_open(challenge: Challenge) -> None:
    if challenge.status != Status.PUBLISHED:
        raise ValidationError(_("该榜单不在征集期，不能申报。"))
    if timezone.localdate() > challenge.deadline:
        raise ValidationError(_deadline_passed_message())


@transaction.atomic
def application_create(
    *,
    actor: Any,
    challenge: Challenge,
    lead: Organisation,
    partners: Iterable[Organisation] = (),
    members: Iterable[Mapping[str, Any]] = (),
    milestones: Iterable[Mapping[str, Any]] = (),
    **data: Any,
) -> Application:
    """Start an application (a draft) of `lead` to a challenge open for applications."""
    if lead.pk not in roles_by_org(actor) or not can_contribute(actor, lead):
        raise PermissionDenied(_("只能以您所在单位的名义申报。"))
    challenge = _locked(challenge)
    _require_open(challenge)
    errors = _Errors()
    if lead.pk == challenge.issuer_id:
        errors.add("lead", _("发榜单位不能揭自己的榜。"))
    elif lead.kind not in APPLICANT_KINDS or not lead.is_active:
        errors.add("lead", _("牵头单位应为高校、科研院所或企业。"))
    elif _live_duplicate(challenge, lead):
        errors.add("lead", _duplicate_message())
    team_partners = _check_partners(partners, lead=lead, challenge=challenge, errors=errors)
    application = Application(
        challenge=challenge, lead=lead, created_by=actor, status=AppStatus.DRAFT, **_application_data(data)
    )
    _clean_model(application, errors)
    _check_application(application, challenge, errors)
    member_rows = _member_rows(members, team=[lead, *team_partners], errors=errors, required=False)
    milestone_rows = _milestone_rows(
        milestones, errors, duration=challenge.duration_months, with_amount=True, required=False
    )
    _check_milestone_money(milestone_rows, application.budget_public, errors)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as error:
        # Two people of the same organisation applying at the same moment: the constraint decides.
        raise ValidationError({"lead": _duplicate_message()}) from error
    application.partners.set(team_partners)
    _write_application_rows(application, member_rows, milestone_rows)
    audit.record_create(
        actor=actor,
        instance=application,
        fields=[*APPLICATION_FIELDS, "challenge", "lead"],
        organisation=lead,
        note=_("联合单位：%(p)s") % {"p": "、".join(sorted(p.name for p in team_partners)) or "—"},
    )
    return application


@transaction.atomic
def application_update(
    *,
    actor: Any,
    application: Application,
    partners: Iterable[Organisation] | None = None,
    members: Iterable[Mapping[str, Any]] | None = None,
    milestones: Iterable[Mapping[str, Any]] | None = None,
    **data: Any,
) -> dict[str, list[Any]]:
    """Change a draft application; the lead organisation stays, the fields left out keep their value."""
    permissions.require_edit_application(actor, application)
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("challenge", "lead")
        .get(pk=application.pk)
    )
    if application.status != AppStatus.DRAFT:
        raise ValidationError(_("只有草稿状态的申报可以修改。"))
    challenge = application.challenge
    cleaned = _application_data(data)
    fields = [f for f in APPLICATION_FIELDS if f in cleaned]
    before = audit.snapshot(application, fields)
    for name in fields:
        setattr(application, name, cleaned[name])
    errors = _Errors()
    current_partners = list(application.partners.all())
    team_partners = (
        _check_partners(partners, lead=application.lead, challenge=challenge, errors=errors)
        if partners is not None
        else current_partners
    )
    _clean_model(application, errors)
    _check_application(application, challenge, errors)
    team = [application.lead, *team_partners]
    if members is None and partners is not None:
        members = [
            {"name": m.name, "organisation": m.organisation, "user": m.user, "role": m.role}
            for m in application.members.select_related("organisation", "user")
        ]
    stored = frozenset((m.name, m.user_id) for m in application.members.all() if m.user_id)
    member_rows = (
        _member_rows(members, team=team, errors=errors, required=False, stored=stored)
        if members is not None
        else None
    )
    milestone_rows = (
        _milestone_rows(
            milestones, errors, duration=challenge.duration_months, with_amount=True, required=False
        )
        if milestones is not None
        else None
    )
    money_rows: list[Any] = list(application.milestones.all()) if milestone_rows is None else milestone_rows
    _check_milestone_money(money_rows, application.budget_public, errors)
    errors.raise_if_any()
    changes = audit.diff(before, audit.snapshot(application, fields))
    if changes:
        application.save(update_fields=[*changes.keys(), "updated_at"])
    if partners is not None:
        names_before = sorted(p.name for p in current_partners)
        names_after = sorted(p.name for p in team_partners)
        if names_before != names_after:
            application.partners.set(team_partners)
            changes["partners"] = [names_before or None, names_after]
    changes.update(_write_application_rows(application, member_rows, milestone_rows))
    if changes:
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            instance=application,
            changes=changes,
            organisation=application.lead,
        )
    return changes


# -- applications: workflow -------------------------------------------------------------------------
def application_transition(
    *,
    actor: Any,
    application: Application,
    to: str,
    reason: str = "",
    extra_updates: dict[str, Any] | None = None,
) -> StatusChange:
    """Move an application along Application.TRANSITIONS (history and audit rows by the workflow).

    Call inside the caller's transaction, after locking the row."""
    return workflow.transition(
        actor=actor,
        instance=application,
        to=to,
        reason=reason,
        organisation=application.lead,
        extra_updates=extra_updates,
    )


def _locked_application(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("challenge", "lead", "created_by")
        .get(pk=application.pk)
    )


@transaction.atomic
def application_submit(*, actor: Any, application: Application) -> Application:
    """Submit a complete draft before the deadline (→ 已提交); the secretariat is told."""
    permissions.require_edit_application(actor, application)
    challenge = _locked(application.challenge)
    application = _locked_application(application)
    if application.status != AppStatus.DRAFT:
        raise ValidationError(_("只有草稿状态的申报可以提交。"))
    _require_open(challenge)
    if _live_duplicate(challenge, application.lead, exclude=application.pk):
        raise ValidationError(_duplicate_message())
    errors = _Errors()
    _check_application(application, challenge, errors)
    members = list(application.members.all())
    milestones = list(application.milestones.all())
    if not members:
        errors.add("members", _("请至少填写一位团队成员（第一位为项目负责人）。"))
    if not milestones:
        errors.add("milestones", _("请至少填写一个节点。"))
    for milestone in milestones:
        if milestone.month > challenge.duration_months:
            errors.add(
                "milestones",
                _("节点“%(t)s”的月份（第 %(m)d 个月）超出实施周期（%(d)d 个月）。")
                % {"t": milestone.title, "m": milestone.month, "d": challenge.duration_months},
            )
    _check_milestone_money(milestones, application.budget_public, errors)
    errors.raise_if_any()
    change = application_transition(
        actor=actor,
        application=application,
        to=AppStatus.SUBMITTED,
        extra_updates={"submitted_at": timezone.now()},
    )
    notify_after_commit(
        secretariat_users(),
        actor=actor,
        key=f"application:{application.pk}:submitted:{change.pk}",
        title=_("新的揭榜申报：%(t)s") % {"t": challenge.title},
        body=_("%(org)s 提交了申报“%(a)s”。") % {"org": application.lead, "a": application.title},
        url=_application_url(application),
    )
    return application


@transaction.atomic
def application_withdraw(*, actor: Any, application: Application, reason: str = "") -> Application:
    """Withdraw before the deadline (→ 已撤回); the lead may then apply again."""
    permissions.require_edit_application(actor, application)
    application = _locked_application(application)
    if application.status not in (AppStatus.DRAFT, AppStatus.SUBMITTED):
        raise ValidationError(_("只有草稿或已提交的申报可以撤回。"))
    if timezone.localdate() > application.challenge.deadline:
        raise ValidationError(_("揭榜截止后不能撤回申报。"))
    reason = _text(reason)[:500]
    application_transition(
        actor=actor,
        application=application,
        to=AppStatus.WITHDRAWN,
        reason=reason,
        extra_updates={"withdrawn_at": timezone.now()},
    )
    return application


# -- attachments ------------------------------------------------------------------------------------
@transaction.atomic
def attachment_add(*, actor: Any, application: Application, uploaded: UploadedFile) -> ApplicationAttachment:
    """Attach a file to a draft: checked by content and size, stored under a random name."""
    permissions.require_edit_application(actor, application)
    application = _locked_application(application)
    if application.status != AppStatus.DRAFT:
        raise ValidationError(_("只有草稿状态的申报可以添加附件。"))
    if application.attachments.count() >= MAX_ROWS:
        raise ValidationError({"file": _("每份申报最多 %(n)d 个附件。") % {"n": MAX_ROWS}})
    name, content_type = inspect_upload(uploaded, limit=settings.HEBI_MAX_ATTACHMENT_BYTES)
    attachment = ApplicationAttachment(
        application=application,
        name=name,
        size=uploaded.size or 0,
        content_type=content_type,
        uploaded_by=actor,
    )
    attachment.file.save(f"{uuid.uuid4().hex}{PurePath(name).suffix.lower()}", uploaded, save=False)
    attachment.save()
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        instance=application,
        changes={"attachments": [None, name]},
        organisation=application.lead,
    )
    return attachment


@transaction.atomic
def attachment_remove(*, actor: Any, attachment: ApplicationAttachment) -> None:
    application = attachment.application
    permissions.require_edit_application(actor, application)
    application = _locked_application(application)
    if application.status != AppStatus.DRAFT:
        raise ValidationError(_("只有草稿状态的申报可以删除附件。"))
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        instance=application,
        changes={"attachments": [attachment.name, None]},
        organisation=application.lead,
    )
    stored = attachment.file
    attachment.delete()
    transaction.on_commit(lambda: stored.delete(save=False))
