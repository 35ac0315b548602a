"""Forming an expert panel, shared by the application review and the milestone reviews.

The secretariat proposes experts; each one with a conflict (see conflicts.py) is left out and
the reasons are stored, so the secretariat sees why. The panel must keep at least the rubric's
minimum number of experts (5 for the challenge rubric) after the exclusions; otherwise nothing
is written and the message says how many are missing.

While the review panel scores, the secretariat may seat another expert (checked for conflicts
like at formation) or remove a member with a reason. A removed member is stored as an exclusion
of kind "removed": their scores stay in the database but no longer count (review_selectors).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from hebi.challenges import conflicts
from hebi.challenges.models import (
    Application,
    Challenge,
    ContractMilestone,
    ExpertProfile,
    Panel,
    PanelExclusion,
    PanelMember,
    Rubric,
)
from hebi.challenges.permissions import require_secretariat
from hebi.core import audit
from hebi.core.models import AuditLog
from hebi.matching.services import notify

MAX_PANEL = 30
# The kind of the exclusion written when the secretariat removes a member (next to conflicts.KINDS).
REMOVED = "removed"


def applications_under_review(challenge: Challenge) -> list[Application]:
    return list(
        challenge.applications.filter(status__in=["submitted", "awarded", "not_awarded"])
        .select_related("lead")
        .prefetch_related("partners", "members")
    )


def preview(
    *, challenge: Challenge, experts: Iterable[ExpertProfile], applications: Iterable[Application]
) -> dict[int, list[dict[str, Any]]]:
    """{expert id: reasons} for the proposed experts: what form_panel would exclude."""
    ids = [e.pk for e in experts]
    loaded = ExpertProfile.objects.filter(pk__in=ids).select_related("user").prefetch_related("conflicts")
    return conflicts.gather(challenge, loaded, applications)


@transaction.atomic
def form_panel(
    *,
    actor: Any,
    challenge: Challenge,
    experts: Iterable[ExpertProfile],
    kind: str = Panel.Kind.REVIEW,
    milestone: ContractMilestone | None = None,
    rubric: Rubric | None = None,
    chair: ExpertProfile | None = None,
) -> Panel:
    """Create the panel with the proposed experts minus those in conflict; refuse a panel too small."""
    require_secretariat(actor)
    challenge = Challenge.objects.select_for_update().select_related("issuer", "rubric").get(pk=challenge.pk)
    experts = list({e.pk: e for e in experts}.values())
    if kind == Panel.Kind.REVIEW:
        if challenge.status != Challenge.Status.REVIEWING:
            raise ValidationError(_("榜单进入评审阶段后才能组建评审专家组。"))
        if challenge.panels.filter(kind=Panel.Kind.REVIEW).exists():
            raise ValidationError(_("该榜单已组建评审专家组。"))
        applications = applications_under_review(challenge)
        if not applications:
            raise ValidationError(_("该榜单没有已提交的申报，无需组建评审专家组。"))
        milestone = None
    else:
        if milestone is None:
            raise ValidationError(_("请指明要考核的节点。"))
        if milestone.panels.exists():
            raise ValidationError(_("该节点已组建考核专家组。"))
        applications = [milestone.contract.application]
    rubric = rubric or challenge.rubric
    inactive = [e for e in experts if not e.is_active]
    if inactive:
        raise ValidationError(
            _("以下专家已不在专家库中：%(names)s") % {"names": "、".join(str(e) for e in inactive)}
        )
    if len(experts) > MAX_PANEL:
        raise ValidationError(_("一个专家组最多 %(n)d 人。") % {"n": MAX_PANEL})
    experts = list(
        ExpertProfile.objects.filter(pk__in=[e.pk for e in experts])
        .select_related("user")
        .prefetch_related("conflicts")
    )
    excluded = conflicts.gather(challenge, experts, applications)
    seated = [e for e in experts if e.pk not in excluded]
    needed = rubric.min_panel_size
    if len(seated) < needed:
        raise ValidationError(
            _(
                "专家组至少需要 %(needed)d 名无利益冲突的专家；所选 %(chosen)d 人中有 %(excluded)d 人需回避，"
                "还差 %(missing)d 人。"
            )
            % {
                "needed": needed,
                "chosen": len(experts),
                "excluded": len(excluded),
                "missing": needed - len(seated),
            }
        )
    if chair is not None and chair.pk not in {e.pk for e in seated}:
        raise ValidationError(_("组长须是专家组成员且无需回避。"))
    panel = Panel.objects.create(
        challenge=challenge, kind=kind, milestone=milestone, rubric=rubric, formed_by=actor
    )
    PanelMember.objects.bulk_create(
        [PanelMember(panel=panel, expert=e, is_chair=chair is not None and e.pk == chair.pk) for e in seated]
    )
    PanelExclusion.objects.bulk_create(
        [
            PanelExclusion(panel=panel, expert_id=expert_id, reasons=reasons)
            for expert_id, reasons in excluded.items()
        ]
    )
    audit.record_create(
        actor=actor,
        instance=panel,
        fields=["challenge", "kind", "milestone", "rubric"],
        organisation=challenge.issuer,
        note=_("专家组 %(n)d 人，回避 %(m)d 人") % {"n": len(seated), "m": len(excluded)},
    )
    url = reverse("challenges:score-list")
    people = [e.user for e in seated if e.user.is_active]
    transaction.on_commit(
        lambda: notify(
            recipients=people,
            key=f"panel:{panel.pk}",
            title=_("您已受邀参加评审：%(title)s") % {"title": challenge.title},
            body=_("%(kind)s · 请在“我的评审”中独立完成评分。") % {"kind": panel.get_kind_display()},
            url=url,
        )
    )
    return panel


def conflicted_for(panel: Panel, expert: ExpertProfile, application: Application) -> list[dict[str, Any]]:
    """Reasons this expert may not score this application now (checked again at scoring time:
    a conflict declared after the panel was formed counts too)."""
    reasons: list[dict[str, Any]] = []
    for stored in PanelExclusion.objects.filter(panel=panel, expert=expert).values_list("reasons", flat=True):
        reasons.extend(stored)
    if reasons:
        return reasons
    expert = ExpertProfile.objects.select_related("user").prefetch_related("conflicts").get(pk=expert.pk)
    found = conflicts.gather(panel.challenge, [expert], [application])
    return found.get(expert.pk, [])


def _names(reasons: Iterable[dict[str, Any]]) -> str:
    return "；".join(str(r.get("detail", "")) for r in reasons)


def _locked_review_panel(panel: Panel) -> Panel:
    panel = Panel.objects.select_for_update().select_related("challenge__issuer", "rubric").get(pk=panel.pk)
    if panel.kind != Panel.Kind.REVIEW:
        raise ValidationError(_("只有揭榜评审专家组可以在评分期间增减成员。"))
    if panel.status != Panel.Status.OPEN:
        raise ValidationError(_("该专家组的评分已结束，不能再调整成员。"))
    return panel


def _member_names(panel: Panel) -> list[str]:
    return sorted(str(m.expert) for m in panel.memberships.select_related("expert__user"))


@transaction.atomic
def panel_add_member(*, actor: Any, panel: Panel, expert: ExpertProfile) -> PanelMember:
    """Seat one more expert on an open review panel (增补专家), e.g. when a member had to step
    aside; refused for an expert out of the pool, already seated, or in conflict."""
    require_secretariat(actor)
    panel = _locked_review_panel(panel)
    expert = ExpertProfile.objects.select_related("user").prefetch_related("conflicts").get(pk=expert.pk)
    name = str(expert)
    if not expert.is_active or not expert.user.is_active:
        raise ValidationError({"expert": _("%(name)s 已不在专家库中，不能加入专家组。") % {"name": name}})
    if panel.memberships.filter(expert=expert).exists():
        raise ValidationError({"expert": _("%(name)s 已是该专家组成员。") % {"name": name}})
    stored = panel.exclusions.filter(expert=expert).first()
    if stored is not None:
        if any(r.get("kind") == REMOVED for r in stored.reasons):
            raise ValidationError(
                {
                    "expert": _("%(name)s 已被移出该专家组（%(reason)s），不能再次加入。")
                    % {"name": name, "reason": _names(stored.reasons)}
                }
            )
        raise ValidationError(
            {
                "expert": _("%(name)s 在组建时因利益冲突回避本专家组：%(reasons)s")
                % {"name": name, "reasons": _names(stored.reasons)}
            }
        )
    before = _member_names(panel)
    if len(before) >= MAX_PANEL:
        raise ValidationError(_("一个专家组最多 %(n)d 人。") % {"n": MAX_PANEL})
    challenge = panel.challenge
    found = conflicts.gather(challenge, [expert], applications_under_review(challenge)).get(expert.pk)
    if found:
        raise ValidationError(
            {
                "expert": _("%(name)s 存在利益冲突，不能加入专家组：%(reasons)s")
                % {"name": name, "reasons": _names(found)}
            }
        )
    member = PanelMember.objects.create(panel=panel, expert=expert)
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        instance=panel,
        changes={"experts": [before, _member_names(panel)]},
        organisation=challenge.issuer,
        note=_("增补专家 %(name)s") % {"name": name},
    )
    url = reverse("challenges:score-list")
    person = expert.user
    transaction.on_commit(
        lambda: notify(
            recipients=[person],
            key=f"panel:{panel.pk}",
            title=_("您已受邀参加评审：%(title)s") % {"title": challenge.title},
            body=_("%(kind)s · 请在“我的评审”中独立完成评分。") % {"kind": panel.get_kind_display()},
            url=url,
        )
    )
    return member


@transaction.atomic
def panel_remove_member(*, actor: Any, panel: Panel, expert: ExpertProfile, reason: str) -> PanelExclusion:
    """Take a member off an open review panel, with the reason (e.g. a conflict found late).
    The member's scores stay stored for the record but no longer count in the aggregate."""
    require_secretariat(actor)
    panel = _locked_review_panel(panel)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明移出该专家的原因。")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("移出原因不超过 300 字。")})
    member = panel.memberships.select_related("expert__user").filter(expert_id=expert.pk).first()
    if member is None:
        raise ValidationError({"expert": _("%(name)s 不是该专家组成员。") % {"name": expert}})
    name = str(member.expert)
    before = _member_names(panel)
    scored = panel.scores.filter(expert_id=expert.pk).count()
    member.delete()
    exclusion = PanelExclusion.objects.create(
        panel=panel, expert_id=expert.pk, reasons=[{"kind": REMOVED, "detail": reason, "application": None}]
    )
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        instance=panel,
        changes={"experts": [before, _member_names(panel)]},
        organisation=panel.challenge.issuer,
        note=_("移出专家 %(name)s：%(reason)s（已提交的 %(n)d 份评分不再计入）")
        % {"name": name, "reason": reason, "n": scored},
    )
    return exclusion
