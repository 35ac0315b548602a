"""Writes to milestone contracts (军令状): signing, milestone panels and expert verdicts, the
recorded outcome of each review, tranches and penalties.

Only the committee secretariat signs, reviews, pays and penalises; the experts of a milestone
panel give their opinion once each per review round (an extension opens the next round). Every
function is atomic and audited; bad input raises ValidationError (by field where there is one)
in Chinese and writes nothing; notifications go out after the commit.

MilestoneContract and ContractMilestone have no transitions table on the model: their allowed
moves are kept here (MILESTONE_MOVES, and a contract only ever leaves ACTIVE).
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.challenges import panels, permissions
from hebi.challenges.milestone_selectors import tally
from hebi.challenges.models import (
    Application,
    Challenge,
    ContractMilestone,
    ExpertProfile,
    MilestoneContract,
    MilestoneReview,
    MilestoneVerdict,
    Panel,
    PanelMember,
    Penalty,
    Tranche,
)
from hebi.contracts.rules import money
from hebi.core import audit
from hebi.core.models import AuditLog
from hebi.core.permissions import CONTRIBUTOR_ROLES
from hebi.matching.services import notify_after_commit

Kind = ContractMilestone.Kind
Status = ContractMilestone.Status
ContractStatus = MilestoneContract.Status

# Outcomes a milestone may receive from each status; an extended milestone is reviewed again.
MILESTONE_MOVES: dict[str, tuple[str, ...]] = {
    Status.PENDING: (Status.PASSED, Status.EXTENDED, Status.FAILED),
    Status.EXTENDED: (Status.PASSED, Status.EXTENDED, Status.FAILED),
    Status.PASSED: (),
    Status.FAILED: (),
}
# An extension may not run more than this many months past the contract's end.
MAX_EXTENSION_MONTHS = 12
MIN_MILESTONES = 2
MAX_MILESTONES = 20
CONTRACT_FIELDS = [
    "application",
    "number",
    "signed_on",
    "starts_on",
    "ends_on",
    "amount_public",
    "amount_enterprise",
    "penalty_terms",
]
MILESTONE_FIELDS = ["title", "kind", "due_on", "deliverable", "tranche"]
# Every date of a contract (signing, term, milestones, extensions, tranches) lies in this range:
# a typo such as 9999 would otherwise overflow the date arithmetic further on.
DATE_MIN = datetime.date(2000, 1, 1)
DATE_MAX = datetime.date(2100, 12, 31)


def yuan_text(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb).

    Beyond the calendar's ends (year 1 / 9999) it stops at the first or last representable day;
    the callers refuse dates outside DATE_MIN … DATE_MAX anyway."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if year > datetime.MAXYEAR:
        return datetime.date.max
    if year < datetime.MINYEAR:
        return datetime.date.min
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def date_in_range(value: datetime.date) -> bool:
    return DATE_MIN <= value <= DATE_MAX


def date_range_message(label: str) -> str:
    return _("%(label)s应在 %(min)s 至 %(max)s 之间。") % {
        "label": label,
        "min": DATE_MIN.isoformat(),
        "max": DATE_MAX.isoformat(),
    }


def check_date_range(value: Any) -> None:
    """Validator for the date fields of the contract forms and serializers."""
    if isinstance(value, datetime.date) and not date_in_range(value):
        raise ValidationError(date_range_message(_("日期")), code="date_out_of_range")


# -- people to tell ---------------------------------------------------------------------------------
def _contributors(*organisation_ids: int) -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(
            memberships__organisation_id__in=organisation_ids,
            memberships__role__in=CONTRIBUTOR_ROLES,
            is_active=True,
        )
        .distinct()
    )


def applicant_people(application: Application) -> list[Any]:
    """Who filed the application and the people acting for its lead organisation."""
    people = list(_contributors(application.lead_id))
    if application.created_by is not None:
        people.append(application.created_by)
    return people


def issuer_people(application: Application) -> list[Any]:
    return list(_contributors(application.challenge.issuer_id))


def _tell_parties(contract: MilestoneContract, *, actor: Any, key: str, title: str, body: str) -> None:
    application = contract.application
    notify_after_commit(
        [*applicant_people(application), *issuer_people(application)],
        actor=actor,
        key=key,
        title=title,
        body=body,
        url=reverse("challenges:contract-detail", args=[contract.pk]),
    )


# -- signing --------------------------------------------------------------------------------------------
def contract_refusal(application: Application) -> str | None:
    """Why no contract can be drawn up for this application now, or None."""
    if application.status != Application.Status.AWARDED:
        return _("只有揭榜成功的申报才能签订军令状。")
    if MilestoneContract.objects.filter(application_id=application.pk).exists():
        return _("该申报已签订军令状。")
    return None


def proposed_milestones(application: Application, starts_on: datetime.date) -> list[dict[str, Any]]:
    """The application's promised milestones as contract rows, each due its month after the
    contract's start: the last is the acceptance (验收), the middle one the mid-term review
    (中期考核), the others plain milestone reviews. "month" tells the page how to move the date
    when the start changes."""
    rows = list(application.milestones.all())
    middle = (len(rows) - 1) // 2
    proposed = []
    for index, row in enumerate(rows):
        if index == len(rows) - 1:
            kind = Kind.ACCEPTANCE
        elif index == middle:
            kind = Kind.MIDTERM
        else:
            kind = Kind.MILESTONE
        proposed.append(
            {
                "title": row.title,
                "kind": kind,
                "due_on": add_months(starts_on, row.month),
                "deliverable": row.deliverable,
                "tranche": row.amount,
                "month": row.month,
            }
        )
    return proposed


def next_number(year: int) -> str:
    """JLZ-<year>-<4-digit sequence>, one more than the highest number of that year."""
    prefix = f"JLZ-{year}-"
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    highest = 0
    for number in MilestoneContract.objects.filter(number__startswith=prefix).values_list(
        "number", flat=True
    ):
        found = pattern.match(number)
        if found:
            highest = max(highest, int(found.group(1)))
    return f"{prefix}{highest + 1:04d}"


def _clean_rows(rows: Sequence[Mapping[str, Any]], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    cleaned = []
    problems = errors.setdefault("milestones", [])
    for position, row in enumerate(rows, start=1):
        title = str(row.get("title") or "").strip()
        kind = str(row.get("kind") or Kind.MILESTONE)
        due_on = row.get("due_on")
        tranche = money(row.get("tranche"))
        deliverable = str(row.get("deliverable") or "").strip()
        where = _("第 %(n)d 个节点：") % {"n": position}
        if not title:
            problems.append(where + _("请填写节点名称。"))
        elif len(title) > 100:
            problems.append(where + _("节点名称最多 100 字。"))
        if kind not in Kind.values:
            problems.append(where + _("请选择考核方式。"))
        if not isinstance(due_on, datetime.date):
            problems.append(where + _("请填写考核日期。"))
        elif not date_in_range(due_on):
            problems.append(where + date_range_message(_("考核日期")))
        if tranche is None or tranche < 0:
            problems.append(where + _("拨付金额应为不小于 0 的数字（元）。"))
        if len(deliverable) > 300:
            problems.append(where + _("考核内容最多 300 字。"))
        cleaned.append(
            {"title": title, "kind": kind, "due_on": due_on, "deliverable": deliverable, "tranche": tranche}
        )
    return cleaned


def _check_schedule(
    rows: list[dict[str, Any]],
    *,
    starts_on: datetime.date | None,
    ends_on: datetime.date | None,
    amount_public: Decimal | None,
    errors: dict[str, list[str]],
) -> None:
    """At least two milestones; exactly one acceptance, due last; all due within the term;
    the tranches add up to the public money."""
    problems = errors.setdefault("milestones", [])
    if len(rows) < MIN_MILESTONES:
        problems.append(_("军令状至少需要 %(n)d 个考核节点（含验收）。") % {"n": MIN_MILESTONES})
    if len(rows) > MAX_MILESTONES:
        problems.append(_("考核节点最多 %(n)d 个。") % {"n": MAX_MILESTONES})
    if problems:
        return
    acceptances = [r for r in rows if r["kind"] == Kind.ACCEPTANCE]
    if len(acceptances) != 1:
        problems.append(_("应有且只有一个验收节点（现有 %(n)d 个）。") % {"n": len(acceptances)})
    else:
        last = acceptances[0]["due_on"]
        if any(r["due_on"] >= last for r in rows if r["kind"] != Kind.ACCEPTANCE):
            problems.append(_("验收节点应是最后一个考核节点：其他节点的考核日期都应早于验收日期。"))
    if starts_on and ends_on and ends_on > starts_on:
        outside = [r["title"] for r in rows if not starts_on <= r["due_on"] <= ends_on]
        if outside:
            problems.append(
                _("以下节点的考核日期不在军令状期限（%(start)s 至 %(end)s）内：%(titles)s")
                % {"start": starts_on.isoformat(), "end": ends_on.isoformat(), "titles": "、".join(outside)}
            )
    total = sum((r["tranche"] for r in rows), Decimal(0))
    if amount_public is not None and total != amount_public:
        problems.append(
            _("各节点拨付金额合计 %(sum)s 元，应等于财政资金 %(public)s 元。")
            % {"sum": yuan_text(total), "public": yuan_text(amount_public)}
        )


def committed_public(challenge: Challenge) -> Decimal:
    """The public money the call's contracts already hold: the whole amount of active and completed
    contracts, and what was actually released to failed or terminated ones (it may be spent)."""
    held = MilestoneContract.objects.filter(
        application__challenge=challenge, status__in=[ContractStatus.ACTIVE, ContractStatus.COMPLETED]
    ).aggregate(total=Sum("amount_public"))["total"] or Decimal(0)
    released = Tranche.objects.filter(
        milestone__contract__application__challenge=challenge,
        milestone__contract__status__in=[ContractStatus.FAILED, ContractStatus.TERMINATED],
    ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return held + released


def _clean_contract(
    application: Application,
    data: Mapping[str, Any],
    milestones: Sequence[Mapping[str, Any]],
    *,
    committed: Decimal = Decimal(0),
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    errors: dict[str, list[str]] = {}
    challenge = application.challenge
    signed_on, starts_on, ends_on = data.get("signed_on"), data.get("starts_on"), data.get("ends_on")
    for name, value, message, label in (
        ("signed_on", signed_on, _("请填写签订日期。"), _("签订日期")),
        ("starts_on", starts_on, _("请填写开始日期。"), _("开始日期")),
    ):
        if not isinstance(value, datetime.date):
            errors[name] = [message]
        elif not date_in_range(value):
            errors[name] = [date_range_message(label)]
    if ends_on is None and isinstance(starts_on, datetime.date) and "starts_on" not in errors:
        ends_on = add_months(starts_on, challenge.duration_months)
    if not isinstance(ends_on, datetime.date):
        if "starts_on" not in errors:
            errors["ends_on"] = [_("请填写结束日期。")]
    elif not date_in_range(ends_on):
        errors["ends_on"] = [date_range_message(_("结束日期"))]
    elif isinstance(starts_on, datetime.date) and ends_on <= starts_on:
        errors["ends_on"] = [_("结束日期应晚于开始日期。")]
    amount_public = money(data.get("amount_public"))
    if amount_public is None or amount_public < 0:
        errors["amount_public"] = [_("请填写财政资金（不小于 0 的金额，单位：元）。")]
    elif committed + amount_public > challenge.budget_public:
        if committed:
            errors["amount_public"] = [
                _(
                    "超出榜单的财政资金预算：预算 %(budget)s 元，本榜单已签订的军令状占用 %(committed)s 元，"
                    "本军令状 %(amount)s 元，合计 %(total)s 元；本军令状最多还可安排 %(left)s 元。"
                )
                % {
                    "budget": yuan_text(challenge.budget_public),
                    "committed": yuan_text(committed),
                    "amount": yuan_text(amount_public),
                    "total": yuan_text(committed + amount_public),
                    "left": yuan_text(max(challenge.budget_public - committed, Decimal(0))),
                }
            ]
        else:
            errors["amount_public"] = [
                _("财政资金不能超过榜单的财政资金预算 %(budget)s 元。")
                % {"budget": yuan_text(challenge.budget_public)}
            ]
    raw_enterprise = data.get("amount_enterprise")
    amount_enterprise = Decimal(0) if raw_enterprise in (None, "") else money(raw_enterprise)
    if amount_enterprise is None or amount_enterprise < 0:
        errors["amount_enterprise"] = [_("企业投入应为不小于 0 的金额（元）。")]
    penalty_terms = str(data.get("penalty_terms") or "").strip()
    if not penalty_terms:
        errors["penalty_terms"] = [_("请写明违约与责任条款。")]
    elif len(penalty_terms) > 3000:
        errors["penalty_terms"] = [_("违约与责任条款最多 3000 字。")]
    rows = _clean_rows(milestones, errors)
    if not errors["milestones"]:
        _check_schedule(
            rows,
            starts_on=starts_on
            if isinstance(starts_on, datetime.date) and "starts_on" not in errors
            else None,
            ends_on=ends_on if isinstance(ends_on, datetime.date) and "ends_on" not in errors else None,
            amount_public=amount_public if "amount_public" not in errors else None,
            errors=errors,
        )
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise ValidationError(errors)
    rows.sort(key=lambda r: r["due_on"])
    fields = {
        "signed_on": signed_on,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "amount_public": amount_public,
        "amount_enterprise": amount_enterprise,
        "penalty_terms": penalty_terms,
    }
    return fields, rows


@transaction.atomic
def contract_create(
    *,
    actor: Any,
    application: Application,
    data: Mapping[str, Any],
    milestones: Sequence[Mapping[str, Any]],
) -> MilestoneContract:
    """Sign the milestone contract of an awarded application, with its milestones and tranches."""
    permissions.require_secretariat(actor)
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("challenge", "challenge__issuer", "lead", "created_by")
        .get(pk=application.pk)
    )
    refusal = contract_refusal(application)
    if refusal:
        raise ValidationError(refusal)
    # The call's budget is shared by all its contracts: lock the call while adding up what they hold.
    application.challenge = (
        Challenge.objects.select_for_update().select_related("issuer").get(pk=application.challenge_id)
    )
    fields, rows = _clean_contract(
        application, data, milestones, committed=committed_public(application.challenge)
    )
    contract = None
    for _attempt in range(5):
        candidate = MilestoneContract(
            application=application,
            number=next_number(fields["signed_on"].year),
            created_by=actor,
            **fields,
        )
        try:
            with transaction.atomic():
                candidate.save()
        except IntegrityError:
            # Another contract took the number (or the application) meanwhile: look again.
            refusal = contract_refusal(application)
            if refusal:
                raise ValidationError(refusal) from None
            continue
        contract = candidate
        break
    if contract is None:
        raise ValidationError(_("军令状编号生成失败，请重试。"))
    created = ContractMilestone.objects.bulk_create(
        [ContractMilestone(contract=contract, order=order, **row) for order, row in enumerate(rows)]
    )
    issuer = application.challenge.issuer
    audit.record_create(
        actor=actor,
        instance=contract,
        fields=CONTRACT_FIELDS,
        organisation=issuer,
        note=_("考核节点：%(items)s")
        % {"items": "；".join(f"{m.title} {m.due_on:%Y-%m-%d} {yuan_text(m.tranche)}" for m in created)},
    )
    _tell_parties(
        contract,
        actor=actor,
        key=f"milestone-contract:{contract.pk}",
        title=_("军令状已签订：%(number)s") % {"number": contract.number},
        body=_("%(title)s · 财政资金 %(amount)s 元，%(n)d 个考核节点。")
        % {"title": application.title, "amount": yuan_text(contract.amount_public), "n": len(created)},
    )
    return contract


# -- milestone panels and verdicts ---------------------------------------------------------------
def panel_kind(milestone: ContractMilestone) -> str:
    return Panel.Kind.ACCEPTANCE if milestone.kind == Kind.ACCEPTANCE else Panel.Kind.MIDTERM


def _lock_milestone(milestone: ContractMilestone) -> ContractMilestone:
    locked = (
        ContractMilestone.objects.select_for_update(of=("self",))
        .select_related("contract", "contract__application", "contract__application__challenge")
        .get(pk=milestone.pk)
    )
    # The contract's status is read and written under the same lock.
    locked.contract = MilestoneContract.objects.select_for_update().get(pk=locked.contract_id)
    return locked


def _require_active(contract: MilestoneContract, message: str) -> None:
    if contract.status != ContractStatus.ACTIVE:
        raise ValidationError(message % {"status": contract.get_status_display()})


@transaction.atomic
def milestone_panel_form(
    *, actor: Any, milestone: ContractMilestone, experts: Iterable[ExpertProfile]
) -> Panel:
    """The mid-term or acceptance panel of one milestone (conflicts excluded, see panels.py)."""
    permissions.require_secretariat(actor)
    milestone = _lock_milestone(milestone)
    _require_active(milestone.contract, _("军令状%(status)s，不能再组建考核专家组。"))
    if not MILESTONE_MOVES[milestone.status]:
        raise ValidationError(_("该节点已考核完毕，无需再组建专家组。"))
    return panels.form_panel(
        actor=actor,
        challenge=milestone.contract.application.challenge,
        experts=experts,
        kind=panel_kind(milestone),
        milestone=milestone,
    )


def _member_profile(actor: Any, panel: Panel) -> ExpertProfile:
    profile = permissions.expert_profile(actor)
    if profile is None or not PanelMember.objects.filter(panel=panel, expert=profile).exists():
        raise PermissionDenied(_("您不是该考核专家组的成员。"))
    return profile


@transaction.atomic
def verdict_submit(*, actor: Any, panel: Panel, verdict: str, comment: str) -> MilestoneVerdict:
    """One expert's opinion on a milestone (通过 / 延期整改 / 不通过), given once per review round."""
    panel = (
        Panel.objects.select_for_update(of=("self",))
        .select_related("challenge", "milestone", "milestone__contract__application")
        .get(pk=panel.pk)
    )
    profile = _member_profile(actor, panel)
    if panel.milestone is None or panel.kind == Panel.Kind.REVIEW:
        raise ValidationError(_("该专家组不是节点考核专家组。"))
    if panel.status != Panel.Status.OPEN:
        raise ValidationError(_("该考核已结束，不能再提交意见。"))
    errors: dict[str, str] = {}
    if verdict not in MilestoneVerdict.Verdict.values:
        errors["verdict"] = _("请选择考核意见：通过、延期整改或不通过。")
    comment = (comment or "").strip()
    if not comment:
        errors["comment"] = _("请填写考核说明。")
    elif len(comment) > 2000:
        errors["comment"] = _("考核说明最多 2000 字。")
    if errors:
        raise ValidationError(errors)
    if MilestoneVerdict.objects.filter(panel=panel, round=panel.round, expert=profile).exists():
        raise ValidationError(_("您已提交过本轮考核意见。"))
    reasons = panels.conflicted_for(panel, profile, panel.milestone.contract.application)
    if reasons:
        raise ValidationError(
            _("您与该项目存在利益冲突，需回避：%(reasons)s")
            % {"reasons": "；".join(r["detail"] for r in reasons)}
        )
    try:
        with transaction.atomic():
            given = MilestoneVerdict.objects.create(
                panel=panel, round=panel.round, expert=profile, verdict=verdict, comment=comment
            )
    except IntegrityError:
        raise ValidationError(_("您已提交过本轮考核意见。")) from None
    audit.record_create(
        actor=actor,
        instance=given,
        fields=["panel", "round", "expert", "verdict"],
        organisation=panel.challenge.issuer,
    )
    return given


