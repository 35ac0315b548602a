"""The demo year of the transfer pipeline: the 4 work teams (专班), ~95 engagements (对接) and ~40
transfer projects at every stage, with their stage periods, hosts, money and history.

Called by the core demo loader (hebi/core/demo.py) after the registry and the matches exist,
inside its transaction. What the documents give: 4 work teams were formed and held 90+ visits and
matching sessions ("扫街"和线上线下供需对接等活动90余次); the rest (team names, people, which
results were discussed, every project) is illustrative and says so.

Deterministic: every choice comes from one seeded random.Random, and dates are offsets from the
day of the load (the 12 months before it). Idempotent: the teams are keyed by name, and the
engagements and projects are written only when no demo engagement or project exists yet.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from hebi.catalog.models import Achievement, Need, StatusChange
from hebi.core import audit
from hebi.core.demo import SeedReport, load_demo_file
from hebi.core.models import AuditLog, Citation
from hebi.core.roles import Role
from hebi.deals.models import Engagement, Funding, StagePeriod, TransferProject, WorkTeam, WorkTeamMember
from hebi.matching.models import Match
from hebi.orgs.models import Membership, Organisation, Region

Stage = TransferProject.Stage
StopReason = TransferProject.StopReason

DEMO_MARK = "（演示数据）"
SEED = 20_260_125
DAYS_BACK = 364
LEAD_ORG = "cc_kjj"
SUBSIDY_CAP_PER_YEAR = Decimal("10000000")  # 基金+补助: at most 1000万 per project per year

TEAM_SOURCE = {
    "doc": "000_7c7e2d593b3f44d5.txt",
    "quote": "特别是组建了4个科技成果转化专班",
}
ACTIVITY_SOURCE = {
    "doc": "000_7c7e2d593b3f44d5.txt",
    "quote": "“登门入室”开展“扫街”和线上线下供需对接等活动90余次",
}
PILOT_SOURCE = {
    "doc": "000_7c7e2d593b3f44d5.txt",
    "quote": "依托东北师大、吉林农大等高校院所和企业建成市级中试基地16个",
}
NAMES_NOTE = "专班名称、成员分工为演示虚构（文件只报道组建了4个专班）。"


@dataclass(frozen=True)
class TeamPlan:
    name: str
    focus: str
    fields: tuple[str, ...]
    research: tuple[str, ...]  # organisation keys of the result owners it works with
    enterprises: tuple[str, ...]
    lead: str  # username
    members: tuple[str, ...]
    engagements: int
    pilot_base: str  # name of the pilot base its projects use
    parks: tuple[str, ...]  # keys of the parks/incubators for incubation and industry


TEAMS: list[TeamPlan] = [
    TeamPlan(
        "汽车及零部件专班",
        "汽车及零部件、智能网联、新能源动力",
        ("auto", "equipment", "energy"),
        ("jlu", "cust", "ciomp", "ciac"),
        ("faw", "faw_jiefang", "crrc_cc"),
        "zb_gao",
        ("faw_chen", "jlu_admin", "zb_ma"),
        26,
        "长春市汽车零部件中试基地（演示）",
        ("p_erguang", "p_jixing"),
    ),
    TeamPlan(
        "光电信息专班",
        "光电信息、卫星与航空航天、集成电路",
        ("optoelectronics", "aerospace", "it"),
        ("ciomp", "cust", "jlu"),
        ("cgstl", "gpixel", "cgcy", "crrc_cc"),
        "mishu",
        ("ciomp_zhao", "cust_wang"),
        30,
        "长春市光电信息中试基地（演示）",
        ("inc_photon", "p_oe", "p_zhiguang", "p_xinguang"),
    ),
    TeamPlan(
        "新材料与化工专班",
        "新材料、化工、氢能与新能源材料",
        ("materials", "energy", "construction"),
        ("ciac", "jlu"),
        ("sbm", "faw", "crrc_cc", "faw_jiefang"),
        "zb_wu",
        ("expert_sun", "zb_ma"),
        18,
        "长春市新材料中试基地（演示）",
        ("p_jinuoer", "p_jixing"),
    ),
    TeamPlan(
        "生物医药与农业专班",
        "生物医药、中医药、现代农业与食品",
        ("biomedicine", "agriculture", "environment"),
        ("jlu", "ccucm", "nenu", "jlau", "iga"),
        ("gensci", "sbm", "cgcy", "cgstl"),
        "zb_zheng",
        ("changxing_liu", "jlu_li"),
        16,
        "长春市生物医药中试基地（演示）",
        ("p_tcm", "p_lianhuashan"),
    ),
]
# Technology managers record on their own too (no work team).
SOLO_ENGAGEMENTS = 5
SOLO_RECORDER = "ciomp_zhao"

# Work-team people who have no login: (username, name, title).
EXTRA_PEOPLE = [
    ("zb_gao", "高振宇（虚构）", "汽车及零部件专班组长"),
    ("zb_wu", "吴佳怡（虚构）", "新材料与化工专班组长"),
    ("zb_zheng", "郑海峰（虚构）", "生物医药与农业专班组长"),
    ("zb_ma", "马晓东（虚构）", "专班联络员"),
]

KIND_WEIGHTS = [
    (Engagement.Kind.VISIT, 40),
    (Engagement.Kind.ONLINE, 25),
    (Engagement.Kind.OFFLINE, 20),
    (Engagement.Kind.EVENT, 15),
]
OUTCOME_WEIGHTS = [
    (Engagement.Outcome.INFORMATION, 25),
    (Engagement.Outcome.INTERESTED, 27),
    (Engagement.Outcome.FOLLOW_UP, 30),
    (Engagement.Outcome.NO_FIT, 18),
]
# Results discussed per engagement, by kind (min, max).
RESULTS_PER_KIND = {
    Engagement.Kind.VISIT: (1, 3),
    Engagement.Kind.ONLINE: (2, 4),
    Engagement.Kind.OFFLINE: (3, 6),
    Engagement.Kind.EVENT: (4, 8),
}
NEXT_STEPS = {
    Engagement.Outcome.INTERESTED: [
        "组织双方技术负责人现场交流，确认核心技术指标",
        "向企业提供成果详细技术资料和样品测试报告",
        "安排企业到实验室考察中试条件",
    ],
    Engagement.Outcome.FOLLOW_UP: [
        "跟进企业内部立项审批进度",
        "协助双方梳理知识产权归属和许可方式",
        "对接未来种子基金，评估概念验证资金需求",
        "补充成果的工程化数据后再次对接",
    ],
    Engagement.Outcome.INFORMATION: ["整理企业需求清单，推送匹配成果"],
}

# The projects: target stage → how many.
STAGE_PLAN: list[tuple[str, int]] = [
    (Stage.MATCHED, 5),
    (Stage.NEGOTIATING, 6),
    (Stage.CONTRACTED, 5),
    (Stage.CONCEPT, 4),
    (Stage.PILOT, 5),
    (Stage.INCUBATION, 4),
    (Stage.INDUSTRIAL, 5),
    (Stage.STOPPED, 6),
]
# Days spent in a stage that was left (min, max).
STAGE_DAYS: dict[str, tuple[int, int]] = {
    Stage.MATCHED: (7, 35),
    Stage.NEGOTIATING: (20, 75),
    Stage.CONTRACTED: (10, 45),
    Stage.CONCEPT: (45, 110),
    Stage.PILOT: (50, 130),
    Stage.INCUBATION: (45, 120),
}
# Where a stopped project stopped, and why.
STOPS: list[tuple[str, str, str]] = [
    (Stage.MATCHED, StopReason.MARKET, "企业调整产品路线，需求取消"),
    (Stage.NEGOTIATING, StopReason.TERMS, "许可费和付款方式未能谈拢"),
    (Stage.NEGOTIATING, StopReason.IP, "成果涉及共有专利，共有方未同意许可"),
    (Stage.CONTRACTED, StopReason.PARTNER, "企业经营调整，退出合作"),
    (Stage.CONCEPT, StopReason.TECHNICAL, "概念验证样机未达到企业要求的关键指标"),
    (Stage.PILOT, StopReason.FUNDING, "中试放大所需配套资金未能落实"),
]


@dataclass
class Context:
    rng: random.Random
    now: datetime.datetime
    today: datetime.date
    report: SeedReport
    orgs: dict[str, Organisation]
    users: dict[str, Any]
    teams: dict[str, WorkTeam] = field(default_factory=dict)
    pools: dict[str, list[Achievement]] = field(default_factory=dict)  # team name → results
    needs: dict[str, list[Need]] = field(default_factory=dict)  # team name → needs
    pilot_bases: dict[str, Organisation] = field(default_factory=dict)  # team name → base


def _add(report: SeedReport, kind: str, n: int = 1) -> None:
    if n:
        report.created[kind] = report.created.get(kind, 0) + n


def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    """A working-hours moment of `day`."""
    return timezone.make_aware(
        datetime.datetime.combine(
            day, datetime.time(hour=rng.randint(9, 16), minute=rng.choice([0, 15, 30, 45]))
        )
    )


def _weekday(day: datetime.date) -> datetime.date:
    """Visits happen on working days: a weekend date moves back to the Friday."""
    return day - datetime.timedelta(days=max(day.weekday() - 4, 0))


def _pick(rng: random.Random, weights: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([value for value, _ in weights], weights=[weight for _, weight in weights])[0]


def _short(org: Organisation) -> str:
    return org.short_name or org.name


def _wan(rng: random.Random, low: int, high: int) -> Decimal:
    """A round amount between `low` and `high` 万元, in yuan."""
    return Decimal(rng.randint(low, high) * 10_000)


# -- organisations, people, teams ---------------------------------------------------------------------
def demo_organisations() -> dict[str, Organisation]:
    """The core demo's organisations by their key in changchun.json."""
    data = load_demo_file()
    names = {
        row["key"]: row["name"]
        for section in ("organisations", "parks", "platforms", "funds")
        for row in data.get(section, [])
    }
    by_name = {org.name: org for org in Organisation.objects.filter(name__in=names.values())}
    return {key: by_name[name] for key, name in names.items() if name in by_name}


