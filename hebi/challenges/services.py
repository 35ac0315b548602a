"""Writes to challenge calls (榜单) and their public Q&A; applications are in application_services.py.

Each function is atomic and audited; bad input raises ValidationError (by field where there is
one, every problem at once) in the user's language and writes nothing; a forbidden action
raises PermissionDenied. Status moves of challenges and applications go through
hebi.catalog.workflow (the models' TRANSITIONS tables, StatusChange history). Notifications go
out after the commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.catalog import workflow
from hebi.challenges import permissions
from hebi.challenges.models import (
    Application,
    Challenge,
    ChallengeIndicator,
    ChallengeMilestone,
    ChallengeQuestion,
    Rubric,
)
from hebi.core import audit
from hebi.core.models import AuditLog
from hebi.core.roles import Role
from hebi.matching.services import notify_after_commit
from hebi.orgs.models import Membership, Organisation

User = get_user_model()
Status = Challenge.Status
AppStatus = Application.Status

CHALLENGE_FIELDS = [
    "title",
    "field",
    "problem",
    "budget_public",
    "budget_enterprise",
    "deadline",
    "duration_months",
    "eligibility",
    "deliverables",
    "rubric",
    "contact",
]
APPLICATION_FIELDS = [
    "title",
    "approach",
    "trl_now",
    "trl_promised",
    "team_summary",
    "budget_total",
    "budget_public",
    "budget_note",
]
DEFAULT_RUBRIC = "challenge-2024"
EDITABLE = (Status.DRAFT, Status.RETURNED)
APPLICANT_KINDS = (Organisation.Kind.UNIVERSITY, Organisation.Kind.INSTITUTE, Organisation.Kind.ENTERPRISE)
UNDER_REVIEW = (AppStatus.SUBMITTED, AppStatus.AWARDED, AppStatus.NOT_AWARDED)
MAX_ROWS = 20
MAX_MEMBERS = 30
MAX_PARTNERS = 10


def _duplicate_message() -> str:
    return _("本单位已就该榜单提交过申报。")


def _deadline_passed_message() -> str:
    return _("揭榜截止日期已过，不能再提交申报。")


class _Errors:
    """Every problem of one write, by field, raised at once."""

    def __init__(self) -> None:
        self.items: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.items.setdefault(field, []).append(str(message))

    def merge(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                for message in messages:
                    if message not in self.items.get(field, []):
                        self.add(field, message)
        else:
            for message in error.messages:
                self.add(NON_FIELD_ERRORS, message)

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationError(self.items)


def _clean_model(instance: Any, errors: _Errors) -> None:
    # Who created the record is not the writer's input (older rows may have none).
    try:
        instance.full_clean(exclude=["created_by"], validate_constraints=False)
    except ValidationError as error:
        errors.merge(error)


def _text(value: Any) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()


def secretariat_users() -> list[Any]:
    return list(
        User.objects.filter(
            is_active=True, memberships__role=Role.SECRETARIAT, memberships__organisation__is_active=True
        ).distinct()
    )


def _issuer_people(challenge: Challenge) -> list[Any]:
    return [p for p in (challenge.contact, challenge.created_by) if p is not None]


def _challenge_url(challenge: Challenge) -> str:
    return reverse("challenges:detail", args=[challenge.pk])


def _application_url(application: Application) -> str:
    return reverse("challenges:application-detail", args=[application.pk])


def default_rubric() -> Rubric | None:
    active = Rubric.objects.filter(purpose=Rubric.Purpose.CHALLENGE, is_active=True)
    return active.filter(code=DEFAULT_RUBRIC).first() or active.first()


def is_open(challenge: Challenge, today: datetime.date | None = None) -> bool:
    """Taking applications and questions: published and not past the deadline (open all that day)."""
    today = today or timezone.localdate()
    return challenge.status == Status.PUBLISHED and today <= challenge.deadline


# -- challenges: content ----------------------------------------------------------------------------
def _challenge_data(data: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in CHALLENGE_FIELDS}
    for name in ("title", "problem", "eligibility", "deliverables"):
        if name in cleaned:
            cleaned[name] = _text(cleaned[name])
    return cleaned


def _check_challenge(challenge: Challenge, errors: _Errors, *, deadline_changed: bool) -> None:
    public, enterprise = challenge.budget_public, challenge.budget_enterprise
    # Negative amounts are reported by the fields' own validators.
    both = public is not None and enterprise is not None and min(public, enterprise) >= 0
    if both and public + enterprise <= 0:
        errors.add("budget_public", _("财政资金与企业投入合计应大于 0。"))
    if deadline_changed and challenge.deadline is not None and challenge.deadline < timezone.localdate():
        errors.add("deadline", _("揭榜截止日期不能早于今天。"))
    rubric = challenge.rubric if challenge.rubric_id else None
    if rubric is None or rubric.purpose != Rubric.Purpose.CHALLENGE or not rubric.is_active:
        errors.add("rubric", _("请选择启用中的揭榜挂帅评审指标体系。"))
    contact = challenge.contact
    if contact is not None and (
        not contact.is_active
        or not Membership.objects.filter(user=contact, organisation_id=challenge.issuer_id).exists()
    ):
        errors.add("contact", _("联系人须为发榜单位的在职成员。"))


def _indicator_rows(rows: Iterable[Mapping[str, Any]], errors: _Errors) -> list[dict[str, Any]]:
    cleaned: list[dict[str, Any]] = []
    for row in rows:
        item = {
            "name": _text(row.get("name")),
            "target": _text(row.get("target")),
            "unit": _text(row.get("unit")),
        }
        if not any(item.values()):
            continue
        number = len(cleaned) + 1
        if not item["name"] or not item["target"]:
            errors.add("indicators", _("第 %(n)d 项指标：请填写指标名称和目标值。") % {"n": number})
        elif len(item["name"]) > 100 or len(item["target"]) > 60 or len(item["unit"]) > 30:
            errors.add("indicators", _("第 %(n)d 项指标：内容过长。") % {"n": number})
        cleaned.append(item)
    if not cleaned:
        errors.add("indicators", _("请至少填写一项核心技术指标。"))
    if len(cleaned) > MAX_ROWS:
        errors.add("indicators", _("最多填写 %(n)d 项指标。") % {"n": MAX_ROWS})
    return cleaned


def _month(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _milestone_rows(
    rows: Iterable[Mapping[str, Any]],
    errors: _Errors,
    *,
    duration: int | None,
    with_amount: bool,
    required: bool,
) -> list[dict[str, Any]]:
    cleaned: list[dict[str, Any]] = []
    for row in rows:
        item: dict[str, Any] = {
            "title": _text(row.get("title")),
            "month": row.get("month"),
            "deliverable": _text(row.get("deliverable")),
        }
        if with_amount:
            item["amount"] = row.get("amount")
        if (
            not item["title"]
            and item["month"] in (None, "")
            and not item["deliverable"]
            and not row.get("amount")
        ):
            continue
        number = len(cleaned) + 1
        month = _month(item["month"])
        if not item["title"]:
            errors.add("milestones", _("第 %(n)d 个节点：请填写节点名称。") % {"n": number})
        if len(item["title"]) > 100 or len(item["deliverable"]) > 300:
            errors.add("milestones", _("第 %(n)d 个节点：内容过长。") % {"n": number})
        if month is None or month < 1:
            errors.add("milestones", _("第 %(n)d 个节点：请填写第几个月（至少为 1）。") % {"n": number})
        elif duration and month > duration:
            errors.add(
                "milestones",
                _("第 %(n)d 个节点的月份（第 %(m)d 个月）超出实施周期（%(d)d 个月）。")
                % {"n": number, "m": month, "d": duration},
            )
        item["month"] = month
        if with_amount:
            amount = item["amount"]
            try:
                amount = Decimal(amount if amount not in (None, "") else 0)
            except (ArithmeticError, TypeError, ValueError):
                amount = None
            if amount is None or not amount.is_finite() or amount < 0:
                errors.add("milestones", _("第 %(n)d 个节点：拨付金额应为不小于 0 的数。") % {"n": number})
                amount = Decimal(0)
            item["amount"] = amount
        cleaned.append(item)
    if required and not cleaned:
        errors.add("milestones", _("请至少填写一个节点。"))
    if len(cleaned) > MAX_ROWS:
        errors.add("milestones", _("最多填写 %(n)d 个节点。") % {"n": MAX_ROWS})
    return cleaned


def _indicator_labels(items: Iterable[Any]) -> list[str]:
    return [f"{_get(i, 'name')} {_get(i, 'target')}{_get(i, 'unit')}" for i in items]


def _milestone_labels(items: Iterable[Any]) -> list[str]:
    labels = []
    for item in items:
        label = f"M{_get(item, 'month')} {_get(item, 'title')}"
        amount = _get(item, "amount")
        if amount not in (None, ""):
            label += f" {audit._plain(Decimal(amount))}"
        labels.append(label)
    return labels


def _get(item: Any, name: str) -> Any:
    return item.get(name, "") if isinstance(item, Mapping) else getattr(item, name, "")


def _write_challenge_rows(
    challenge: Challenge, indicators: list[dict[str, Any]] | None, milestones: list[dict[str, Any]] | None
) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    if indicators is not None:
        before = _indicator_labels(challenge.indicators.all())
        if before != _indicator_labels(indicators):
            challenge.indicators.all().delete()
            ChallengeIndicator.objects.bulk_create(
                ChallengeIndicator(challenge=challenge, order=n, **row) for n, row in enumerate(indicators)
            )
            changes["indicators"] = [before or None, _indicator_labels(indicators)]
    if milestones is not None:
        before = _milestone_labels(challenge.milestones.all())
        if before != _milestone_labels(milestones):
            challenge.milestones.all().delete()
            ChallengeMilestone.objects.bulk_create(
                ChallengeMilestone(challenge=challenge, order=n, **row) for n, row in enumerate(milestones)
            )
            changes["milestones"] = [before or None, _milestone_labels(milestones)]
    return changes


@transaction.atomic
def challenge_create(
    *,
    actor: Any,
    issuer: Organisation,
    indicators: Iterable[Mapping[str, Any]],
    milestones: Iterable[Mapping[str, Any]],
    **data: Any,
) -> Challenge:
    """Draft a challenge for an enterprise or a government body the actor contributes to."""
    if not permissions.can_issue_for(actor, issuer):
        raise PermissionDenied(_("只能以您所在的企业或政府部门的名义发榜。"))
    cleaned = _challenge_data(data)
    if cleaned.get("rubric") is None:
        cleaned["rubric"] = default_rubric()
    if cleaned.get("contact") is None:
        cleaned["contact"] = actor
    challenge = Challenge(issuer=issuer, created_by=actor, status=Status.DRAFT, **cleaned)
    errors = _Errors()
    _clean_model(challenge, errors)
    _check_challenge(challenge, errors, deadline_changed=True)
    indicator_rows = _indicator_rows(indicators, errors)
    milestone_rows = _milestone_rows(
        milestones, errors, duration=challenge.duration_months, with_amount=False, required=True
    )
    errors.raise_if_any()
    challenge.save()
    _write_challenge_rows(challenge, indicator_rows, milestone_rows)
    audit.record_create(
        actor=actor,
        instance=challenge,
        fields=[*CHALLENGE_FIELDS, "issuer"],
        organisation=issuer,
        note=_("核心指标 %(i)d 项，节点 %(m)d 个") % {"i": len(indicator_rows), "m": len(milestone_rows)},
    )
    return challenge


@transaction.atomic
def challenge_update(
    *,
    actor: Any,
    challenge: Challenge,
    indicators: Iterable[Mapping[str, Any]] | None = None,
    milestones: Iterable[Mapping[str, Any]] | None = None,
    **data: Any,
) -> dict[str, list[Any]]:
    """Change a draft or returned challenge; the fields left out keep their value."""
    permissions.require_edit_challenge(actor, challenge)
    challenge = (
        Challenge.objects.select_for_update(of=("self",)).select_related("rubric").get(pk=challenge.pk)
    )
    if challenge.status not in EDITABLE:
        raise ValidationError(_("只有草稿或退回修改的榜单可以编辑。"))
    cleaned = _challenge_data(data)
    if "rubric" in cleaned and cleaned["rubric"] is None:
        cleaned["rubric"] = challenge.rubric
    fields = [f for f in CHALLENGE_FIELDS if f in cleaned]
    before = audit.snapshot(challenge, fields)
    old_deadline = challenge.deadline
    for name in fields:
        setattr(challenge, name, cleaned[name])
    errors = _Errors()
    _clean_model(challenge, errors)
    _check_challenge(challenge, errors, deadline_changed=challenge.deadline != old_deadline)
    indicator_rows = _indicator_rows(indicators, errors) if indicators is not None else None
    if milestones is None and "duration_months" in cleaned:
        milestones = [
            {"title": m.title, "month": m.month, "deliverable": m.deliverable}
            for m in challenge.milestones.all()
        ]
    milestone_rows = (
        _milestone_rows(
            milestones, errors, duration=challenge.duration_months, with_amount=False, required=True
        )
        if milestones is not None
        else None
    )
    errors.raise_if_any()
    changes = audit.diff(before, audit.snapshot(challenge, fields))
    if changes:
        challenge.save(update_fields=[*changes.keys(), "updated_at"])
    rows = _write_challenge_rows(challenge, indicator_rows, milestone_rows)
    changes.update(rows)
    if changes:
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            instance=challenge,
            changes=changes,
            organisation=challenge.issuer,
        )
    return changes


# -- challenges: workflow ---------------------------------------------------------------------------
def _locked(challenge: Challenge) -> Challenge:
    return (
        Challenge.objects.select_for_update(of=("self",))
        .select_related("issuer", "contact", "created_by")
        .get(pk=challenge.pk)
    )


def _required_reason(reason: str, message: str) -> str:
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": message})
    if len(reason) > 500:
        raise ValidationError({"reason": _("说明不能超过 500 字。")})
    return reason


@transaction.atomic
def challenge_submit(*, actor: Any, challenge: Challenge) -> Challenge:
    """Send a draft or returned challenge to the secretariat for approval (→ 待审核)."""
    permissions.require_edit_challenge(actor, challenge)
    challenge = _locked(challenge)
    if challenge.status not in EDITABLE:
        raise ValidationError(_("只有草稿或退回修改的榜单可以提交审核。"))
    if challenge.deadline <= timezone.localdate():
        raise ValidationError({"deadline": _("揭榜截止日期至少应为明天，请先修改截止日期。")})
    errors = _Errors()
    if not challenge.indicators.exists():
        errors.add("indicators", _("请至少填写一项核心技术指标。"))
    if not challenge.milestones.exists():
        errors.add("milestones", _("请至少填写一个节点。"))
    if challenge.budget_total <= 0:
        errors.add("budget_public", _("财政资金与企业投入合计应大于 0。"))
    errors.raise_if_any()
    change = workflow.transition(
        actor=actor, instance=challenge, to=Status.PENDING, organisation=challenge.issuer
    )
    notify_after_commit(
        secretariat_users(),
        actor=actor,
        key=f"challenge:{challenge.pk}:pending:{change.pk}",
        title=_("待审核榜单：%(t)s") % {"t": challenge.title},
        body=_("%(org)s 提交了揭榜挂帅榜单，请审核。") % {"org": challenge.issuer},
        url=_challenge_url(challenge),
    )
    return challenge


@transaction.atomic
def challenge_approve(*, actor: Any, challenge: Challenge, note: str = "") -> Challenge:
    """The secretariat publishes a pending challenge in the hall (→ 征集中)."""
    permissions.require_secretariat(actor)
    challenge = _locked(challenge)
    if challenge.status == Status.PENDING and challenge.deadline < timezone.localdate():
        raise ValidationError(_("揭榜截止日期已过，不能发布；请退回发榜单位修改截止日期。"))
    extra: dict[str, Any] = {"published_at": timezone.now(), "approved_by": actor}
    note = _text(note)[:2000]
    if note:
        extra["review_note"] = note
    change = workflow.transition(
        actor=actor,
        instance=challenge,
        to=Status.PUBLISHED,
        reason=note,
        organisation=challenge.issuer,
        extra_updates=extra,
    )
    notify_after_commit(
        _issuer_people(challenge),
        actor=actor,
        key=f"challenge:{challenge.pk}:published:{change.pk}",
        title=_("榜单已发布：%(t)s") % {"t": challenge.title},
        body=_("委员会秘书处已审核通过，榜单已在揭榜大厅发布。"),
        url=_challenge_url(challenge),
    )
    return challenge


@transaction.atomic
def challenge_return(*, actor: Any, challenge: Challenge, reason: str) -> Challenge:
    """The secretariat sends a pending challenge back to its issuer with the reason (→ 退回修改)."""
    permissions.require_secretariat(actor)
    reason = _required_reason(reason, _("请填写退回原因。"))
    challenge = _locked(challenge)
    change = workflow.transition(
        actor=actor,
        instance=challenge,
        to=Status.RETURNED,
        reason=reason,
        organisation=challenge.issuer,
        extra_updates={"review_note": reason},
    )
    notify_after_commit(
        _issuer_people(challenge),
        actor=actor,
        key=f"challenge:{challenge.pk}:returned:{change.pk}",
        title=_("榜单被退回修改：%(t)s") % {"t": challenge.title},
        body=_("退回原因：%(r)s") % {"r": reason},
        url=_challenge_url(challenge),
    )
    return challenge


@transaction.atomic
def challenge_cancel(*, actor: Any, challenge: Challenge, reason: str = "") -> Challenge:
    """The issuer drops its draft; the secretariat cancels a published call, saying why."""
    challenge = _locked(challenge)
    published = challenge.status in (Status.PUBLISHED, Status.REVIEWING)
    if published:
        permissions.require_secretariat(actor)
        reason = _required_reason(reason, _("撤销已发布的榜单时请说明原因。"))
    else:
        permissions.require_edit_challenge(actor, challenge)
        reason = _text(reason)[:500]
    change = workflow.transition(
        actor=actor, instance=challenge, to=Status.CANCELLED, reason=reason, organisation=challenge.issuer
    )
    if published:
        applicants: list[Any] = []
        for application in challenge.applications.exclude(status=AppStatus.WITHDRAWN).select_related(
            "created_by"
        ):
            applicants.append(application.created_by)
            applicants.extend(m.user for m in application.members.select_related("user") if m.user_id)
        notify_after_commit(
            [*applicants, *_issuer_people(challenge)],
            actor=actor,
            key=f"challenge:{challenge.pk}:cancelled:{change.pk}",
            title=_("榜单已撤销：%(t)s") % {"t": challenge.title},
            body=_("撤销原因：%(r)s") % {"r": reason},
            url=_challenge_url(challenge),
        )
    return challenge


@transaction.atomic
def challenge_start_review(*, actor: Any, challenge: Challenge) -> Challenge:
    """After the deadline, with at least one submitted application: the review opens (→ 评审中)."""
    permissions.require_secretariat(actor)
    challenge = _locked(challenge)
    if challenge.status != Status.PUBLISHED:
        raise ValidationError(_("只有征集中的榜单可以进入评审。"))
    if timezone.localdate() <= challenge.deadline:
        raise ValidationError(
            _("揭榜截止日期（%(d)s）之后才能开始评审。") % {"d": f"{challenge.deadline:%Y-%m-%d}"}
        )
    if not challenge.applications.filter(status=AppStatus.SUBMITTED).exists():
        raise ValidationError(_("该榜单没有已提交的申报，不能开始评审；可以撤销榜单。"))
    workflow.transition(actor=actor, instance=challenge, to=Status.REVIEWING, organisation=challenge.issuer)
    return challenge


# -- public Q&A -------------------------------------------------------------------------------------
@transaction.atomic
def question_ask(*, actor: Any, challenge: Challenge, question: str) -> ChallengeQuestion:
    """A signed-in user asks about a challenge open for applications."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("请先登录再提问。"))
    challenge = _locked(challenge)
    if not is_open(challenge):
        raise ValidationError(_("榜单征集期内才能提问；截止日期已过或榜单未在征集中。"))
    text = _text(question)
    if not text:
        raise ValidationError({"question": _("请填写问题。")})
    if len(text) > 1000:
        raise ValidationError({"question": _("问题不能超过 1000 字。")})
    item = ChallengeQuestion.objects.create(challenge=challenge, asked_by=actor, question=text)
    audit.record_create(actor=actor, instance=item, fields=["question"], organisation=challenge.issuer)
    notify_after_commit(
        _issuer_people(challenge),
        actor=actor,
        key=f"challenge:{challenge.pk}:question:{item.pk}",
        title=_("榜单收到新的提问：%(t)s") % {"t": challenge.title},
        body=text[:200],
        url=_challenge_url(challenge) + "#questions",
    )
    return item