# -- the recorded outcome ------------------------------------------------------------------------
def _close_open_panels(actor: Any, contract: MilestoneContract) -> None:
    for panel in Panel.objects.filter(milestone__contract=contract, status=Panel.Status.OPEN):
        panel.status = Panel.Status.CLOSED
        panel.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            instance=panel,
            changes={"status": [Panel.Status.OPEN, Panel.Status.CLOSED]},
            organisation=contract.application.challenge.issuer,
        )


def _end_contract(actor: Any, contract: MilestoneContract, to: str, note: str) -> None:
    before = contract.status
    contract.status = to
    contract.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditLog.Action.TRANSITION,
        instance=contract,
        changes={"status": [before, to]},
        organisation=contract.application.challenge.issuer,
        note=note,
    )
    _close_open_panels(actor, contract)


def _check_review_input(
    milestone: ContractMilestone, outcome: str, comment: str, extended_to: datetime.date | None
) -> None:
    errors: dict[str, str] = {}
    if outcome not in (Status.PASSED, Status.EXTENDED, Status.FAILED):
        errors["outcome"] = _("请选择考核结果：通过、延期整改或未通过。")
    if not comment:
        errors["comment"] = _("请填写考核意见。")
    elif len(comment) > 3000:
        errors["comment"] = _("考核意见最多 3000 字。")
    if outcome == Status.EXTENDED:
        limit = min(add_months(milestone.contract.ends_on, MAX_EXTENSION_MONTHS), DATE_MAX)
        if not isinstance(extended_to, datetime.date):
            errors["extended_to"] = _("延期整改须填写新的考核日期。")
        elif not date_in_range(extended_to):
            errors["extended_to"] = date_range_message(_("新的考核日期"))
        elif extended_to <= milestone.due_on:
            errors["extended_to"] = _("新的考核日期应晚于当前考核日期 %(due)s。") % {
                "due": milestone.due_on.isoformat()
            }
        elif extended_to > limit:
            errors["extended_to"] = _("新的考核日期不能晚于 %(limit)s（军令状结束日期后 %(n)d 个月）。") % {
                "limit": limit.isoformat(),
                "n": MAX_EXTENSION_MONTHS,
            }
    if errors:
        raise ValidationError(errors)