def _extra_people(ctx: Context) -> None:
    lead_org = ctx.orgs[LEAD_ORG]
    user_model = get_user_model()
    for username, name, title in EXTRA_PEOPLE:
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model(
                username=username,
                display_name=name,
                title=title,
                email=f"{username}@demo.hebi.local",
                is_fictional=True,
            )
            user.set_unusable_password()  # a team member in the records, not a demo login
            user.save()
            audit.record_create(
                actor=None,
                instance=user,
                fields=["username", "display_name", "title"],
                note="演示数据导入（虚构人物）",
            )
            _add(ctx.report, "person")
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=lead_org, role=Role.STAFF
        )
        if created:
            audit.record_create(
                actor=None,
                instance=membership,
                fields=["user", "organisation", "role"],
                organisation=lead_org,
            )
            _add(ctx.report, "membership")
        ctx.users[username] = user


def _cite(ctx: Context, instance: Any, source: dict[str, str], fact: str) -> None:
    _, created = Citation.objects.get_or_create(
        content_type=ContentType.objects.get_for_model(instance),
        object_id=str(instance.pk),
        fact=fact,
        document=source["doc"],
        quote=source["quote"],
    )
    if created:
        _add(ctx.report, "citation")


def _teams(ctx: Context) -> None:
    lead_org = ctx.orgs[LEAD_ORG]
    for plan in TEAMS:
        team = WorkTeam.objects.filter(name=plan.name).first()
        if team is None:
            team = WorkTeam.objects.create(
                name=plan.name,
                focus=plan.focus,
                organisation=lead_org,
                description=(
                    f"长春市科技成果转化工作专班之一，聚焦{plan.focus}，由长春市科学技术局牵头，"
                    f"成员来自高校院所、企业和基金。{NAMES_NOTE}"
                ),
            )
            audit.record_create(
                actor=None,
                instance=team,
                fields=["name", "focus", "organisation"],
                organisation=lead_org,
                note="演示数据导入",
            )
            _add(ctx.report, "work_team")
        _cite(ctx, team, TEAM_SOURCE, "4个专班")
        for username, is_lead in [(plan.lead, True), *((m, False) for m in plan.members)]:
            user = ctx.users.get(username)
            if user is None:
                continue
            _, created = WorkTeamMember.objects.get_or_create(
                team=team, user=user, defaults={"is_lead": is_lead}
            )
            if created:
                _add(ctx.report, "work_team_member")
        ctx.teams[plan.name] = team