@transaction.atomic
def question_answer(*, actor: Any, question: ChallengeQuestion, answer: str) -> ChallengeQuestion:
    """The issuer's people or the secretariat answer; the answer makes the question public."""
    challenge = question.challenge
    if not permissions.can_answer_questions(actor, challenge):
        raise PermissionDenied(_("只有发榜单位成员或委员会秘书处可以答复。"))
    question = ChallengeQuestion.objects.select_for_update(of=("self",)).get(pk=question.pk)
    text = _text(answer)
    if not text:
        raise ValidationError({"answer": _("请填写答复内容。")})
    if len(text) > 3000:
        raise ValidationError({"answer": _("答复不能超过 3000 字。")})
    changes = audit.model_update(
        actor=actor,
        instance=question,
        data={"answer": text, "answered_by": actor, "answered_at": timezone.now()},
        fields=["answer", "answered_by", "answered_at"],
        organisation=challenge.issuer,
    )
    if changes and question.asked_by is not None:
        notify_after_commit(
            [question.asked_by],
            actor=actor,
            key=f"challenge:question:{question.pk}:answered:{int(timezone.now().timestamp())}",
            title=_("您的提问已答复：%(t)s") % {"t": challenge.title},
            body=text[:200],
            url=_challenge_url(challenge) + "#questions",
        )
    return question
