"""Reads behind the transfer reports, scoped by the viewer, turned into the plain rows of
`hebi.insights.stats`.

Who sees which figures: the committee (platform admins, secretariat) and the registry officers
see the whole city; anyone else sees the figures of the organisations they belong to (contracts
they sold or bought, projects on either side, engagements they recorded or took part in);
someone who belongs nowhere sees no report at all (403).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Min, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.contracts.models import ContractCategory, ContractParty, TechContract
from hebi.contracts.selectors import registered_versions
from hebi.core.permissions import has_oversight, has_platform_role, roles_by_org
from hebi.core.roles import Role
from hebi.deals.models import Engagement, StagePeriod, TransferProject, WorkTeam
from hebi.insights import stats
from hebi.orgs.models import Organisation, Region

NO_TEAM = ""
FIRST_YEAR = 2000


@dataclass(frozen=True)
class ReportScope:
    city: bool
    org_ids: frozenset[int]

    def label(self) -> str:
        if self.city:
            return _("全市")
        names = Organisation.objects.filter(pk__in=self.org_ids).order_by("name")
        return "、".join(str(org) for org in names)


def sees_city(viewer: Any) -> bool:
    return has_oversight(viewer) or has_platform_role(viewer, Role.REGISTRY_OFFICER)


def report_scope(viewer: Any) -> ReportScope:
    """The figures the viewer may see; PermissionDenied for someone who belongs nowhere."""
    if sees_city(viewer):
        return ReportScope(city=True, org_ids=frozenset())
    orgs = frozenset(roles_by_org(viewer))
    if not orgs:
        raise PermissionDenied(_("统计报表只对机构成员、委员会和登记审核员开放。"))
    return ReportScope(city=False, org_ids=orgs)


def parse_year(value: Any, today: datetime.date | None = None) -> tuple[int, str]:
    """(year, problem): the year asked for, or the current year and why the value was not used."""
    today = today or timezone.localdate()
    text = "" if value is None else str(value).strip()
    if not text:
        return today.year, ""
    if text.isdecimal() and len(text) == 4 and FIRST_YEAR <= int(text) <= today.year + 1:
        return int(text), ""
    return today.year, _("年份“%(value)s”无效，请填写 %(first)d–%(last)d 之间的四位年份。") % {
        "value": text[:20],
        "first": FIRST_YEAR,
        "last": today.year + 1,
    }


def _year_range(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    return start, timezone.make_aware(datetime.datetime(year + 1, 1, 1))


# -- contracts ------------------------------------------------------------------------------------
def contract_rows(*, scope: ReportScope, year: int) -> list[stats.ContractFacts]:
    """The registered contracts of `year` (by registration date), each with its version in force."""
    start, end = _year_range(year)
    versions = registered_versions().filter(
        contract__registered_at__gte=start, contract__registered_at__lt=end
    )
    if not scope.city:
        versions = versions.filter(
            Q(contract__seller_id__in=scope.org_ids) | Q(contract__buyer_org_id__in=scope.org_ids)
        )
    rows = list(
        versions.values_list(
            "pk",
            "contract_id",
            "category__code",
            "category__parent__code",
            "total_amount",
            "tech_amount",
            "contract__registered_at",
            "is_local",
        )
    )
    buyers: dict[int, str] = {}
    for version_id, region_id in (
        ContractParty.objects.filter(version_id__in=[row[0] for row in rows], role=ContractParty.Role.BUYER)
        .order_by("version_id", "id")
        .values_list("version_id", "region_id")
    ):
        buyers.setdefault(version_id, region_id)
    return [
        stats.ContractFacts(
            contract_id=contract_id,
            category=parent or code,
            subtype=code,
            total_amount=total,
            tech_amount=tech,
            registered_on=timezone.localdate(registered_at),
            is_local=is_local,
            buyer_region=buyers.get(version_id, ""),
        )
        for version_id, contract_id, code, parent, total, tech, registered_at, is_local in rows
    ]


@dataclass(frozen=True)
class CategoryLabels:
    category_order: list[str]
    categories: dict[str, str]
    subtype_order: list[str]
    subtypes: dict[str, str]


def category_labels() -> CategoryLabels:
    """Names of the contract categories and sub-types in the user's language, in the reference
    data's order."""
    parents = list(ContractCategory.objects.filter(parent__isnull=True).order_by("order", "code"))
    subtypes = list(
        ContractCategory.objects.filter(parent__isnull=False)
        .select_related("parent")
        .order_by("parent__order", "parent__code", "order", "code")
    )
    return CategoryLabels(
        category_order=[c.code for c in parents],
        categories={c.code: str(c) for c in parents},
        subtype_order=[c.code for c in subtypes],
        subtypes={c.code: str(c) for c in subtypes},
    )