def _pilot_bases(ctx: Context) -> None:
    """The documents report 16 city-level pilot bases without naming them: one illustrative base
    per team, marked as such, cited to the sentence that reports them."""
    region = Region.objects.filter(code="220100").first()
    for plan in TEAMS:
        base = Organisation.objects.filter(name=plan.pilot_base).first()
        if base is None:
            assert region is not None
            base = Organisation.objects.create(
                name=plan.pilot_base,
                kind=Organisation.Kind.PILOT_BASE,
                region=region,
                description=(
                    f"演示用中试基地（名称虚构）：文件报道长春市建成市级中试基地16个，未列出名称。"
                    f"此处代表服务{plan.focus}方向的中试平台。"
                ),
            )
            audit.record_create(
                actor=None,
                instance=base,
                fields=["name", "kind", "region"],
                organisation=base,
                note="演示数据导入",
            )
            _add(ctx.report, "organisation")
        _cite(ctx, base, PILOT_SOURCE, "市级中试基地16个（名称为演示虚构）")
        ctx.pilot_bases[plan.name] = base


def _pools(ctx: Context) -> None:
    """Each team's results (of its research partners, in its fields) and needs."""
    for plan in TEAMS:
        owners = [ctx.orgs[key] for key in plan.research if key in ctx.orgs]
        ctx.pools[plan.name] = list(
            Achievement.objects.filter(
                owner__in=owners, field_id__in=plan.fields, status=Achievement.Status.PUBLISHED
            ).order_by("source_ref", "pk")
        )
        enterprises = [ctx.orgs[key] for key in plan.enterprises if key in ctx.orgs]
        ctx.needs[plan.name] = list(
            Need.objects.filter(owner__in=enterprises, field_id__in=plan.fields)
            .exclude(status=Need.Status.DRAFT)
            .order_by("title")
        )


# -- transfer projects -----------------------------------------------------------------------------------
@dataclass
class ProjectPlan:
    team: TeamPlan
    target: str
    path: list[str]
    days: list[float]  # days in each stage of `path`; the last one runs up to now
    stop: tuple[str, str] | None = None  # (reason, note)
    owner_key: str = ""
    enterprise_key: str = ""
    walkthrough: bool = False
    back_step: bool = False


