"""Writes of the review: the expert pool and declared conflicts, scores, closing a panel and the
decision with its reasons. Panels are formed and adjusted in panels.py.

Each function is atomic and audited; bad input raises ValidationError in the user's language and
writes nothing; an action the actor may not take raises PermissionDenied. Notifications go out
after the commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.catalog import workflow
from hebi.catalog.models import TechField
from hebi.challenges import application_services, panels, permissions, review_selectors, scoring
from hebi.challenges.milestones import yuan_text
from hebi.challenges.models import (
    Application,
    Challenge,
    DecisionCategory,
    DeclaredConflict,
    ExpertProfile,
    Panel,
    Score,
)
from hebi.core import audit
from hebi.core.models import AuditLog
from hebi.core.permissions import CONTRIBUTOR_ROLES
from hebi.matching.services import notify
from hebi.orgs.models import Membership, Organisation

EXPERT_FIELDS = ["organisation", "title", "specialties", "is_enterprise_expert", "is_active"]
# What an expert may change on their own profile; the rest is the secretariat's.
SELF_FIELDS = ["specialties"]
MIN_COMMENT = 10


def _scored_once() -> str:
    return _("您已为该申报评过分，评分提交后不能修改。")


def _is_self(actor: Any, expert: ExpertProfile) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and expert.user_id == actor.pk


def _require_self_or_secretariat(actor: Any, expert: ExpertProfile) -> None:
    if not (permissions.is_secretariat(actor) or _is_self(actor, expert)):
        raise PermissionDenied(_("只有委员会秘书处或专家本人可以执行此操作。"))


def _set_fields(actor: Any, expert: ExpertProfile, fields: Iterable[TechField] | None) -> None:
    if fields is None:
        return
    chosen = sorted({f.pk: f for f in fields}.values(), key=lambda f: f.pk)
    before = sorted(str(f) for f in expert.fields.all())
    after = sorted(str(f) for f in chosen)
    if before != after:
        expert.fields.set(chosen)
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            instance=expert,
            changes={"fields": [before, after]},
            organisation=expert.organisation,
        )


# -- the expert pool --------------------------------------------------------------------------------
@transaction.atomic
def expert_create(
    *,
    actor: Any,
    user: Any,
    organisation: Organisation | None = None,
    title: str = "",
    fields: Iterable[TechField] = (),
    specialties: str = "",
    is_enterprise_expert: bool = False,
) -> ExpertProfile:
    """Add an existing account to the expert pool (专家入库)."""
    permissions.require_secretariat(actor)
    fields = list(fields)
    if user is None or not user.is_active:
        raise ValidationError({"username": _("请填写一个有效账号的用户名。")})
    if ExpertProfile.objects.filter(user=user).exists():
        raise ValidationError({"username": _("该用户已在专家库中。")})
    if organisation is not None and not organisation.is_active:
        raise ValidationError({"organisation": _("该单位已停用。")})
    expert = ExpertProfile(
        user=user,
        organisation=organisation,
        title=(title or "").strip(),
        specialties=(specialties or "").strip(),
        is_enterprise_expert=bool(is_enterprise_expert),
    )
    expert.full_clean()
    expert.save()
    expert.fields.set(fields)
    audit.record_create(
        actor=actor,
        instance=expert,
        fields=["user", *EXPERT_FIELDS],
        organisation=organisation,
        note=_("专业领域：%(fields)s") % {"fields": "、".join(sorted(str(f) for f in fields)) or "—"},
    )
    return expert


@transaction.atomic
def expert_update(
    *, actor: Any, expert: ExpertProfile, fields: Iterable[TechField] | None = None, **data: Any
) -> dict[str, list[Any]]:
    """The secretariat edits any profile (also takes an expert out of the pool and back);
    an expert edits their own specialties and fields."""
    secretariat = permissions.is_secretariat(actor)
    if not secretariat:
        _require_self_or_secretariat(actor, expert)
        forbidden = sorted(set(data) - set(SELF_FIELDS))
        if forbidden:
            raise PermissionDenied(_("专家本人只能修改研究方向和专业领域。"))
    expert = ExpertProfile.objects.select_for_update().get(pk=expert.pk)
    cleaned = {k: v for k, v in data.items() if k in EXPERT_FIELDS}
    for name in ("title", "specialties"):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    organisation = cleaned.get("organisation")
    if organisation is not None and organisation != expert.organisation and not organisation.is_active:
        raise ValidationError({"organisation": _("该单位已停用。")})
    changes = audit.model_update(
        actor=actor, instance=expert, data=cleaned, fields=EXPERT_FIELDS, organisation=expert.organisation
    )
    before_fields = sorted(str(f) for f in expert.fields.all())
    _set_fields(actor, expert, fields)
    after_fields = sorted(str(f) for f in expert.fields.all())
    if before_fields != after_fields:
        changes["fields"] = [before_fields, after_fields]
    return changes


@transaction.atomic
def conflict_declare(
    *,
    actor: Any,
    expert: ExpertProfile,
    organisation: Organisation | None = None,
    person: str = "",
    reason: str = "",
) -> DeclaredConflict:
    """Declare a conflict of interest with an organisation or a named person (申报回避)."""
    _require_self_or_secretariat(actor, expert)
    person = (person or "").strip()
    reason = (reason or "").strip()
    if organisation is None and not person:
        raise ValidationError({"organisation": _("请选择回避单位或填写回避人员。")})
    if organisation is not None and person:
        raise ValidationError({"person": _("每条回避只填一项：回避单位或回避人员。")})
    if not reason:
        raise ValidationError({"reason": _("请说明回避原因。")})
    existing = expert.conflicts.filter(organisation=organisation) if organisation else None
    if existing is None:
        existing = expert.conflicts.filter(organisation__isnull=True, person=person)
    if existing.exists():
        raise ValidationError({"organisation" if organisation else "person": _("已申报过这一回避。")})
    conflict = DeclaredConflict(expert=expert, organisation=organisation, person=person, reason=reason)
    conflict.full_clean()
    conflict.save()
    audit.record_create(
        actor=actor,
        instance=conflict,
        fields=["expert", "organisation", "person", "reason"],
        organisation=expert.organisation,
    )
    return conflict


@transaction.atomic
def conflict_remove(*, actor: Any, conflict: DeclaredConflict) -> None:
    _require_self_or_secretariat(actor, conflict.expert)
    audit.record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        instance=conflict,
        changes={"reason": [conflict.reason, None]},
        organisation=conflict.expert.organisation,
    )
    conflict.delete()


# -- scores -----------------------------------------------------------------------------------------
def _details(reasons: Iterable[Mapping[str, Any]]) -> str:
    return "；".join(str(r.get("detail", "")) for r in reasons)


def criteria_of(panel: Panel) -> list[scoring.Criterion]:
    return [scoring.Criterion(c.code, c.name, c.max_score) for c in panel.rubric.criteria.all()]


@transaction.atomic
def score_submit(
    *, actor: Any, panel: Panel, application: Application, items: Mapping[str, Any], comment: str = ""
) -> Score:
    """One expert scores one application, alone and once, against the panel's rubric."""
    expert = permissions.expert_profile(actor)
    if expert is None:
        raise PermissionDenied(_("只有专家库中的专家可以评分。"))
    panel = Panel.objects.select_for_update().select_related("challenge", "rubric").get(pk=panel.pk)
    if not panel.memberships.filter(expert=expert).exists():
        excluded = panel.exclusions.filter(expert=expert).first()
        if excluded is not None and any(r.get("kind") == panels.REMOVED for r in excluded.reasons):
            raise PermissionDenied(_("您已被移出该评审专家组，不能评分。"))
        if excluded is not None:
            raise PermissionDenied(_("您因利益冲突已回避本专家组，不能评分：") + _details(excluded.reasons))
        raise PermissionDenied(_("您不是该评审专家组的成员，不能评分。"))
    if panel.kind != Panel.Kind.REVIEW:
        raise ValidationError(_("考核专家组请提交考核意见，不在此评分。"))
    if panel.status != Panel.Status.OPEN:
        raise ValidationError(_("该专家组的评分已结束。"))
    application = Application.objects.select_related("challenge").get(pk=application.pk)
    if application.challenge_id != panel.challenge_id or application.status != Application.Status.SUBMITTED:
        raise ValidationError(_("该申报不在本专家组的评审范围内。"))
    if Score.objects.filter(panel=panel, expert=expert, application=application).exists():
        raise ValidationError(_scored_once())
    reasons = panels.conflicted_for(panel, expert, application)
    if reasons:
        raise ValidationError(_("您与该申报存在利益冲突，不能评分：") + _details(reasons))
    try:
        clean, total = scoring.check_sheet(criteria_of(panel), dict(items or {}))
    except scoring.SheetError as error:
        raise ValidationError(
            {("items" if code == "__all__" else code): message for code, message in error.errors.items()}
        ) from error
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ValidationError({"comment": _("评审意见不超过 2000 字。")})
    try:
        with transaction.atomic():
            score = Score.objects.create(
                panel=panel, expert=expert, application=application, items=clean, total=total, comment=comment
            )
    except IntegrityError as error:
        raise ValidationError(_scored_once()) from error
    audit.record_create(
        actor=actor,
        instance=score,
        fields=["panel", "application", "total"],
        organisation=application.challenge.issuer,
    )
    return score


