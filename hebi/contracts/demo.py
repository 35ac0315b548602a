"""The demo year of technology contracts (技术合同) and what follows them: ~60 contracts from the
demo universities and institutes, registered, refused, amended or waiting, written through the
contract services; three licences (one 先使用后付费 in its trial, one converted to paying, one
standard with a royalty), two equity arrangements (作价投资, 先投后股) and the income
distributions of 吉林大学 and 长春光机所.

Called by the core demo loader after the transfer projects (hebi/deals/demo.py): the contracts of
the projects that reached 签约 are among them. The contracts, their parties and their buyers not
on the platform are fictional (the buyers say so in their names); unified social credit codes
are generated with valid check characters and belong to no real organisation.

Deterministic (one seeded random.Random; dates are offsets from the day of the load) and
idempotent (nothing is written when demo contracts exist).
"""

from __future__ import annotations

import datetime
import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hebi.catalog.models import Achievement, StatusChange
from hebi.contracts import services
from hebi.contracts.models import (
    ContractCategory,
    ContractVersion,
    DistributionRule,
    DistributionShare,
    EquityArrangement,
    IncomeDistribution,
    Licence,
    LicencePayment,
    LicenceScope,
    RefusalReason,
    TechContract,
    UsageEvidence,
)
from hebi.contracts.reference import load_reference
from hebi.core import audit
from hebi.core.demo import SeedReport
from hebi.core.models import AuditLog, Notification
from hebi.core.permissions import CONTRIBUTOR_ROLES
from hebi.core.roles import Role
from hebi.core.validators import USCC_CHARSET, org_code_check_character, uscc_check_character
from hebi.deals.demo import demo_organisations
from hebi.deals.models import StagePeriod, TransferProject
from hebi.orgs.models import Organisation, Region

DEMO_MARK = "（演示数据）"
SEED = 20_260_126
DAYS_BACK = 360
TOTAL_CONTRACTS = 60
SELLERS = ("jlu", "ciomp", "ciac", "cust", "jlau", "iga", "nenu", "ccucm")
ENTERPRISES = ("faw", "faw_jiefang", "cgstl", "gpixel", "cgcy", "gensci", "crrc_cc", "sbm")
# The demo person who files a seller's contracts; the platform admin files the others'.
FILERS = {"jlu": "jlu_admin", "ciomp": "ciomp_zhao", "ciac": "expert_sun", "cust": "cust_wang"}
REGISTRAR = "dengji"

# Regions outside Jilin the demo buyers sit in (GB/T 2260), added when missing.
EXTRA_REGIONS = [
    ("110000", "北京市", "Beijing", Region.Kind.PROVINCE, None),
    ("110100", "北京市", "Beijing", Region.Kind.PREFECTURE, "110000"),
    ("110108", "海淀区", "Haidian District", Region.Kind.DISTRICT, "110100"),
    ("310000", "上海市", "Shanghai", Region.Kind.PROVINCE, None),
    ("310100", "上海市", "Shanghai", Region.Kind.PREFECTURE, "310000"),
    ("310115", "浦东新区", "Pudong New Area", Region.Kind.DISTRICT, "310100"),
]
REGION_SOURCE = "GB/T 2260 中华人民共和国行政区划代码（演示数据所需的外地买方所在地）"

# Buyers that are not on the platform: (name, region code).
LOCAL_FIRMS = [
    ("长春光联精密仪器有限公司（虚构）", "220173"),
    ("长春禾丰农业科技有限公司（虚构）", "2201NG"),
    ("长春新区智造装备有限公司（虚构）", "2201XQ"),
    ("长春瑞康生物技术有限公司（虚构）", "220172"),
    ("长春汽开区精工零部件有限公司（虚构）", "220174"),
    ("长春净月数字科技有限公司（虚构）", "220172"),
]
OTHER_FIRMS = [
    ("北京智感未来科技有限公司（虚构）", "110108"),
    ("上海浦芯半导体材料有限公司（虚构）", "310115"),
    ("吉林市碳谷新材料有限公司（虚构）", "220200"),
    ("四平市金穗农业发展有限公司（虚构）", "220300"),
]
EQUITY_COMPANY = ("长春应化高分子新材料科技有限公司（虚构）", "2201XQ")
INVEST_FIRST_COMPANY = "长春光睿精密光学科技有限公司（虚构）"