def _path(rng: random.Random, target: str) -> list[str]:
    start: list[str] = [Stage.MATCHED, Stage.NEGOTIATING, Stage.CONTRACTED]
    if target in start:
        return start[: start.index(target) + 1]
    if target == Stage.CONCEPT:
        return [*start, Stage.CONCEPT]
    if target == Stage.PILOT:
        return [*start, *([Stage.CONCEPT] if rng.random() < 0.5 else []), Stage.PILOT]
    if target == Stage.INCUBATION:
        middle = rng.choice([[Stage.CONCEPT], [Stage.PILOT], [Stage.CONCEPT, Stage.PILOT]])
        return [*start, *middle, Stage.INCUBATION]
    middle = rng.choice([[Stage.PILOT], [Stage.PILOT, Stage.INCUBATION], [Stage.CONCEPT, Stage.PILOT], []])
    return [*start, *middle, Stage.INDUSTRIAL]


def _days(rng: random.Random, path: list[str], open_days: float) -> list[float]:
    """Days per stage of `path`, the last (open) one given; squeezed to fit in the demo year."""
    closed = [rng.uniform(*STAGE_DAYS[stage]) for stage in path[:-1]]
    room = DAYS_BACK - 5 - open_days
    if sum(closed) > room:
        closed = [days * room / sum(closed) for days in closed]
    return [*closed, open_days]


def project_plans(rng: random.Random) -> list[ProjectPlan]:
    plans: list[ProjectPlan] = []
    stops = list(STOPS)
    for number, (target, count) in enumerate((t, c) for t, c in STAGE_PLAN for _ in range(c)):
        del count
        team = TEAMS[number % len(TEAMS)]
        if target == Stage.STOPPED:
            stopped_at, reason, note = stops.pop(0)
            path = [*_path(rng, stopped_at), Stage.STOPPED]
            plan = ProjectPlan(
                team, target, path, _days(rng, path, rng.uniform(10, 150)), stop=(reason, note)
            )
        else:
            path = _path(rng, target)
            open_days = rng.uniform(30, 150) if target == Stage.INDUSTRIAL else rng.uniform(4, 70)
            plan = ProjectPlan(team, target, path, _days(rng, path, open_days))
        plan.owner_key = rng.choice(team.research)
        plan.enterprise_key = rng.choice(team.enterprises)
        plans.append(plan)
    # The acceptance walk-through: 长春光机所's technology manager moves a deal from 洽谈 to 签约.
    walkthrough = next(p for p in plans if p.target == Stage.NEGOTIATING and p.team.name == "光电信息专班")
    walkthrough.owner_key, walkthrough.enterprise_key, walkthrough.walkthrough = "ciomp", "cgstl", True
    walkthrough.days[-1] = 12.0
    # One deal went back to 对接 once: the enterprise changed its indicators.
    back = next(p for p in plans if p.target == Stage.NEGOTIATING and not p.walkthrough)
    back.back_step = True
    back.path = [Stage.MATCHED, Stage.NEGOTIATING, Stage.MATCHED, Stage.NEGOTIATING]
    back.days = [14.0, 30.0, 21.0, back.days[-1]]
    return plans


def _free_match(
    owner: Organisation, enterprise: Organisation, used: set[int], used_needs: set[int]
) -> Match | None:
    return (
        Match.objects.filter(
            direction=Match.Direction.NEED_RESULT,
            achievement__owner=owner,
            need__owner=enterprise,
            transfer_project__isnull=True,
        )
        .exclude(status=Match.Status.DECLINED)
        .exclude(pk__in=used)
        .exclude(need_id__in=used_needs)
        .select_related("need", "achievement")
        .order_by("-score", "pk")
        .first()
    )


def _manager(ctx: Context, owner_key: str) -> Any:
    return ctx.users.get("ciomp_zhao") if owner_key == "ciomp" else None


def _demo_person(ctx: Context, org_key: str) -> Any:
    by_org = {
        "jlu": "jlu_admin",
        "cust": "cust_wang",
        "ciomp": "ciomp_zhao",
        "ciac": "expert_sun",
        "faw": "faw_chen",
        "changxing_fund": "changxing_liu",
    }
    return ctx.users.get(by_org.get(org_key, ""))


def _host(ctx: Context, plan: ProjectPlan, stage: str, rng: random.Random) -> Organisation | None:
    if stage == Stage.CONCEPT:
        return ctx.orgs.get("cv_jlu")
    if stage == Stage.PILOT:
        return ctx.pilot_bases.get(plan.team.name)
    if stage in (Stage.INCUBATION, Stage.INDUSTRIAL):
        parks = [ctx.orgs[key] for key in plan.team.parks if key in ctx.orgs]
        if stage == Stage.INDUSTRIAL:
            parks = [park for park in parks if park.kind == Organisation.Kind.PARK] or parks
        return rng.choice(parks) if parks else None
    return None