def _require_earlier_passed(acceptance: ContractMilestone) -> None:
    """An acceptance passes only after every earlier milestone (by order or due date) passed."""
    pending = (
        ContractMilestone.objects.filter(contract_id=acceptance.contract_id)
        .filter(Q(order__lt=acceptance.order) | Q(due_on__lt=acceptance.due_on))
        .exclude(pk=acceptance.pk)
        .exclude(status=Status.PASSED)
        .order_by("order", "due_on", "id")
    )
    if pending:
        raise ValidationError(
            {
                "outcome": _("以下节点尚未通过考核，验收不能记录为通过：%(items)s")
                % {"items": "、".join(f"{m.title}（{m.get_status_display()}）" for m in pending)}
            }
        )


@transaction.atomic
def milestone_review(
    *,
    actor: Any,
    milestone: ContractMilestone,
    outcome: str,
    comment: str,
    extended_to: datetime.date | None = None,
) -> MilestoneReview:
    """Record the outcome of a milestone's review, once a majority of its panel gave a verdict.

    Only the verdicts of the panel's current round count. Passed or failed closes the panel;
    extended moves the due date and opens the panel's next round, in which every member gives a
    fresh verdict. The acceptance decides the contract: passed → completed (only once every earlier
    milestone passed), failed → failed (at any time).
    """
    permissions.require_secretariat(actor)
    milestone = _lock_milestone(milestone)
    contract = milestone.contract
    _require_active(contract, _("军令状%(status)s，不能再记录考核结果。"))
    if not MILESTONE_MOVES[milestone.status]:
        raise ValidationError(
            _("该节点已考核完毕（%(status)s）。") % {"status": milestone.get_status_display()}
        )
    comment = (comment or "").strip()
    _check_review_input(milestone, outcome, comment, extended_to)
    if milestone.kind == Kind.ACCEPTANCE and outcome == Status.PASSED:
        _require_earlier_passed(milestone)
    # Locked like in verdict_submit, so no verdict slips into the round being decided.
    panel = (
        Panel.objects.select_for_update(of=("self",))
        .filter(milestone=milestone)
        .prefetch_related("memberships", "verdicts")
        .first()
    )
    if panel is None:
        raise ValidationError(_("请先组建考核专家组。"))
    counted = tally(panel)
    if not counted["enough"]:
        raise ValidationError(
            _(
                "第 %(round)d 轮考核：专家组 %(members)d 人中已有 %(given)d 人提交考核意见，"
                "至少需要 %(needed)d 人提交后才能记录考核结果。"
            )
            % counted
        )
    issuer = contract.application.challenge.issuer
    review = MilestoneReview.objects.create(
        milestone=milestone,
        outcome=outcome,
        comment=comment,
        extended_to=extended_to if outcome == Status.EXTENDED else None,
        decided_by=actor,
    )
    audit.record_create(
        actor=actor,
        instance=review,
        fields=["milestone", "outcome", "comment", "extended_to"],
        organisation=issuer,
        note=_("第 %(round)d 轮考核，专家意见 %(given)d/%(members)d") % counted,
    )
    changes = {
        "status": outcome,
        "reviewed_by": actor,
        "reviewed_at": timezone.now(),
        "outcome_comment": comment,
    }
    if outcome == Status.EXTENDED:
        changes["due_on"] = extended_to
    audit.model_update(
        actor=actor,
        instance=milestone,
        data=changes,
        fields=["status", "due_on", "outcome_comment", "reviewed_by", "reviewed_at"],
        organisation=issuer,
    )
    if outcome == Status.EXTENDED:
        # The panel judges the rectified work afresh: a new round, in which every member speaks again.
        Panel.objects.filter(pk=panel.pk).update(round=F("round") + 1, updated_at=timezone.now())
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            instance=panel,
            changes={"round": [panel.round, panel.round + 1]},
            organisation=issuer,
        )
    else:
        Panel.objects.filter(pk=panel.pk).update(status=Panel.Status.CLOSED, updated_at=timezone.now())
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            instance=panel,
            changes={"status": [Panel.Status.OPEN, Panel.Status.CLOSED]},
            organisation=issuer,
        )
    if milestone.kind == Kind.ACCEPTANCE and outcome in (Status.PASSED, Status.FAILED):
        _end_contract(
            actor,
            contract,
            ContractStatus.COMPLETED if outcome == Status.PASSED else ContractStatus.FAILED,
            _("验收%(outcome)s") % {"outcome": milestone.get_status_display()},
        )
    body = (
        comment
        if outcome != Status.EXTENDED
        else _("延期至 %(date)s。%(comment)s")
        % {
            "date": extended_to.isoformat() if extended_to else "",
            "comment": comment,
        }
    )
    _tell_parties(
        contract,
        actor=actor,
        key=f"milestone-review:{review.pk}",
        title=_("%(milestone)s 考核结果：%(outcome)s")
        % {"milestone": milestone.title, "outcome": review.get_outcome_display()},
        body=body,
    )
    return review