# How many contracts of each sub-type, and the amount range in 万元.
CATEGORY_PLAN: list[tuple[str, int, tuple[int, int]]] = [
    ("development_commissioned", 12, (30, 300)),
    ("development_cooperative", 6, (50, 400)),
    ("transfer_patent", 8, (20, 200)),
    ("transfer_application", 2, (10, 60)),
    ("transfer_secret", 3, (30, 150)),
    ("transfer_other", 2, (5, 40)),
    ("licence_patent", 8, (10, 150)),
    ("licence_secret", 3, (20, 120)),
    ("consulting_general", 5, (3, 30)),
    ("service_general", 7, (5, 80)),
    ("service_training", 2, (2, 15)),
    ("service_brokerage", 2, (3, 20)),
]
VERB = {
    "development": "委托（合作）研究开发",
    "transfer": "转让",
    "licence": "许可实施",
    "consulting": "提供技术咨询",
    "service": "提供技术服务",
}
REGISTERED, REFUSED, REFUSED_THEN_REGISTERED, AMENDED = (
    "registered",
    "refused",
    "refused_registered",
    "amended",
)
WAITING, OVERDUE, DUE_SOON, DRAFT = "waiting", "overdue", "due_soon", "draft"
# The outcomes of the contracts not tied to a project, besides plain registration.
OUTCOMES = [REFUSED] * 5 + [REFUSED_THEN_REGISTERED] * 3 + [AMENDED] + [OVERDUE, DUE_SOON, WAITING, WAITING]
OUTCOMES += [DRAFT] * 2
REFUSALS = [
    (["missing_proof"], "未提供专利证书及专利权属证明。"),
    (["name_mismatch"], "合同名称为技术开发，内容为设备采购，名实不符。"),
    (["price_unclear"], "合同未约定技术交易额的计算方式。"),
    (["subject_unclear", "parties_unclear"], "标的技术范围和委托方主体信息不完整。"),
    (["not_technology"], "合同主要内容为一般性检测业务，不属于技术合同。"),
]


@dataclass
class ContractPlan:
    category: str
    seller_key: str
    buyer: tuple[str, str, Organisation | None]  # (name, region code, platform organisation)
    signed_on: datetime.date
    amount: Decimal
    outcome: str = REGISTERED
    project: TransferProject | None = None
    refusal: tuple[list[str], str] = (["missing_proof"], "")
    licence_scope: str = ""
    role: str = ""  # a part in the story: "trial", "converted", "royalty", "equity"
    moments: dict[str, datetime.datetime] = field(default_factory=dict)


@dataclass
class Context:
    rng: random.Random
    now: datetime.datetime
    today: datetime.date
    report: SeedReport
    orgs: dict[str, Organisation]
    users: dict[str, Any]
    categories: dict[str, ContractCategory] = field(default_factory=dict)
    contracts: list[tuple[ContractPlan, TechContract]] = field(default_factory=list)
    pdf_count: int = 0


def _add(report: SeedReport, kind: str, n: int = 1) -> None:
    if n:
        report.created[kind] = report.created.get(kind, 0) + n