def _fundings(
    ctx: Context, project: TransferProject, periods: list[StagePeriod], rng: random.Random
) -> list[Funding]:
    """Money in, stage by stage: the enterprise's, the seed and angel funds', and a city subsidy
    (基金+补助, never above 1000万 per project and year)."""
    enterprise = project.enterprise
    bureau = ctx.orgs.get(LEAD_ORG)
    seed_fund = ctx.orgs.get("future_seed")
    angel_fund = ctx.orgs.get("changxing_angel") or ctx.orgs.get("changxing_fund")
    rows: list[tuple[str, str, Organisation | None, Decimal, str]] = []
    for period in periods:
        stage = period.stage
        if stage == Stage.CONTRACTED:
            rows.append((stage, Funding.Source.ENTERPRISE, enterprise, _wan(rng, 20, 300), "首期合同款"))
        elif stage == Stage.CONCEPT:
            if seed_fund is not None and rng.random() < 0.7:
                rows.append(
                    (stage, Funding.Source.FUND, seed_fund, _wan(rng, 50, 300), "未来种子基金概念验证投资")
                )
            rows.append((stage, Funding.Source.SUBSIDY, bureau, _wan(rng, 30, 100), "概念验证补助"))
        elif stage == Stage.PILOT:
            rows.append((stage, Funding.Source.ENTERPRISE, enterprise, _wan(rng, 100, 800), "中试配套投入"))
            rows.append((stage, Funding.Source.SUBSIDY, bureau, _wan(rng, 50, 300), "中试补助"))
        elif stage == Stage.INCUBATION and angel_fund is not None:
            rows.append((stage, Funding.Source.FUND, angel_fund, _wan(rng, 200, 1000), "长兴基金天使轮投资"))
        elif stage == Stage.INDUSTRIAL:
            rows.append((stage, Funding.Source.ENTERPRISE, enterprise, _wan(rng, 500, 3000), "产线建设投入"))
            if rng.random() < 0.4:
                rows.append((stage, Funding.Source.LOAN, None, _wan(rng, 300, 1500), "科技型企业贷款"))
    fundings = []
    subsidies: dict[int, Decimal] = {}
    by_stage = {period.stage: period for period in periods}
    for stage, source, org, amount, note in rows:
        period = by_stage[stage]
        end = period.left_at or ctx.now
        span = max((end - period.entered_at).days, 1)
        received = min(
            timezone.localdate(period.entered_at) + datetime.timedelta(days=rng.randint(1, min(span, 40))),
            ctx.today,
        )
        if source == Funding.Source.SUBSIDY:
            year_total = subsidies.get(received.year, Decimal(0))
            amount = min(amount, SUBSIDY_CAP_PER_YEAR - year_total)
            if amount <= 0:
                continue
            subsidies[received.year] = year_total + amount
        fundings.append(
            Funding(
                project=project,
                stage=stage,
                source=source,
                source_org=org,
                amount=amount,
                received_on=received,
                note=note,
                recorded_by=project.created_by,
            )
        )
    return fundings