@transaction.atomic
def contract_terminate(*, actor: Any, contract: MilestoneContract, reason: str) -> MilestoneContract:
    """End an active contract early (终止), e.g. after a failed milestone; the reason is required."""
    permissions.require_secretariat(actor)
    contract = (
        MilestoneContract.objects.select_for_update(of=("self",))
        .select_related("application", "application__challenge")
        .get(pk=contract.pk)
    )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写终止原因。")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("终止原因最多 500 字。")})
    if contract.status != ContractStatus.ACTIVE:
        raise ValidationError(
            _("只有执行中的军令状可以终止（当前：%(status)s）。") % {"status": contract.get_status_display()}
        )
    _end_contract(actor, contract, ContractStatus.TERMINATED, reason)
    _tell_parties(
        contract,
        actor=actor,
        key=f"milestone-contract:{contract.pk}:terminated",
        title=_("军令状已终止：%(number)s") % {"number": contract.number},
        body=reason,
    )
    return contract


# -- money ------------------------------------------------------------------------------------------
def released_total(milestone: ContractMilestone) -> Decimal:
    total = Tranche.objects.filter(milestone=milestone).aggregate(total=Sum("amount"))["total"]
    return total or Decimal(0)


@transaction.atomic
def tranche_release(
    *,
    actor: Any,
    milestone: ContractMilestone,
    amount: Any,
    released_on: datetime.date | None,
    note: str = "",
) -> Tranche:
    """Release (part of) a passed milestone's tranche; never more than what is left of it."""
    permissions.require_secretariat(actor)
    milestone = _lock_milestone(milestone)
    contract = milestone.contract
    if contract.status in (ContractStatus.FAILED, ContractStatus.TERMINATED):
        raise ValidationError(
            _("军令状%(status)s，不能再拨付资金。") % {"status": contract.get_status_display()}
        )
    if milestone.status != Status.PASSED:
        raise ValidationError(_("该节点尚未通过考核，不能拨付资金。"))
    errors: dict[str, str] = {}
    value = money(amount)
    if value is None or value <= 0:
        errors["amount"] = _("请填写大于 0 的拨付金额（元）。")
    else:
        remaining = milestone.tranche - released_total(milestone)
        if value > remaining:
            errors["amount"] = _("超出该节点的拨付额度：剩余 %(rest)s 元。") % {"rest": yuan_text(remaining)}
    if not isinstance(released_on, datetime.date):
        errors["released_on"] = _("请填写拨付日期。")
    elif not date_in_range(released_on):
        errors["released_on"] = date_range_message(_("拨付日期"))
    elif released_on > timezone.localdate():
        errors["released_on"] = _("拨付日期不能晚于今天。")
    note = (note or "").strip()
    if len(note) > 300:
        errors["note"] = _("备注最多 300 字。")
    if errors or value is None or not isinstance(released_on, datetime.date):
        raise ValidationError(errors)
    tranche = Tranche.objects.create(
        milestone=milestone, amount=value, released_on=released_on, note=note, released_by=actor
    )
    audit.record_create(
        actor=actor,
        instance=tranche,
        fields=["milestone", "amount", "released_on", "note"],
        organisation=contract.application.challenge.issuer,
    )
    _tell_parties(
        contract,
        actor=actor,
        key=f"tranche:{tranche.pk}",
        title=_("资金已拨付：%(milestone)s") % {"milestone": milestone.title},
        body=_("%(date)s 拨付 %(amount)s 元。")
        % {"date": released_on.isoformat(), "amount": yuan_text(value)},
    )
    return tranche