def demo_uscc(name: str, region_code: str, *, institution: bool) -> str:
    """A well-formed 统一社会信用代码 for a demo party, the same for the same name every time:
    registration authority and type (12 = 事业单位, 91 = 企业), 6-digit region, an organisation
    code with its GB 11714 check character, and the GB 32100 check character."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    body = "".join(USCC_CHARSET[b % len(USCC_CHARSET)] for b in digest[:8])
    org_code = body + org_code_check_character(body)
    region = region_code if region_code.isdigit() and len(region_code) == 6 else region_code[:4] + "00"
    first17 = ("12" if institution else "91") + region + org_code
    return first17 + uscc_check_character(first17)


def demo_pdf(title: str, number: int) -> bytes:
    """A one-page PDF standing in for the signed contract scan."""
    text = f"Hebi demo contract #{number}".encode("ascii")
    stream = b"BT /F1 14 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n% " + hashlib.sha1(title.encode("utf-8")).hexdigest().encode() + b"\n")  # noqa: S324
    offsets = []
    for index, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{index} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(hour=rng.randint(9, 16), minute=rng.randint(0, 59)))
    )


def _ensure_regions(report: SeedReport) -> None:
    for code, name, name_en, kind, parent in EXTRA_REGIONS:
        _, created = Region.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "kind": kind,
                "parent_id": parent,
                "source": REGION_SOURCE,
            },
        )
        if created:
            _add(report, "region")


# -- planning ------------------------------------------------------------------------------------------
def _platform_buyer(org: Organisation) -> tuple[str, str, Organisation]:
    return org.name, org.region_id, org


def _buyer(ctx: Context, rng: random.Random) -> tuple[str, str, Organisation | None]:
    roll = rng.random()
    if roll < 0.55:
        return _platform_buyer(ctx.orgs[rng.choice([k for k in ENTERPRISES if k in ctx.orgs])])
    if roll < 0.8:
        name, region = rng.choice(LOCAL_FIRMS)
    else:
        name, region = rng.choice(OTHER_FIRMS)
    return name, region, None


# What a project's deal is signed as (专利实施许可 stays for the licence stories).
PROJECT_CATEGORIES = [
    "development_cooperative",
    "development_commissioned",
    "transfer_patent",
    "transfer_secret",
    "licence_secret",
]
# Who sells: 吉林大学 and 长春光机所 most often, as in the documents.
SELLER_WEIGHTS = {"jlu": 5, "ciomp": 4, "ciac": 3, "cust": 3, "jlau": 1, "iga": 1, "nenu": 1, "ccucm": 1}


def _project_contracts(ctx: Context, rng: random.Random) -> list[ContractPlan]:
    """A contract for every demo project that reached 签约, signed when it entered that stage."""
    plans = []
    entered = (
        StagePeriod.objects.filter(
            stage=TransferProject.Stage.CONTRACTED, project__summary__endswith=DEMO_MARK
        )
        .select_related("project", "project__owner", "project__enterprise")
        .order_by("entered_at", "pk")
    )
    for period in entered:
        project = period.project
        category = rng.choice(PROJECT_CATEGORIES)
        low, high = next(r for code, _, r in CATEGORY_PLAN if code == category)
        plans.append(
            ContractPlan(
                category=category,
                seller_key=next((k for k, o in ctx.orgs.items() if o.pk == project.owner_id), ""),
                buyer=_platform_buyer(project.enterprise),
                signed_on=timezone.localdate(period.entered_at),
                amount=Decimal(rng.randint(low * 2, high * 2) * 10_000),
                project=project,
            )
        )
    return plans


def contract_plans(ctx: Context) -> list[ContractPlan]:
    rng = ctx.rng
    plans = _project_contracts(ctx, rng)
    remaining: dict[str, int] = {code: count for code, count, _ in CATEGORY_PLAN}
    for plan in plans:
        remaining[plan.category] = max(remaining[plan.category] - 1, 0)
    free: list[ContractPlan] = []
    sellers = [k for k in SELLERS if k in ctx.orgs]
    weights = [SELLER_WEIGHTS.get(k, 1) for k in sellers]
    for code, _count, (low, high) in CATEGORY_PLAN:
        for _ in range(remaining[code]):
            free.append(
                ContractPlan(
                    category=code,
                    seller_key=rng.choices(sellers, weights=weights)[0],
                    buyer=_buyer(ctx, rng),
                    signed_on=ctx.today - datetime.timedelta(days=rng.randint(60, DAYS_BACK)),
                    amount=Decimal(rng.randint(low, high) * 10_000),
                )
            )
    rng.shuffle(free)
    _story_contracts(ctx, free)
    outcomes = list(OUTCOMES)
    for plan in free:
        if not outcomes:
            break
        if plan.role:
            continue
        plan.outcome = outcomes.pop(0)
        if plan.outcome == REFUSED or plan.outcome == REFUSED_THEN_REGISTERED:
            plan.refusal = REFUSALS[len(outcomes) % len(REFUSALS)]
    for plan in [*plans, *free]:
        if ctx.categories[plan.category].is_licence:
            plan.licence_scope = rng.choice(LicenceScope.values)
    return [*plans, *free]


def _story_contracts(ctx: Context, free: list[ContractPlan]) -> None:
    """Contracts the licences and the equity arrangement hang on: their dates and sides set."""
    licences = [p for p in free if p.category == "licence_patent"]
    roles = [
        ("trial", 100, "ciomp", "cgstl"),
        ("converted", 330, "jlu", "faw"),
        ("royalty", 250, "ciac", "sbm"),
    ]
    for plan, (role, days, seller, buyer) in zip(licences, roles, strict=False):
        plan.role, plan.signed_on = role, ctx.today - datetime.timedelta(days=days)
        if seller in ctx.orgs:
            plan.seller_key = seller
        if buyer in ctx.orgs:
            plan.buyer = _platform_buyer(ctx.orgs[buyer])
        plan.amount = Decimal(800_000 if role != "royalty" else 500_000)
    transfers = [p for p in free if p.category.startswith("transfer_") and not p.role]
    if transfers and "ciac" in ctx.orgs:
        plan = transfers[0]
        plan.role, plan.seller_key = "equity", "ciac"
        plan.buyer = (EQUITY_COMPANY[0], EQUITY_COMPANY[1], None)
        plan.amount = Decimal(8_000_000)
        plan.signed_on = ctx.today - datetime.timedelta(days=200)


def _schedule(plan: ContractPlan, ctx: Context) -> None:
    """The moments of the plan's story: submission, decisions, amendment."""
    rng, today = ctx.rng, ctx.today
    signed = plan.signed_on

    def day(base: datetime.date, low: int, high: int) -> datetime.date:
        return min(base + datetime.timedelta(days=rng.randint(low, high)), today)

    if plan.outcome == OVERDUE:
        plan.moments["submitted"] = _moment(today - datetime.timedelta(days=35), rng)
        return
    if plan.outcome == DUE_SOON:
        plan.moments["submitted"] = _moment(today - datetime.timedelta(days=26), rng)
        return
    if plan.outcome == WAITING:
        plan.moments["submitted"] = _moment(today - datetime.timedelta(days=rng.randint(2, 12)), rng)
        return
    if plan.outcome == DRAFT:
        return
    submitted = day(signed, 2, 15)
    if (today - submitted).days < 3:  # signed a few days ago: still in review
        plan.outcome = WAITING
        plan.moments["submitted"] = _moment(submitted, rng)
        return
    decided = day(submitted, 3, min(25, (today - submitted).days))
    plan.moments["submitted"], plan.moments["decided"] = _moment(submitted, rng), _moment(decided, rng)
    if plan.outcome == REFUSED_THEN_REGISTERED:
        resubmitted = day(decided, 3, 10)
        plan.moments["resubmitted"] = _moment(resubmitted, rng)
        plan.moments["registered"] = _moment(day(resubmitted, 3, 12), rng)
    elif plan.outcome == AMENDED:
        resubmitted = day(decided, 20, 45)
        plan.moments["resubmitted"] = _moment(resubmitted, rng)
        plan.moments["registered_again"] = _moment(day(resubmitted, 3, 12), rng)
    for later, earlier in (
        ("resubmitted", "decided"),
        ("registered", "resubmitted"),
        ("registered_again", "resubmitted"),
    ):
        if later in plan.moments and plan.moments[later] <= plan.moments[earlier]:
            plan.moments[later] = plan.moments[earlier] + datetime.timedelta(hours=2)