def _projects(ctx: Context) -> list[TransferProject]:
    rng = ctx.rng
    used_matches: set[int] = set()
    used_needs: set[int] = set()
    content_type = ContentType.objects.get_for_model(TransferProject)
    projects = []
    for plan in project_plans(rng):
        owner, enterprise = ctx.orgs.get(plan.owner_key), ctx.orgs.get(plan.enterprise_key)
        pool = [a for a in ctx.pools[plan.team.name] if owner is not None and a.owner_id == owner.pk]
        if owner is None or enterprise is None or not pool:
            continue
        match = (
            _free_match(owner, enterprise, used_matches, used_needs)
            if (plan.walkthrough or rng.random() < 0.3)
            else None
        )
        if match is not None:
            used_matches.add(match.pk)
            achievement, need = match.achievement, match.need
        else:
            achievement = rng.choice(pool)
            candidates = [
                n for n in ctx.needs[plan.team.name] if n.owner_id == enterprise.pk and n.pk not in used_needs
            ]
            need = rng.choice(candidates) if candidates and rng.random() < 0.6 else None
        if need is not None:
            used_needs.add(need.pk)
        assert achievement is not None
        title = (
            f"{need.title}（{_short(owner)}成果转化）"
            if need is not None
            else f"{achievement.title[:40]}——{_short(enterprise)}转化项目"
        )
        team = ctx.teams[plan.team.name]
        creator = _demo_person(ctx, plan.owner_key) or ctx.users.get(plan.team.lead)
        # Stage periods, oldest first; the last one stays open.
        total = sum(plan.days)
        opened = ctx.now - datetime.timedelta(days=total)
        opened = opened.replace(
            hour=rng.randint(9, 16), minute=rng.choice([0, 20, 40]), second=0, microsecond=0
        )
        moments = [opened]
        for days in plan.days[:-1]:
            moments.append(moments[-1] + datetime.timedelta(days=days))
        project = TransferProject.objects.create(
            title=title[:200],
            summary=(
                f"{_short(owner)}的科技成果“{achievement.title[:60]}”与{_short(enterprise)}的技术需求对接，"
                f"由{team.name}跟进。{DEMO_MARK}"
            ),
            stage=plan.path[-1],
            stage_entered_at=moments[-1],
            owner=owner,
            enterprise=enterprise,
            need=need,
            match=match,
            team=team,
            manager=_manager(ctx, plan.owner_key),
            stop_reason=plan.stop[0] if plan.stop else "",
            stop_note=plan.stop[1] if plan.stop else "",
            created_by=creator,
        )
        project.achievements.set([achievement])
        members = [
            u for u in (_demo_person(ctx, plan.owner_key), _demo_person(ctx, plan.enterprise_key)) if u
        ]
        project.members.set(members)
        periods = []
        for index, stage in enumerate(plan.path):
            left = moments[index + 1] if index + 1 < len(moments) else None
            periods.append(
                StagePeriod(
                    project=project,
                    stage=stage,
                    entered_at=moments[index],
                    left_at=left,
                    host=_host(ctx, plan, stage, rng),
                )
            )
        StagePeriod.objects.bulk_create(periods)
        changes = StatusChange.objects.bulk_create(
            StatusChange(
                content_type=content_type,
                object_id=project.pk,
                from_status=plan.path[index - 1],
                to_status=stage,
                actor=creator,
                reason=_transition_reason(plan, index),
            )
            for index, stage in enumerate(plan.path)
            if index > 0
        )
        for change, moment in zip(changes, moments[1:], strict=True):
            StatusChange.objects.filter(pk=change.pk).update(at=moment)
        fundings = _fundings(ctx, project, periods, rng)
        Funding.objects.bulk_create(fundings)
        TransferProject.objects.filter(pk=project.pk).update(created_at=opened, updated_at=moments[-1])
        audit.record_create(
            actor=None,
            instance=project,
            fields=["title", "owner", "enterprise", "team", "stage"],
            organisation=owner,
            note=f"演示数据导入：{len(periods)} 个阶段记录、{len(fundings)} 笔资金投入",
        )
        _add(ctx.report, "transfer_project")
        _add(ctx.report, "stage_period", len(periods))
        _add(ctx.report, "funding", len(fundings))
        _add(ctx.report, "project_status_change", len(changes))
        projects.append(project)
    return projects


def _transition_reason(plan: ProjectPlan, index: int) -> str:
    stage = plan.path[index]
    if stage == Stage.STOPPED and plan.stop:
        return f"{StopReason(plan.stop[0]).label}；{plan.stop[1]}"
    if plan.back_step and index == 2:
        return "企业调整了核心技术指标，退回对接重新匹配"
    return ""


# -- engagements --------------------------------------------------------------------------------------------
def _recorder_org(ctx: Context, user: Any) -> Organisation:
    membership = Membership.objects.filter(user=user).order_by("pk").first()
    return membership.organisation if membership else ctx.orgs[LEAD_ORG]


def _summary(
    kind: str,
    enterprises: list[Organisation],
    research: list[Organisation],
    results: list[Achievement],
    needs: list[Need],
) -> str:
    firms = "、".join(_short(o) for o in enterprises)
    labs = "、".join(_short(o) for o in research)
    first = f"“{results[0].title[:30]}”" if results else ""
    asked = f"围绕“{needs[0].title}”等需求，" if needs else ""
    if kind == Engagement.Kind.VISIT:
        text = f"专班上门走访{firms}，{asked}了解企业技术瓶颈，介绍了{labs}的{first}等{len(results)}项成果。"
    elif kind == Engagement.Kind.ONLINE:
        text = (
            f"线上组织{labs}与{firms}视频对接，{asked}"
            f"科研团队讲解了{first}等{len(results)}项成果的技术指标和转化方式。"
        )
    elif kind == Engagement.Kind.OFFLINE:
        text = f"召开线下供需对接会，{labs}与{firms}参加，{asked}现场推介{first}等{len(results)}项成果。"
    else:
        text = f"科技成果转化路演活动中，{labs}团队路演{first}等{len(results)}项成果，{firms}到场洽谈。"
    return text + DEMO_MARK


