"""Forming an expert panel, shared by the application review and the milestone reviews.

The secretariat proposes experts; each one with a conflict (see conflicts.py) is left out and
the reasons are stored, so the secretariat sees why. The panel must keep at least the rubric's
minimum number of experts (5 for the challenge rubric) after the exclusions; otherwise nothing
is written and the message says how many are missing.
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
from hebi.matching.services import notify

MAX_PANEL = 30


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