def _first_registration(plan: ContractPlan) -> datetime.datetime | None:
    if plan.outcome in (REGISTERED, AMENDED):
        return plan.moments.get("decided")
    if plan.outcome == REFUSED_THEN_REGISTERED:
        return plan.moments.get("registered")
    return None


# -- writing through the services ------------------------------------------------------------------------
def _filer(ctx: Context, seller_key: str) -> Any:
    return ctx.users.get(FILERS.get(seller_key, "")) or ctx.users["admin"]


def _content(ctx: Context, plan: ContractPlan, seller: Organisation, achievement: Achievement | None) -> dict:
    category = ctx.categories[plan.category]
    topic = (achievement.title if achievement else f"{seller.short_name or seller.name}相关技术")[:30]
    buyer_name = plan.buyer[0]
    parent = category.parent.code if category.parent else plan.category
    total = plan.amount
    items = []
    if parent in ("development", "service") and ctx.rng.random() < 0.4:
        equipment = (total * Decimal(ctx.rng.choice(["0.1", "0.15", "0.2"]))).quantize(Decimal("1"))
        items = [
            {"name": ctx.rng.choice(["专用检测设备", "实验原材料", "样机试制材料"]), "amount": str(equipment)}
        ]
    tech = total - sum((Decimal(i["amount"]) for i in items), Decimal(0))
    term_start = plan.signed_on
    return {
        "title": f"“{topic}”{category.name}合同",
        "category": category,
        "licence_scope": plan.licence_scope,
        "subject": (
            f"{seller.name}就“{achievement.title if achievement else topic}”相关技术"
            f"向{buyer_name}{VERB[parent]}，"
            f"约定技术指标、交付成果、验收标准和价款支付方式。{DEMO_MARK}"
        ),
        "total_amount": total,
        "tech_amount": tech,
        "non_tech_items": items,
        "signed_on": plan.signed_on,
        "term_start": term_start,
        # A licence runs for years (its trial and payments fall inside the term).
        "term_end": term_start
        + datetime.timedelta(
            days=ctx.rng.choice([1095, 1826] if category.is_licence else [180, 365, 730, 1095])
        ),
    }


def _parties(plan: ContractPlan, seller: Organisation) -> list[dict[str, Any]]:
    buyer_name, buyer_region, buyer_org = plan.buyer
    return [
        {
            "role": "seller",
            "name": seller.name,
            "uscc": seller.uscc or demo_uscc(seller.name, seller.region_id, institution=True),
            "region": seller.region_id,
            "organisation": seller,
        },
        {
            "role": "buyer",
            "name": buyer_name,
            "uscc": (buyer_org.uscc if buyer_org else None)
            or demo_uscc(buyer_name, buyer_region, institution=False),
            "region": buyer_region,
            "organisation": buyer_org,
        },
    ]


def _achievement(ctx: Context, plan: ContractPlan, seller: Organisation) -> Achievement | None:
    if plan.project is not None:
        found = plan.project.achievements.filter(owner=seller).first()
        if found:
            return found
    results = (
        Achievement.objects.filter(owner=seller, trl__gte=4)
        .exclude(field_id__in=["social", "construction"])
        .order_by("source_ref", "pk")
    )
    count = results.count()
    return results[ctx.rng.randrange(count)] if count else None


def _backdate(version: ContractVersion, moments: dict[str, datetime.datetime | None]) -> None:
    """Put the version's submission and decision, and their history rows, on the demo dates."""
    submitted, decided = moments.get("submitted"), moments.get("decided")
    updates: dict[str, Any] = {}
    if submitted:
        updates.update(
            submitted_at=submitted,
            due_on=timezone.localdate(submitted) + datetime.timedelta(days=ContractVersion.REVIEW_DAYS),
            created_at=submitted - datetime.timedelta(hours=3),
        )
    if decided:
        updates.update(decided_at=decided, updated_at=decided)
    if updates:
        ContractVersion.objects.filter(pk=version.pk).update(**updates)
    history = StatusChange.objects.filter(
        content_type=ContentType.objects.get_for_model(ContractVersion), object_id=version.pk
    )
    for status, moment in (
        (ContractVersion.Status.SUBMITTED, submitted),
        (ContractVersion.Status.REGISTERED, decided),
        (ContractVersion.Status.REFUSED, decided),
        (ContractVersion.Status.SUPERSEDED, moments.get("superseded")),
    ):
        if moment:
            history.filter(to_status=status).update(at=moment)