@transaction.atomic
def penalty_record(
    *,
    actor: Any,
    contract: MilestoneContract,
    description: str,
    amount: Any = None,
    milestone: ContractMilestone | None = None,
) -> Penalty:
    """Record a penalty against the team (追责): what, how much (optional), on which milestone."""
    permissions.require_secretariat(actor)
    contract = (
        MilestoneContract.objects.select_for_update(of=("self",))
        .select_related("application", "application__challenge")
        .get(pk=contract.pk)
    )
    errors: dict[str, str] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = _("请填写处理内容。")
    elif len(description) > 2000:
        errors["description"] = _("处理内容最多 2000 字。")
    value = None
    if amount not in (None, ""):
        value = money(amount)
        if value is None or value < 0:
            errors["amount"] = _("金额应为不小于 0 的数字（元）。")
    if milestone is not None and milestone.contract_id != contract.pk:
        errors["milestone"] = _("该节点不属于本军令状。")
    if errors:
        raise ValidationError(errors)
    penalty = Penalty.objects.create(
        contract=contract, milestone=milestone, description=description, amount=value, recorded_by=actor
    )
    audit.record_create(
        actor=actor,
        instance=penalty,
        fields=["contract", "milestone", "description", "amount"],
        organisation=contract.application.challenge.issuer,
    )
    _tell_parties(
        contract,
        actor=actor,
        key=f"penalty:{penalty.pk}",
        title=_("军令状违约处理：%(number)s") % {"number": contract.number},
        body=description,
    )
    return penalty
