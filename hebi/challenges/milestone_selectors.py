"""Reads of milestone contracts (军令状), their milestones, panels and money, scoped by the viewer.

Who sees a contract (permissions.can_view_contract): the secretariat, the members of the lead and
partner organisations, the issuer's people and the experts of the challenge's panels. Anything
else answers 404. The status board is the secretariat's.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.challenges import permissions, scoring
from hebi.challenges.models import (
    Application,
    Challenge,
    ContractMilestone,
    MilestoneContract,
    MilestoneReview,
    MilestoneVerdict,
    Panel,
    PanelMember,
    Penalty,
    Tranche,
)
from hebi.challenges.selectors import challenges_visible
from hebi.core.converters import parse_id
from hebi.core.models import AuditLog
from hebi.core.permissions import roles_by_org

OPEN_MILESTONE = (ContractMilestone.Status.PENDING, ContractMilestone.Status.EXTENDED)
UNDER_REVIEW = (Application.Status.SUBMITTED, Application.Status.AWARDED, Application.Status.NOT_AWARDED)


# -- contracts --------------------------------------------------------------------------------------
def contracts_visible(*, viewer: Any) -> QuerySet[MilestoneContract]:
    """All contracts for the secretariat; else those of the viewer's organisations (lead, partner,
    issuer) and of the challenges whose panels the viewer sits on."""
    qs = MilestoneContract.objects.all()
    if not getattr(viewer, "is_authenticated", False):
        return qs.none()
    if permissions.is_secretariat(viewer):
        return qs
    orgs = list(roles_by_org(viewer))
    partner = Application.partners.through.objects.filter(
        application_id=OuterRef("application_id"), organisation_id__in=orgs
    )
    condition = (
        Q(application__lead_id__in=orgs) | Q(application__challenge__issuer_id__in=orgs) | Q(Exists(partner))
    )
    profile = permissions.expert_profile(viewer)
    if profile is not None:
        on_panel = PanelMember.objects.filter(
            panel__challenge_id=OuterRef("application__challenge_id"), expert=profile
        )
        condition |= Q(Exists(on_panel))
    return qs.filter(condition)


def contract_list(*, viewer: Any, status: str = "") -> QuerySet[MilestoneContract]:
    qs = contracts_visible(viewer=viewer).select_related(
        "application", "application__lead", "application__challenge", "application__challenge__issuer"
    )
    if status in MilestoneContract.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-signed_on", "-id")


def contract_get(*, viewer: Any, pk: Any) -> MilestoneContract:
    key = parse_id(pk)
    found = (
        MilestoneContract.objects.select_related(
            "application",
            "application__lead",
            "application__created_by",
            "application__challenge",
            "application__challenge__issuer",
            "created_by",
        )
        .filter(pk=key)
        .first()
        if key is not None
        else None
    )
    if found is None or not permissions.can_view_contract(viewer, found):
        raise Http404(_("没有找到该军令状。"))
    return found


def milestone_get(*, viewer: Any, pk: Any) -> ContractMilestone:
    key = parse_id(pk)
    found = (
        ContractMilestone.objects.select_related(
            "contract",
            "contract__application",
            "contract__application__lead",
            "contract__application__challenge",
            "contract__application__challenge__issuer",
        )
        .filter(pk=key)
        .first()
        if key is not None
        else None
    )
    if found is None or not permissions.can_view_contract(viewer, found.contract):
        raise Http404(_("没有找到该考核节点。"))
    return found


def verdict_panel_get(*, viewer: Any, pk: Any) -> Panel:
    """A milestone panel, for its experts, the secretariat and whoever may see the contract."""
    key = parse_id(pk)
    found = (
        Panel.objects.filter(milestone__isnull=False)
        .select_related(
            "challenge",
            "challenge__issuer",
            "milestone",
            "milestone__contract",
            "milestone__contract__application",
            "milestone__contract__application__lead",
        )
        .filter(pk=key)
        .first()
        if key is not None
        else None
    )
    if found is None:
        raise Http404(_("没有找到该考核专家组。"))
    assert found.milestone is not None
    if not (
        is_panel_member(viewer, found) or permissions.can_view_contract(viewer, found.milestone.contract)
    ):
        raise Http404(_("没有找到该考核专家组。"))
    return found


def is_panel_member(viewer: Any, panel: Panel) -> bool:
    profile = permissions.expert_profile(viewer)
    return profile is not None and PanelMember.objects.filter(panel=panel, expert=profile).exists()


def own_verdict(viewer: Any, panel: Panel) -> MilestoneVerdict | None:
    """The viewer's verdict in the panel's current round."""
    profile = permissions.expert_profile(viewer)
    if profile is None:
        return None
    return MilestoneVerdict.objects.filter(panel=panel, round=panel.round, expert=profile).first()


def own_verdicts(*, viewer: Any) -> QuerySet[MilestoneVerdict]:
    profile = permissions.expert_profile(viewer)
    if profile is None:
        return MilestoneVerdict.objects.none()
    return (
        MilestoneVerdict.objects.filter(expert=profile)
        .select_related("panel", "panel__milestone")
        .order_by("-created_at", "-id")
    )


# -- one contract's timeline --------------------------------------------------------------------------
@dataclass
class MilestoneRow:
    milestone: ContractMilestone
    released: Decimal
    overdue: bool
    panel: Panel | None
    tally: dict[str, Any]
    reviews: list[MilestoneReview] = field(default_factory=list)
    tranches: list[Tranche] = field(default_factory=list)
    rounds: list[dict[str, Any]] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        return self.milestone.tranche - self.released

    @property
    def is_open(self) -> bool:
        return self.milestone.status in OPEN_MILESTONE


def is_overdue(milestone: ContractMilestone, today: datetime.date | None = None) -> bool:
    return milestone.status in OPEN_MILESTONE and milestone.due_on < (today or timezone.localdate())


def contract_timeline(contract: MilestoneContract, *, viewer: Any) -> list[MilestoneRow]:
    """Each milestone with its money released, its panel's tally as the viewer may see it (see
    tally_for), the earlier review rounds, its reviews and tranches."""
    today = timezone.localdate()
    secretariat = permissions.is_secretariat(viewer)
    rows = []
    milestones = contract.milestones.prefetch_related(
        "tranches__released_by",
        "reviews__decided_by",
        "panels__memberships",
        "panels__verdicts",
    )
    for milestone in milestones:
        panel = next(iter(milestone.panels.all()), None)
        tranches = list(milestone.tranches.all())
        reviews = list(milestone.reviews.all())
        rows.append(
            MilestoneRow(
                milestone=milestone,
                released=sum((t.amount for t in tranches), Decimal(0)),
                overdue=is_overdue(milestone, today),
                panel=panel,
                tally=tally_for(panel, secretariat=secretariat),
                reviews=reviews,
                tranches=tranches,
                rounds=earlier_rounds(panel, reviews, secretariat=secretariat),
            )
        )
    return rows


def contract_penalties(contract: MilestoneContract) -> QuerySet[Penalty]:
    return contract.penalties.select_related("milestone", "recorded_by")


def contract_history(contract: MilestoneContract) -> QuerySet[AuditLog]:
    """The audit trail of the contract and of its milestones, reviews, tranches and penalties
    (the experts' individual verdicts stay on the review page)."""
    milestone_ids = list(contract.milestones.values_list("pk", flat=True))
    keys = [
        (MilestoneContract, [contract.pk]),
        (ContractMilestone, milestone_ids),
        (
            MilestoneReview,
            MilestoneReview.objects.filter(milestone_id__in=milestone_ids).values_list("pk", flat=True),
        ),
        (Tranche, Tranche.objects.filter(milestone_id__in=milestone_ids).values_list("pk", flat=True)),
        (Penalty, contract.penalties.values_list("pk", flat=True)),
    ]
    condition = Q(pk__in=[])
    for model, ids in keys:
        content_type = ContentType.objects.get_for_model(model)
        condition |= Q(content_type=content_type, object_id__in=[str(pk) for pk in ids])
    return AuditLog.objects.filter(condition).select_related("actor").order_by("-at", "-id")


def tally(panel: Panel | None, round_number: int | None = None) -> dict[str, Any]:
    """The verdicts of one review round (the panel's current one by default): counts by verdict,
    members, the majority and how many are needed. Verdicts of other rounds never count."""
    if panel is None:
        return {
            "round": 0,
            "members": 0,
            "given": 0,
            "needed": 0,
            "counts": {},
            "rows": [],
            "majority": None,
            "majority_label": "",
            "enough": False,
            "counts_shown": False,
        }
    number = panel.round if round_number is None else round_number
    verdicts = [v.verdict for v in panel.verdicts.all() if v.round == number]
    members = len(panel.memberships.all())
    needed = members // 2 + 1
    counts = {value: verdicts.count(value) for value in MilestoneVerdict.Verdict.values}
    found = scoring.majority(verdicts)
    return {
        "round": number,
        "members": members,
        "given": len(verdicts),
        "needed": needed,
        "counts": counts,
        "rows": [(value, label, counts[value]) for value, label in MilestoneVerdict.Verdict.choices],
        "majority": found,
        "majority_label": MilestoneVerdict.Verdict(found).label if found else "",
        "enough": len(verdicts) >= needed,
        "counts_shown": True,
    }


def counts_public(panel: Panel) -> bool:
    """Whether everyone who may see the contract may see the verdict counts of the panel's current
    round: only once its outcome was recorded and the panel closed (passed or failed). While the
    panel is open the team and the experts see how many gave a verdict, never which."""
    milestone = panel.milestone
    return (
        panel.status == Panel.Status.CLOSED
        and milestone is not None
        and milestone.status not in OPEN_MILESTONE
    )


def without_counts(counted: dict[str, Any]) -> dict[str, Any]:
    """The tally with only how many gave a verdict out of how many members."""
    return {
        **counted,
        "counts": {},
        "rows": [],
        "majority": None,
        "majority_label": "",
        "counts_shown": False,
    }


def tally_for(panel: Panel | None, *, secretariat: bool) -> dict[str, Any]:
    """The current round's tally as a viewer may see it: whole for the secretariat and after the
    outcome (counts_public), else only "n of m gave a verdict"."""
    counted = tally(panel)
    if panel is None or secretariat or counts_public(panel):
        return counted
    return without_counts(counted)


def earlier_rounds(
    panel: Panel | None, reviews: Sequence[MilestoneReview], *, secretariat: bool
) -> list[dict[str, Any]]:
    """The rounds before the current one, each with the outcome that ended it (an extension), in
    order; with its tally for the secretariat only. A panel's round k ends with the milestone's
    k-th review, as every review is recorded on the panel's current round and extensions alone
    open a new one."""
    if panel is None:
        return []
    rounds = []
    for number in range(1, panel.round):
        review = reviews[number - 1] if number <= len(reviews) else None
        counted = tally(panel, number)
        rounds.append(
            {
                "round": number,
                "review": review,
                "tally": counted if secretariat else without_counts(counted),
            }
        )
    return rounds


# -- progress of many contracts (lists, boards, boxes) ------------------------------------------------
@dataclass
class Progress:
    released: Decimal = Decimal(0)
    done: int = 0
    total: int = 0
    next_milestone: ContractMilestone | None = None
    milestones: list[ContractMilestone] = field(default_factory=list)
    released_by_milestone: dict[int, Decimal] = field(default_factory=dict)

    @property
    def next_overdue(self) -> bool:
        return self.next_milestone is not None and is_overdue(self.next_milestone)


def progress_for(contracts: Sequence[MilestoneContract]) -> dict[int, Progress]:
    """{contract id: Progress} in three queries, whatever the number of contracts."""
    ids = [c.pk for c in contracts]
    found: dict[int, Progress] = {pk: Progress() for pk in ids}
    if not ids:
        return found
    released = dict(
        Tranche.objects.filter(milestone__contract_id__in=ids)
        .values_list("milestone_id")
        .annotate(total=Sum("amount"))
        .values_list("milestone_id", "total")
    )
    for milestone in ContractMilestone.objects.filter(contract_id__in=ids).order_by(
        "contract_id", "due_on", "id"
    ):
        progress = found[milestone.contract_id]
        progress.milestones.append(milestone)
        progress.total += 1
        amount = released.get(milestone.pk) or Decimal(0)
        progress.released_by_milestone[milestone.pk] = amount
        milestone.released = amount  # type: ignore[attr-defined]
        progress.released += amount
        if milestone.status in OPEN_MILESTONE:
            if progress.next_milestone is None:
                progress.next_milestone = milestone
        else:
            progress.done += 1
    return found


def with_progress(contracts: Iterable[MilestoneContract]) -> list[MilestoneContract]:
    """The contracts, each with a `progress` attribute."""
    items = list(contracts)
    progress = progress_for(items)
    for contract in items:
        contract.progress = progress[contract.pk]  # type: ignore[attr-defined]
    return items


def challenge_contracts(*, viewer: Any, challenge: Challenge) -> list[MilestoneContract]:
    """The contracts of one challenge the viewer may see, with progress (for the challenge page)."""
    contracts = [
        c
        for c in MilestoneContract.objects.filter(application__challenge=challenge).select_related(
            "application", "application__lead", "application__challenge", "application__challenge__issuer"
        )
        if permissions.can_view_contract(viewer, c)
    ]
    return with_progress(contracts)


# -- the secretariat's status board -------------------------------------------------------------------
@dataclass
class BoardTotals:
    calls: int
    open: int
    reviewing: int
    contracts_active: int
    contracts_completed: int
    contracts_failed: int
    planned: Decimal
    released: Decimal


@dataclass
class BoardRow:
    challenge: Challenge
    submitted: int = 0
    withdrawn: int = 0
    panel_size: int | None = None
    scores_given: int = 0
    scores_expected: int = 0
    awarded: list[Application] = field(default_factory=list)
    contracts: list[MilestoneContract] = field(default_factory=list)
    planned: Decimal = Decimal(0)
    released: Decimal = Decimal(0)


def board_challenges(*, viewer: Any, status: str = "") -> QuerySet[Challenge]:
    """The calls on the board: those the viewer may see (not other organisations' drafts)."""
    qs = challenges_visible(viewer=viewer).select_related("issuer").order_by("-created_at", "-id")
    if status in Challenge.Status.values:
        qs = qs.filter(status=status)
    return qs


def board_totals(*, viewer: Any) -> BoardTotals:
    by_status = dict(
        challenges_visible(viewer=viewer)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    contracts = dict(
        MilestoneContract.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    Status = Challenge.Status
    return BoardTotals(
        calls=sum(by_status.values()),
        open=by_status.get(Status.PUBLISHED, 0),
        reviewing=by_status.get(Status.REVIEWING, 0),
        contracts_active=contracts.get(MilestoneContract.Status.ACTIVE, 0),
        contracts_completed=contracts.get(MilestoneContract.Status.COMPLETED, 0),
        contracts_failed=contracts.get(MilestoneContract.Status.FAILED, 0),
        planned=MilestoneContract.objects.aggregate(total=Sum("amount_public"))["total"] or Decimal(0),
        released=Tranche.objects.aggregate(total=Sum("amount"))["total"] or Decimal(0),
    )


def board_rows(challenges: Iterable[Challenge]) -> list[BoardRow]:
    """One row per challenge of the page, in a fixed number of queries."""
    rows = {c.pk: BoardRow(challenge=c) for c in challenges}
    ids = list(rows)
    if not ids:
        return []
    under_review: dict[int, int] = {}
    for challenge_id, status, n in (
        Application.objects.filter(challenge_id__in=ids)
        .values_list("challenge_id", "status")
        .annotate(n=Count("id"))
        .values_list("challenge_id", "status", "n")
    ):
        row = rows[challenge_id]
        if status == Application.Status.WITHDRAWN:
            row.withdrawn += n
        elif status in UNDER_REVIEW:
            row.submitted += n
            under_review[challenge_id] = under_review.get(challenge_id, 0) + n
    for panel in Panel.objects.filter(challenge_id__in=ids, kind=Panel.Kind.REVIEW).annotate(
        size=Count("memberships", distinct=True), given=Count("scores", distinct=True)
    ):
        row = rows[panel.challenge_id]
        row.panel_size = panel.size  # type: ignore[attr-defined]
        row.scores_given = panel.given  # type: ignore[attr-defined]
        row.scores_expected = panel.size * under_review.get(panel.challenge_id, 0)  # type: ignore[attr-defined]
    for application in Application.objects.filter(
        challenge_id__in=ids, status=Application.Status.AWARDED
    ).select_related("lead"):
        rows[application.challenge_id].awarded.append(application)
    contracts = with_progress(
        MilestoneContract.objects.filter(application__challenge_id__in=ids).select_related("application")
    )
    for contract in contracts:
        row = rows[contract.application.challenge_id]
        row.contracts.append(contract)
        row.planned += contract.amount_public
        row.released += contract.progress.released  # type: ignore[attr-defined]
    return list(rows.values())