# -- closing the panel ------------------------------------------------------------------------------
@transaction.atomic
def panel_close(*, actor: Any, panel: Panel) -> Panel:
    """End the scoring: every expected score is in and every application has at least the
    rubric's minimum number of valid scores; store each application's aggregate and rank."""
    permissions.require_secretariat(actor)
    panel = Panel.objects.select_for_update().select_related("challenge__issuer", "rubric").get(pk=panel.pk)
    if panel.kind != Panel.Kind.REVIEW:
        raise ValidationError(_("考核专家组在考核页面结束。"))
    if panel.status != Panel.Status.OPEN:
        raise ValidationError(_("该专家组的评分已结束。"))
    board = review_selectors.panel_board(panel)
    problems = []
    missing = [row for row in board.rows if row.missing]
    if missing:
        problems.append(
            _("还有评分未提交，不能结束评分：%(list)s")
            % {
                "list": "；".join(
                    _("《%(title)s》（%(lead)s）缺 %(names)s")
                    % {
                        "title": row.application.title,
                        "lead": row.application.lead,
                        "names": "、".join(str(e) for e in row.missing),
                    }
                    for row in missing
                )
            }
        )
    # Removals and conflicts found late can leave too few scores that count: add experts first.
    if board.short:
        problems.append(
            _("有效评分不足，不能结束评分（每份申报至少需要 %(needed)d 份有效评分，请先增补专家）：%(list)s")
            % {
                "needed": board.needed,
                "list": "；".join(
                    _("《%(title)s》（%(lead)s）只有 %(n)d 份")
                    % {"title": row.application.title, "lead": row.application.lead, "n": row.scored}
                    for row in board.short
                ),
            }
        )
    if problems:
        raise ValidationError(problems)
    ranked = []
    for row in board.rows:
        if row.aggregate.score is None:
            continue
        Application.objects.filter(pk=row.application.pk).update(score=row.aggregate.score, rank=row.rank)
        ranked.append(f"{row.application.pk}:{row.aggregate.score}#{row.rank}")
    panel.status = Panel.Status.CLOSED
    panel.save(update_fields=["status", *audit._auto_now_fields(panel)])
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        instance=panel,
        changes={"status": [Panel.Status.OPEN, Panel.Status.CLOSED]},
        organisation=panel.challenge.issuer,
        note=_("评分结束，%(n)d 份申报得出综合得分与排名") % {"n": len(ranked)},
    )
    return panel