def _engagement(
    ctx: Context,
    plan: TeamPlan | None,
    held_on: datetime.date,
    *,
    recorder: Any,
    project: TransferProject | None = None,
) -> tuple[Engagement, list[Organisation], list[Achievement], list[Need]]:
    rng = ctx.rng
    kind = Engagement.Kind.VISIT if project is not None else _pick(rng, KIND_WEIGHTS)
    team_plan = plan or next(t for t in TEAMS if t.name == "光电信息专班")
    pool = ctx.pools[team_plan.name]
    if project is not None:
        research = [project.owner]
        enterprises = [project.enterprise]
        results = list(project.achievements.all())
        needs = [project.need] if project.need else []
    else:
        n_research = {Engagement.Kind.VISIT: 1, Engagement.Kind.ONLINE: 1}.get(kind, 2)
        n_firms = {Engagement.Kind.EVENT: 3, Engagement.Kind.OFFLINE: 2}.get(kind, 1)
        keys = [k for k in team_plan.research if k in ctx.orgs]
        if plan is None:
            keys = ["ciomp"]
        research = [ctx.orgs[k] for k in rng.sample(keys, min(n_research, len(keys)))]
        firm_keys = [k for k in team_plan.enterprises if k in ctx.orgs]
        enterprises = [ctx.orgs[k] for k in rng.sample(firm_keys, min(n_firms, len(firm_keys)))]
        owners = {o.pk for o in research}
        candidates = [a for a in pool if a.owner_id in owners] or pool
        low, high = RESULTS_PER_KIND[kind]
        results = rng.sample(candidates, min(rng.randint(low, high), len(candidates)))
        firm_ids = {o.pk for o in enterprises}
        need_pool = [n for n in ctx.needs[team_plan.name] if n.owner_id in firm_ids]
        needs = rng.sample(need_pool, min(rng.randint(0, 2), len(need_pool)))
    outcome = Engagement.Outcome.PROJECT if project is not None else _pick(rng, OUTCOME_WEIGHTS)
    next_step, next_on, owner, done_at = "", None, None, None
    if outcome in NEXT_STEPS:
        next_step = rng.choice(NEXT_STEPS[outcome])
        next_on = held_on + datetime.timedelta(days=rng.randint(7, 30))
        owner = recorder
        # Most follow-ups from months ago were done; the recent ones are still open.
        if next_on < ctx.today - datetime.timedelta(days=10) and rng.random() < 0.95:
            done_at = _moment(min(next_on + datetime.timedelta(days=rng.randint(-3, 5)), ctx.today), rng)
    places = {
        Engagement.Kind.VISIT: enterprises[0].name if enterprises else "",
        Engagement.Kind.ONLINE: "线上视频会议",
        Engagement.Kind.OFFLINE: "长春市科学技术局会议室",
        Engagement.Kind.EVENT: "长春新区科技成果转化路演中心",
    }
    sides = "、".join(_short(o) for o in enterprises + research)
    engagement = Engagement(
        kind=kind,
        held_on=held_on,
        place=places[kind],
        team=ctx.teams.get(plan.name) if plan else None,
        recorded_by=recorder,
        recorder_org=_recorder_org(ctx, recorder),
        people=f"{plan.name if plan else '技术经理人'}成员；{sides}相关负责人",
        summary=_summary(kind, enterprises, research, results, needs),
        outcome=outcome,
        next_step=next_step,
        next_step_on=next_on,
        next_step_owner=owner,
        next_step_done_at=done_at,
        project=project,
    )
    return engagement, [*research, *enterprises], results, needs


def _engagements(ctx: Context, projects: list[TransferProject]) -> list[Engagement]:
    rng = ctx.rng
    planned: list[tuple[TeamPlan | None, datetime.date, Any, TransferProject | None]] = []
    by_team = {t.name: t for t in TEAMS}
    # Deals opened from a visit: the visit a few days before the project was opened.
    linked = [p for p in projects if p.team is not None][:12]
    for project in linked:
        plan = by_team[project.team.name]  # type: ignore[union-attr]
        opened = timezone.localdate(project.created_at)
        day = max(
            _weekday(opened - datetime.timedelta(days=rng.randint(2, 9))),
            ctx.today - datetime.timedelta(days=DAYS_BACK),
        )
        recorder = ctx.users.get(plan.lead) or ctx.users["mishu"]
        planned.append((plan, day, recorder, project))
    counts = {t.name: t.engagements for t in TEAMS}
    for project in linked:
        counts[project.team.name] -= 1  # type: ignore[union-attr]
    for plan in TEAMS:
        people = [ctx.users[u] for u in (plan.lead, *plan.members) if u in ctx.users]
        for _ in range(counts[plan.name]):
            day = _weekday(ctx.today - datetime.timedelta(days=rng.randint(1, DAYS_BACK)))
            planned.append((plan, day, rng.choice(people), None))
    solo = ctx.users.get(SOLO_RECORDER)
    if solo is not None:
        for _ in range(SOLO_ENGAGEMENTS):
            planned.append(
                (None, _weekday(ctx.today - datetime.timedelta(days=rng.randint(1, DAYS_BACK))), solo, None)
            )
    planned.sort(key=lambda item: item[1])
    engagements = []
    links: list[tuple[list[Organisation], list[Achievement], list[Need]]] = []
    for team_plan, day, recorder, linked_project in planned:
        engagement, orgs, results, needs = _engagement(
            ctx, team_plan, day, recorder=recorder, project=linked_project
        )
        engagements.append(engagement)
        links.append((orgs, results, needs))
    _follow_ups_this_week(ctx, engagements)
    Engagement.objects.bulk_create(engagements)
    org_rows, result_rows, need_rows = [], [], []
    for engagement, (orgs, results, needs) in zip(engagements, links, strict=True):
        org_rows += [
            Engagement.organisations.through(engagement_id=engagement.pk, organisation_id=o.pk) for o in orgs
        ]
        result_rows += [
            Engagement.achievements.through(engagement_id=engagement.pk, achievement_id=a.pk) for a in results
        ]
        need_rows += [Engagement.needs.through(engagement_id=engagement.pk, need_id=n.pk) for n in needs]
    Engagement.organisations.through.objects.bulk_create(org_rows, ignore_conflicts=True)
    Engagement.achievements.through.objects.bulk_create(result_rows, ignore_conflicts=True)
    Engagement.needs.through.objects.bulk_create(need_rows, ignore_conflicts=True)
    for engagement in engagements:
        created = _moment(engagement.held_on, ctx.rng)
        Engagement.objects.filter(pk=engagement.pk).update(created_at=created, updated_at=created)
    _add(ctx.report, "engagement", len(engagements))
    distinct = {row.achievement_id for row in result_rows}
    ctx.report.notes.append(
        f"对接记录：{len(engagements)} 次，涉及科技成果 {len(distinct)} 项（去重）、"
        f"技术需求 {len({row.need_id for row in need_rows})} 项；{ACTIVITY_SOURCE['quote']}。"
    )
    return engagements