def _write(ctx: Context, plan: ContractPlan) -> TechContract | None:
    seller = ctx.orgs.get(plan.seller_key)
    if seller is None:
        return None
    filer, registrar = _filer(ctx, plan.seller_key), ctx.users[REGISTRAR]
    achievement = _achievement(ctx, plan, seller)
    ctx.pdf_count += 1
    data = _content(ctx, plan, seller, achievement)
    contract = services.contract_create(
        actor=filer,
        seller=seller,
        data=data,
        parties=_parties(plan, seller),
        achievements=[achievement] if achievement else [],
        signed_file=SimpleUploadedFile(
            f"signed-contract-{ctx.pdf_count:03d}.pdf",
            demo_pdf(data["title"], ctx.pdf_count),
            "application/pdf",
        ),
        buyer_org=plan.buyer[2],
        project=plan.project,
    )
    first = contract.latest
    assert first is not None
    created = _moment(plan.signed_on, ctx.rng)
    if plan.outcome == DRAFT:
        TechContract.objects.filter(pk=contract.pk).update(created_at=created)
        return contract
    services.contract_submit(actor=filer, contract=contract)
    m = plan.moments
    if plan.outcome in (WAITING, OVERDUE, DUE_SOON):
        _backdate(first, {"submitted": m["submitted"]})
    elif plan.outcome == REFUSED or plan.outcome == REFUSED_THEN_REGISTERED:
        codes, comment = plan.refusal
        reasons = list(RefusalReason.objects.filter(code__in=codes))
        services.contract_refuse(actor=registrar, contract=contract, reasons=reasons, comment=comment)
        _backdate(first, {"submitted": m["submitted"], "decided": m["decided"]})
        if plan.outcome == REFUSED_THEN_REGISTERED:
            second = services.contract_amend(
                actor=filer, contract=contract, change_note="按审核意见补正：" + comment
            )
            services.contract_submit(actor=filer, contract=contract)
            services.contract_register(
                actor=registrar, contract=contract, comment="补正后材料齐全，予以登记。"
            )
            _backdate(second, {"submitted": m["resubmitted"], "decided": m["registered"]})
    else:
        services.contract_register(actor=registrar, contract=contract)
        _backdate(first, {"submitted": m["submitted"], "decided": m["decided"]})
        if plan.outcome == AMENDED:
            second = services.contract_amend(
                actor=filer, contract=contract, change_note="双方签订补充协议，延长履行期限六个月。"
            )
            services.contract_submit(actor=filer, contract=contract)
            services.contract_register(
                actor=registrar, contract=contract, comment="补充协议已核对，修订版本予以登记。"
            )
            _backdate(first, {"superseded": m["registered_again"]})
            _backdate(second, {"submitted": m["resubmitted"], "decided": m["registered_again"]})
    first_registered = _first_registration(plan)
    updates: dict[str, Any] = {"created_at": created}
    if first_registered is not None:
        contract.refresh_from_db()
        updates["registered_at"] = first_registered
        year = timezone.localdate(first_registered).year
        if contract.registration_number and not contract.registration_number.startswith(str(year)):
            updates["registration_number"] = services.next_registration_number(year)
    TechContract.objects.filter(pk=contract.pk).update(**updates)
    return contract