# -- the decision -----------------------------------------------------------------------------------
def _applicants(application: Application) -> list[Any]:
    """Who is told the outcome: whoever filled it in and the contributors of the lead organisation."""
    people = {
        m.user.pk: m.user
        for m in Membership.objects.filter(
            organisation_id=application.lead_id, role__in=CONTRIBUTOR_ROLES
        ).select_related("user")
    }
    if application.created_by is not None:
        people[application.created_by.pk] = application.created_by
    return [p for p in people.values() if p.is_active]


def _label(application: Application) -> str:
    return _("《%(title)s》（%(lead)s）") % {"title": application.title, "lead": application.lead}


def _tell(application_id: int, people: list[Any], title: str, body: str) -> None:
    def send() -> None:
        notify(
            recipients=people,
            key=f"challenge-decision:{application_id}",
            title=title,
            body=body,
            url=reverse("challenges:application-detail", kwargs={"pk": application_id}),
        )

    if people:
        transaction.on_commit(send)


@transaction.atomic
def challenge_decide(
    *,
    actor: Any,
    challenge: Challenge,
    decisions: Sequence[tuple[Application, DecisionCategory | None, str]],
) -> Challenge:
    """Decide every submitted application at once, each with a category and a reasoned comment;
    awarding none (流标) is allowed. All or nothing."""
    permissions.require_secretariat(actor)
    challenge = Challenge.objects.select_for_update().select_related("issuer").get(pk=challenge.pk)
    if challenge.status != Challenge.Status.REVIEWING:
        raise ValidationError(_("只有评审中的榜单可以作出决定。"))
    panel = review_selectors.review_panel(challenge)
    if panel is None or panel.status != Panel.Status.CLOSED:
        raise ValidationError(_("评审专家组结束评分后才能作出决定。"))
    submitted = {
        a.pk: a
        for a in Application.objects.select_for_update(of=("self",))
        .filter(challenge=challenge, status=Application.Status.SUBMITTED)
        .select_related("lead", "created_by")
    }
    errors: list[str] = []
    chosen: dict[int, tuple[DecisionCategory, str]] = {}
    for application, category, comment in decisions:
        if application.pk not in submitted:
            if application.challenge_id != challenge.pk:
                errors.append(_("%(app)s不属于该榜单。") % {"app": _label(application)})
            else:
                errors.append(_("%(app)s不是待决定的申报。") % {"app": _label(application)})
            continue
        if application.pk in chosen:
            errors.append(_("%(app)s出现了两次。") % {"app": _label(application)})
            continue
        comment = (comment or "").strip()
        if category is None or not comment:
            errors.append(
                _("%(app)s：请为每一份申报选择决定类别并填写评审意见。") % {"app": _label(application)}
            )
            continue
        if len(comment) < MIN_COMMENT:
            errors.append(
                _("%(app)s：评审意见至少 %(n)d 个字，请写明理由。")
                % {"app": _label(application), "n": MIN_COMMENT}
            )
            continue
        if len(comment) > 3000:
            errors.append(_("%(app)s：评审意见不超过 3000 字。") % {"app": _label(application)})
            continue
        chosen[application.pk] = (category, comment)
    for pk, application in submitted.items():
        if pk not in chosen and all(a.pk != pk for a, _c, _m in decisions):
            errors.append(
                _("%(app)s：请为每一份申报选择决定类别并填写评审意见。") % {"app": _label(application)}
            )
    if errors:
        raise ValidationError({"decisions": errors})
    if not submitted:
        raise ValidationError(_("该榜单没有待决定的申报。"))
    # Every winner signs a contract out of the call's public money: awarding more than the call
    # has would leave a winner whose contract can never be signed.
    winners = [
        submitted[pk]
        for pk, (category, _comment) in chosen.items()
        if category.outcome == DecisionCategory.Outcome.AWARDED
    ]
    asked = sum((a.budget_public for a in winners), Decimal(0))
    if asked > challenge.budget_public:
        raise ValidationError(
            {
                "decisions": [
                    _(
                        "揭榜成功的申报共申请财政资金 %(asked)s 元（%(list)s），超过榜单的财政资金 "
                        "%(budget)s 元，请减少揭榜成功的申报。"
                    )
                    % {
                        "asked": yuan_text(asked),
                        "list": "；".join(
                            _("%(app)s %(amount)s 元")
                            % {"app": _label(a), "amount": yuan_text(a.budget_public)}
                            for a in winners
                        ),
                        "budget": yuan_text(challenge.budget_public),
                    }
                ]
            }
        )
    now = timezone.now()
    awarded = 0
    for pk, application in submitted.items():
        category, comment = chosen[pk]
        won = category.outcome == DecisionCategory.Outcome.AWARDED
        awarded += won
        status = Application.Status.AWARDED if won else Application.Status.NOT_AWARDED
        application_services.application_transition(
            actor=actor,
            application=application,
            to=status,
            reason=f"{category}：{comment}",
            extra_updates={
                "decision_category": category,
                "decision_comment": comment,
                "decided_by": actor,
                "decided_at": now,
            },
        )
        outcome = category.get_outcome_display()
        _tell(
            application.pk,
            _applicants(application),
            _("揭榜结果：%(title)s · %(outcome)s") % {"title": challenge.title, "outcome": outcome},
            _("您的申报%(app)s：%(outcome)s（%(category)s）。评审意见：%(comment)s")
            % {"app": _label(application), "outcome": outcome, "category": category, "comment": comment},
        )
    workflow.transition(
        actor=actor,
        instance=challenge,
        to=Challenge.Status.DECIDED,
        reason=_("定榜：揭榜成功 %(won)d 份，未入选 %(lost)d 份")
        % {"won": awarded, "lost": len(submitted) - awarded},
        organisation=challenge.issuer,
    )
    return challenge