def region_names(codes: Iterable[str]) -> dict[str, str]:
    return {region.code: str(region) for region in Region.objects.filter(code__in=set(codes))}


# -- transfer projects ------------------------------------------------------------------------------
def _projects_in_scope(scope: ReportScope) -> Any:
    projects = TransferProject.objects.all()
    if not scope.city:
        projects = projects.filter(Q(owner_id__in=scope.org_ids) | Q(enterprise_id__in=scope.org_ids))
    return projects


def project_rows(*, scope: ReportScope, year: int) -> tuple[list[stats.ProjectFacts], list[stats.StayFacts]]:
    """The projects opened in `year` (their first stage period began then), with every stay of
    theirs, whenever it was."""
    start, end = _year_range(year)
    projects = dict(
        _projects_in_scope(scope)
        .annotate(opened_at=Min("periods__entered_at"))
        .filter(opened_at__gte=start, opened_at__lt=end)
        .values_list("pk", "stage")
    )
    stop_reasons = dict(
        TransferProject.objects.filter(pk__in=projects, stage=TransferProject.Stage.STOPPED).values_list(
            "pk", "stop_reason"
        )
    )
    stays = [
        stats.StayFacts(project_id=project_id, stage=stage, entered_at=entered, left_at=left)
        for project_id, stage, entered, left in StagePeriod.objects.filter(project_id__in=projects)
        .order_by("project_id", "entered_at", "id")
        .values_list("project_id", "stage", "entered_at", "left_at")
    ]
    visited: dict[int, list[str]] = {pk: [] for pk in projects}
    for stay in stays:
        if stay.stage not in visited[stay.project_id]:
            visited[stay.project_id].append(stay.stage)
    facts = [
        stats.ProjectFacts(
            project_id=pk,
            stage=stage,
            stop_reason=stop_reasons.get(pk, ""),
            stages_visited=tuple(visited[pk]),
        )
        for pk, stage in sorted(projects.items())
    ]
    return facts, stays


# -- engagements -------------------------------------------------------------------------------------
def engagement_rows(*, scope: ReportScope, year: int) -> tuple[list[stats.EngagementFacts], dict[str, str]]:
    """The engagements held in `year` and the names of their work teams (key: team id as text)."""
    engagements = Engagement.objects.filter(held_on__year=year)
    if not scope.city:
        met = Engagement.organisations.through.objects.filter(
            engagement_id=OuterRef("pk"), organisation_id__in=scope.org_ids
        )
        engagements = engagements.filter(Q(recorder_org_id__in=scope.org_ids) | Exists(met))
    rows = list(engagements.values_list("pk", "team_id", "held_on"))
    ids = [row[0] for row in rows]
    results: dict[int, set[int]] = {}
    for engagement_id, achievement_id in Engagement.achievements.through.objects.filter(
        engagement_id__in=ids
    ).values_list("engagement_id", "achievement_id"):
        results.setdefault(engagement_id, set()).add(achievement_id)
    needs: dict[int, set[int]] = {}
    for engagement_id, need_id in Engagement.needs.through.objects.filter(engagement_id__in=ids).values_list(
        "engagement_id", "need_id"
    ):
        needs.setdefault(engagement_id, set()).add(need_id)
    facts = [
        stats.EngagementFacts(
            engagement_id=pk,
            team=str(team_id) if team_id else NO_TEAM,
            held_on=held_on,
            achievement_ids=frozenset(results.get(pk, ())),
            need_ids=frozenset(needs.get(pk, ())),
        )
        for pk, team_id, held_on in rows
    ]
    labels = {str(pk): name for pk, name in WorkTeam.objects.values_list("pk", "name")}
    labels[NO_TEAM] = _("未归属专班（技术经理人等）")
    return facts, labels


def team_order() -> list[str]:
    return [str(pk) for pk in WorkTeam.objects.order_by("name").values_list("pk", flat=True)]


def data_years(today: datetime.date | None = None) -> list[int]:
    """The years that have something to report, newest first, the current year always included."""
    today = today or timezone.localdate()
    firsts = [
        TechContract.objects.filter(registered_at__isnull=False).aggregate(v=Min("registered_at"))["v"],
        StagePeriod.objects.aggregate(v=Min("entered_at"))["v"],
    ]
    first_engagement = Engagement.objects.aggregate(v=Min("held_on"))["v"]
    years = [timezone.localdate(moment).year for moment in firsts if moment is not None]
    if first_engagement is not None:
        years.append(first_engagement.year)
    first = max(min(years, default=today.year), FIRST_YEAR)
    return list(range(today.year, first - 1, -1))