def _follow_ups_this_week(ctx: Context, engagements: list[Engagement]) -> None:
    """What a demo user sees first: follow-ups due this week for ciomp_zhao and mishu (their own
    or their team's recent engagements), and at least a few overdue ones."""
    rng = ctx.rng
    recent = sorted((e for e in engagements if e.project is None), key=lambda e: e.held_on, reverse=True)[:20]
    for username in ("ciomp_zhao", "mishu"):
        user = ctx.users.get(username)
        if user is None:
            continue
        own = [
            e
            for e in recent
            if e.recorded_by_id == user.pk or (e.team is not None and e.team.name == "光电信息专班")
        ]
        for engagement in (own + [e for e in recent if e not in own])[:2]:
            recent.remove(engagement)
            engagement.outcome = Engagement.Outcome.FOLLOW_UP
            engagement.next_step = rng.choice(NEXT_STEPS[Engagement.Outcome.FOLLOW_UP])
            engagement.next_step_on = ctx.today + datetime.timedelta(days=rng.randint(0, 6))
            engagement.next_step_owner = user
            engagement.next_step_done_at = None
    overdue = [
        e
        for e in engagements
        if e.next_step_on is not None and e.next_step_done_at is None and e.next_step_on < ctx.today
    ]
    spare = [
        e
        for e in engagements
        if e.project is None
        and e.next_step_on is None
        and e.held_on < ctx.today - datetime.timedelta(days=30)
    ]
    for engagement in spare[-max(0, 3 - len(overdue)) :] if len(overdue) < 3 else []:
        engagement.outcome = Engagement.Outcome.FOLLOW_UP
        engagement.next_step = NEXT_STEPS[Engagement.Outcome.FOLLOW_UP][0]
        engagement.next_step_on = engagement.held_on + datetime.timedelta(days=14)
        engagement.next_step_owner = engagement.recorded_by


# -- entry point ------------------------------------------------------------------------------------------
def _already_loaded() -> bool:
    return (
        Engagement.objects.filter(summary__endswith=DEMO_MARK).exists()
        or TransferProject.objects.filter(summary__endswith=DEMO_MARK).exists()
    )


def load_deals_demo(*, report: SeedReport, today: datetime.date | None = None) -> None:
    """Work teams, engagements and transfer projects of the demo year. Call inside a transaction,
    after the registry (results, needs) and the matches are loaded."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    orgs = demo_organisations()
    if LEAD_ORG not in orgs:
        report.notes.append("转化项目：演示机构中没有长春市科学技术局，未导入专班、对接记录和项目。")
        return
    users = {u.username: u for u in get_user_model().objects.filter(is_fictional=True)}
    ctx = Context(rng=random.Random(SEED), now=now, today=today, report=report, orgs=orgs, users=users)
    _extra_people(ctx)
    _teams(ctx)
    _pilot_bases(ctx)
    if _already_loaded():
        return  # loaded before: leave what people did since alone
    _pools(ctx)
    if not any(ctx.pools.values()):
        report.notes.append("转化项目：没有可用的科技成果，未导入对接记录和项目。")
        return
    projects = _projects(ctx)
    _engagements(ctx, projects)
    audit.record(
        actor=None,
        action=AuditLog.Action.SEED,
        instance=ctx.orgs[LEAD_ORG],
        changes={"engagements": [0, Engagement.objects.count()], "projects": [0, len(projects)]},
        organisation=ctx.orgs[LEAD_ORG],
        note=f"演示数据导入：4个专班的对接记录和转化项目（{NAMES_NOTE}）",
    )