def _history_notifications(ctx: Context) -> None:
    """The notices the decided contracts sent at the time, as read history: without them the
    services would notify every registry officer of 60 submissions when the load commits."""
    officers = list(
        get_user_model().objects.filter(memberships__role=Role.REGISTRY_OFFICER, is_active=True).distinct()
    )
    rows = []
    for _plan, contract in ctx.contracts:
        people = list(
            get_user_model()
            .objects.filter(
                memberships__organisation=contract.seller,
                memberships__role__in=CONTRIBUTOR_ROLES,
                is_active=True,
            )
            .distinct()
        )
        url = f"/contracts/{contract.pk}/"
        for version in contract.versions.all():
            decided = version.status in (
                ContractVersion.Status.REGISTERED,
                ContractVersion.Status.REFUSED,
                ContractVersion.Status.SUPERSEDED,
            )
            if not decided or version.submitted_at is None:
                continue
            when = version.decided_at or version.submitted_at
            key = f"contract:{contract.pk}:v{version.number}:submitted"
            rows += [
                Notification(
                    recipient=o,
                    key=key,
                    title=f"新的技术合同待登记：{version.title}",
                    url=url,
                    read_at=when,
                    emailed_at=when,
                )
                for o in officers
            ]
            outcome = "refused" if version.status == ContractVersion.Status.REFUSED else "registered"
            label = "未予登记" if outcome == "refused" else "已登记"
            rows += [
                Notification(
                    recipient=p,
                    key=f"contract:{contract.pk}:v{version.number}:{outcome}",
                    title=f"技术合同{label}：{version.title}",
                    url=url,
                    read_at=when,
                    emailed_at=when,
                )
                for p in people
            ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


# -- licences, equity, distributions ------------------------------------------------------------------------
def _story(ctx: Context, role: str) -> tuple[ContractPlan, TechContract] | None:
    return next(((p, c) for p, c in ctx.contracts if p.role == role), None)


def _licences(ctx: Context) -> None:
    today = ctx.today
    for role in ("trial", "converted", "royalty"):
        found = _story(ctx, role)
        if found is None:
            continue
        plan, contract = found
        version = contract.in_force
        assert version is not None
        signed = plan.signed_on
        amount = version.tech_amount
        payments: list[LicencePayment] = []
        evidence: list[UsageEvidence] = []
        if role == "trial":
            licence = Licence(
                contract=contract,
                licensee=contract.buyer_org,
                scope=version.licence_scope,
                territory="中国境内",
                mode=Licence.Mode.USE_FIRST,
                entry_fee=Decimal(0),
                trial_start=signed,
                trial_end=signed + datetime.timedelta(days=365),
                payment=Licence.Payment.STAGED,
                status=Licence.Status.TRIAL,
            )
            payments = [
                LicencePayment(
                    kind=LicencePayment.Kind.INSTALMENT,
                    due_on=signed + datetime.timedelta(days=395),
                    amount=amount / 2,
                    note="试用期满后首期许可费",
                ),
                LicencePayment(
                    kind=LicencePayment.Kind.INSTALMENT,
                    due_on=signed + datetime.timedelta(days=760),
                    amount=amount - amount / 2,
                    note="第二期许可费",
                ),
            ]
            evidence = [
                UsageEvidence(
                    period_end=signed + datetime.timedelta(days=90),
                    description="试用第一季度：在两条产线上完成工艺验证，良品率提升约3个百分点。",
                ),
            ]
        elif role == "converted":
            trial_end = signed + datetime.timedelta(days=180)
            licence = Licence(
                contract=contract,
                licensee=contract.buyer_org,
                scope=version.licence_scope,
                territory="中国境内",
                mode=Licence.Mode.USE_FIRST,
                entry_fee=Decimal(0),
                trial_start=signed,
                trial_end=trial_end,
                payment=Licence.Payment.STAGED,
                status=Licence.Status.PAYING,
                converted_on=trial_end,
            )
            third = (amount * Decimal("0.3")).quantize(Decimal("0.01"))
            schedule = [(15, third), (105, third), (380, amount - 2 * third)]
            for days, due in schedule:
                due_on = trial_end + datetime.timedelta(days=days)
                paid = due_on + datetime.timedelta(days=5) <= today
                payments.append(
                    LicencePayment(
                        kind=LicencePayment.Kind.INSTALMENT,
                        due_on=due_on,
                        amount=due,
                        paid_on=due_on + datetime.timedelta(days=5) if paid else None,
                        paid_amount=due if paid else None,
                        note="先使用后付费：试用期（双方约定6个月，短于通常的1年）满后分期支付",
                    )
                )
            evidence = [
                UsageEvidence(
                    period_end=trial_end,
                    description="试用期满：技术已用于新一代车型零部件试制，双方确认转为付费使用。",
                    sales_amount=Decimal(3_600_000),
                ),
            ]
        else:
            rate = Decimal("3.50")
            licence = Licence(
                contract=contract,
                licensee=contract.buyer_org,
                scope=version.licence_scope,
                territory="中国境内",
                mode=Licence.Mode.STANDARD,
                entry_fee=Decimal(200_000),
                payment=Licence.Payment.REVENUE_SHARE,
                royalty_rate=rate,
                status=Licence.Status.PAYING,
            )
            sales = Decimal(5_200_000)
            quarter_end = signed + datetime.timedelta(days=120)
            payments = [
                LicencePayment(
                    kind=LicencePayment.Kind.ENTRY,
                    due_on=signed + datetime.timedelta(days=20),
                    amount=Decimal(200_000),
                    paid_on=signed + datetime.timedelta(days=18),
                    paid_amount=Decimal(200_000),
                    note="入门费",
                ),
                LicencePayment(
                    kind=LicencePayment.Kind.ROYALTY,
                    due_on=quarter_end + datetime.timedelta(days=30),
                    amount=(sales * rate / 100).quantize(Decimal("0.01")),
                    paid_on=min(quarter_end + datetime.timedelta(days=28), today),
                    paid_amount=(sales * rate / 100).quantize(Decimal("0.01")),
                    note="按季度销售额3.5%提成",
                ),
                LicencePayment(
                    kind=LicencePayment.Kind.ROYALTY,
                    due_on=quarter_end + datetime.timedelta(days=120),
                    amount=(sales * rate / 100).quantize(Decimal("0.01")),
                    note="按季度销售额3.5%提成（按上季度预估，以销售额报告结算）",
                ),
            ]
            evidence = [
                UsageEvidence(
                    period_end=quarter_end, description="首个结算季度相关产品销售情况。", sales_amount=sales
                )
            ]
        licence.full_clean()
        licence.save()
        for payment in payments:
            payment.licence = licence
            payment.recorded_by = ctx.users.get(FILERS.get(plan.seller_key, ""))
        LicencePayment.objects.bulk_create(payments)
        for item in evidence:
            item.licence = licence
            item.reported_by = _filer(ctx, plan.seller_key)
        UsageEvidence.objects.bulk_create(evidence)
        audit.record_create(
            actor=None,
            instance=licence,
            fields=["contract", "mode", "payment", "status"],
            organisation=contract.seller,
            note="演示数据导入",
        )
        _add(ctx.report, "licence")
        _add(ctx.report, "licence_payment", len(payments))


def _project_of(owner: Organisation | None, stages: Iterable[str]) -> TransferProject | None:
    if owner is None:
        return None
    return (
        TransferProject.objects.filter(owner=owner, stage__in=list(stages), summary__endswith=DEMO_MARK)
        .order_by("pk")
        .first()
    )


def _equity(ctx: Context) -> None:
    stage = TransferProject.Stage
    found = _story(ctx, "equity")
    if found is not None:
        plan, contract = found
        arrangement = EquityArrangement(
            kind=EquityArrangement.Kind.EQUITY,
            owner=contract.seller,
            contract=contract,
            project=_project_of(contract.seller, [stage.INCUBATION, stage.INDUSTRIAL, stage.PILOT]),
            company=EQUITY_COMPANY[0],
            amount=Decimal(8_000_000),
            equity_ratio=Decimal("25.00"),
            team_equity_ratio=Decimal("70.00"),
            agreed_on=plan.signed_on,
            status=EquityArrangement.Status.AGREED,
            terms="以3项发明专利作价800万元入股，占注册资本25%；作价所得股份的70%奖励成果完成团队。"
            + DEMO_MARK,
        )
        arrangement.full_clean()
        arrangement.save()
        audit.record_create(
            actor=None,
            instance=arrangement,
            fields=["kind", "company", "amount"],
            organisation=contract.seller,
            note="演示数据导入",
        )
        _add(ctx.report, "equity_arrangement")
    ciomp, fund = ctx.orgs.get("ciomp"), ctx.orgs.get("future_seed")
    if ciomp is not None and fund is not None:
        project = _project_of(ciomp, [stage.CONCEPT, stage.PILOT, stage.CONTRACTED])
        agreed = ctx.today - datetime.timedelta(days=75)
        if project is not None:
            agreed = max(timezone.localdate(project.stage_entered_at), agreed)
        arrangement = EquityArrangement(
            kind=EquityArrangement.Kind.INVEST_FIRST,
            owner=ciomp,
            project=project,
            company=INVEST_FIRST_COMPANY,
            investor=fund,
            amount=Decimal(3_000_000),
            agreed_on=min(agreed, ctx.today),
            conversion_trigger="企业完成下一轮市场化融资时，按该轮投前估值的八折转股。",
            status=EquityArrangement.Status.AGREED,
            terms="未来种子基金先期投入300万元支持概念验证和样机研制，转股前不参与企业经营。" + DEMO_MARK,
        )
        arrangement.full_clean()
        arrangement.save()
        audit.record_create(
            actor=None,
            instance=arrangement,
            fields=["kind", "company", "amount", "investor"],
            organisation=ciomp,
            note="演示数据导入",
        )
        _add(ctx.report, "equity_arrangement")


# Team ratio (%) of each demo distribution; 40 is below the statutory default of 50.
TEAM_RATIOS = [Decimal(v) for v in ("70", "60", "50", "65", "40", "70", "55", "60")]
# (inventor, their login), (transfer team member, their login) for each seller.
INVENTORS = {
    "jlu": (("李明哲（虚构）", "jlu_li"), ("课题组其他成员（虚构）", "")),
    "ciomp": (("刘光远（虚构）", ""), ("赵一帆（虚构，技术经理人）", "ciomp_zhao")),
}


def _distributions(ctx: Context) -> None:
    rules = {rule.basis: rule.min_team_ratio for rule in DistributionRule.objects.all()}
    candidates = [
        (plan, contract)
        for plan, contract in ctx.contracts
        if plan.seller_key in ("jlu", "ciomp")
        and contract.status == TechContract.Status.REGISTERED
        and contract.in_force is not None
        and contract.in_force.category.parent is not None
        and contract.in_force.category.parent.code in ("transfer", "licence")
    ]
    candidates.sort(key=lambda item: (item[1].registered_at or ctx.now, item[1].pk))
    # Both organisations in turn, oldest first, as far as their contracts go.
    jlu = [item for item in candidates if item[0].seller_key == "jlu"]
    ciomp = [item for item in candidates if item[0].seller_key == "ciomp"]
    candidates = [item for pair in zip(jlu, ciomp, strict=False) for item in pair]
    candidates += jlu[len(ciomp) :] + ciomp[len(jlu) :]
    for (plan, contract), ratio in zip(candidates, TEAM_RATIOS, strict=False):
        version = contract.in_force
        assert version is not None and contract.registered_at is not None
        basis = (
            "licence" if version.category.parent and version.category.parent.code == "licence" else "transfer"
        )
        received = min(
            timezone.localdate(contract.registered_at) + datetime.timedelta(days=ctx.rng.randint(20, 60)),
            ctx.today,
        )
        income = version.tech_amount
        costs = (income * Decimal(ctx.rng.choice(["0.02", "0.03", "0.05", "0.08"]))).quantize(Decimal("1"))
        net = income - costs
        team = (net * ratio / 100).quantize(Decimal("0.01"))
        (inventor_name, inventor_user), (member_name, member_user) = INVENTORS[plan.seller_key]
        lead = (team * Decimal("0.7")).quantize(Decimal("0.01"))
        rest = net - team
        retained = (rest * Decimal("0.6")).quantize(Decimal("0.01"))
        shares = [
            (DistributionShare.Role.INVENTOR, inventor_name, ctx.users.get(inventor_user), lead),
            (DistributionShare.Role.TEAM, member_name, ctx.users.get(member_user), team - lead),
            (DistributionShare.Role.ORGANISATION, contract.seller.name, None, retained),
            (DistributionShare.Role.DEPARTMENT, "成果完成人所在院系（所）", None, rest - retained),
        ]
        team_amount = sum(
            (amount for role, _, _, amount in shares if role in DistributionShare.TEAM_ROLES), Decimal(0)
        )
        team_ratio = (team_amount / net * 100).quantize(Decimal("0.01"))
        minimum = rules.get(basis, Decimal(50))
        distribution = IncomeDistribution(
            organisation=contract.seller,
            contract=contract,
            basis=basis,
            year=received.year,
            received_on=received,
            income=income,
            costs=costs,
            net_income=net,
            team_amount=team_amount,
            team_ratio=team_ratio,
            below_default=team_ratio < minimum,
            note=("单位与团队书面约定团队所得40%，另以横向经费支持后续研发。" if team_ratio < minimum else "")
            + DEMO_MARK,
            recorded_by=_filer(ctx, plan.seller_key),
        )
        distribution.full_clean()
        distribution.save()
        DistributionShare.objects.bulk_create(
            DistributionShare(distribution=distribution, role=role, recipient=name, user=user, amount=amount)
            for role, name, user, amount in shares
            if amount > 0
        )
        audit.record_create(
            actor=None,
            instance=distribution,
            fields=["organisation", "income", "team_amount"],
            organisation=contract.seller,
            note="演示数据导入",
        )
        _add(ctx.report, "income_distribution")


# -- entry point ------------------------------------------------------------------------------------------
def _already_loaded() -> bool:
    return ContractVersion.objects.filter(subject__endswith=DEMO_MARK).exists()


def load_contracts_demo(*, report: SeedReport, today: datetime.date | None = None) -> None:
    """Technology contracts, licences, equity and distributions of the demo year. Call inside a
    transaction, after hebi.deals.demo.load_deals_demo."""
    load_reference()
    _ensure_regions(report)
    if _already_loaded():
        return
    now = timezone.now()
    orgs = demo_organisations()
    users = {u.username: u for u in get_user_model().objects.filter(is_fictional=True)}
    if "admin" not in users or REGISTRAR not in users or not any(k in orgs for k in SELLERS):
        report.notes.append("技术合同：缺少演示机构或演示账号（admin、dengji），未导入合同。")
        return
    ctx = Context(
        rng=random.Random(SEED),
        now=now,
        today=today or timezone.localdate(now),
        report=report,
        orgs=orgs,
        users=users,
        categories={c.code: c for c in ContractCategory.objects.select_related("parent")},
    )
    plans = contract_plans(ctx)
    for plan in plans:
        _schedule(plan, ctx)
    # In the order of their registration, so that the registration numbers follow the dates.
    far = ctx.now + datetime.timedelta(days=1)
    plans.sort(key=lambda p: (_first_registration(p) or p.moments.get("submitted") or far, p.signed_on))
    for plan in plans:
        contract = _write(ctx, plan)
        if contract is not None:
            contract.refresh_from_db()
            ctx.contracts.append((plan, contract))
    _add(report, "tech_contract", len(ctx.contracts))
    _add(
        report,
        "contract_version",
        ContractVersion.objects.filter(contract__in=[c for _, c in ctx.contracts]).count(),
    )
    _history_notifications(ctx)
    _licences(ctx)
    _equity(ctx)
    _distributions(ctx)
    seller = orgs.get("jlu") or next(iter(orgs.values()))
    audit.record(
        actor=None,
        action=AuditLog.Action.SEED,
        instance=seller,
        changes={"contracts": [0, len(ctx.contracts)]},
        note=(
            f"演示数据导入：{len(ctx.contracts)} 份技术合同"
            "（当事人、金额为演示虚构，统一社会信用代码为生成的合规格式代码）"
        ),
    )
