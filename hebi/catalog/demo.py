"""The registry's demo: 2,000 real paper records (CSL) as research results of the demo
universities and institutes, and fictional technical needs of the real demo enterprises.

Called by the core demo loader (hebi/core/demo.py) inside its transaction. Idempotent: results
are keyed by their CSL id (Achievement.source_ref), needs by (owner, title); a second run writes
nothing. Every choice that looks random (owner, TRL, transfer modes, price, visibility, date) is
derived from a hash of the record's id, so two loads of the same data give the same registry.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from hebi.catalog.models import (
    Achievement,
    Need,
    NeedIndicator,
    PriceKind,
    StatusChange,
    TechField,
    TransferMode,
    Visibility,
)
from hebi.catalog.reference import load_reference
from hebi.catalog.search.documents import achievement_document, need_document
from hebi.catalog.search.lexicon import current_lexicon
from hebi.catalog.search.text import Lexicon
from hebi.catalog.services import MAX_KEYWORDS, NEED_FIELDS, pick_technology_manager
from hebi.core import audit
from hebi.core.demo import DemoDataError, SeedReport
from hebi.core.models import AuditLog
from hebi.orgs.models import Membership, Organisation

NEEDS_FILE = Path(__file__).resolve().parent / "demo_data" / "needs.json"

CSL_SOURCE = "CSL: A Large-scale Chinese Scientific Literature Dataset (Li et al., COLING 2022), ydli-ai/CSL"
CSL_LICENCE = "Apache-2.0"
# Need has no source field: this is how the demo needs are marked (see the report to the lead).
DEMO_PUBLICATION_NOTE = "演示数据导入时即为已发布"
DEMO_NEED_NOTE = "演示数据（虚构需求，企业为真实机构）"

# The demo universities and institutes that receive results (长春分院 is an administrative branch).
RESEARCH_ORGS = ("jlu", "cust", "nenu", "jlau", "ccucm", "ciomp", "ciac", "iga")
BATCH_SIZE = 500

# -- owners by discipline -----------------------------------------------------------------------
_OPTICS_ENGINEERING = ("ciomp", "cust", "jlu")
_CHEMISTRY_MATERIALS = ("ciac", "jlu")
_AGRICULTURE = ("jlau", "iga")
_MEDICINE = ("ccucm", "jlu", "nenu")
_GEO_ENVIRONMENT = ("iga", "nenu")
_HUMANITIES = ("nenu", "jlu")
_THE_REST = ("jlu", "cust", "nenu", "ciomp", "ciac")

_OWNERS_BY_DISCIPLINE: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        [
            "光学工程",
            "电子科学与技术",
            "信息与通信工程",
            "物理学",
            "航空宇航科学与技术",
            "测绘科学与技术",
            "天文学",
            "计算机科学与技术",
            "控制科学与工程",
            "机械工程",
            "力学",
            "兵器科学与技术",
        ],
        _OPTICS_ENGINEERING,
    ),
    **dict.fromkeys(
        ["化学/化学工程与技术", "材料科学与工程", "纺织科学与工程", "冶金工程"], _CHEMISTRY_MATERIALS
    ),
    **dict.fromkeys(["农业工程", "食品科学与工程", "农林经济管理"], _AGRICULTURE),
    "中医学/中药学": ("ccucm",),
    "生物学/生物科学与工程": _MEDICINE,
    **dict.fromkeys(
        [
            "地理学",
            "环境科学与工程",
            "地质学/地质资源与地质工程",
            "大气科学",
            "海洋科学",
            "水利工程",
            "地球物理学",
        ],
        _GEO_ENVIRONMENT,
    ),
}
_OWNERS_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "农学": _AGRICULTURE,
    "医学": _MEDICINE,
    **dict.fromkeys(
        ["哲学", "历史学", "文学", "法学", "教育学", "艺术学", "管理学", "经济学", "军事学"], _HUMANITIES
    ),
}
# Categories whose results are ideas and methods rather than technology: low TRL, price on request.
_NON_TECHNICAL = frozenset(
    ["哲学", "历史学", "文学", "法学", "教育学", "艺术学", "管理学", "经济学", "军事学"]
)

# -- transfer modes by readiness ----------------------------------------------------------------
T = TransferMode
_MODES_MATURE: list[list[str]] = [
    [T.TRANSFER, T.LICENCE_ORDINARY],
    [T.LICENCE_EXCLUSIVE, T.LICENCE_SOLE],
    [T.LICENCE_ORDINARY, T.USE_FIRST_PAY_LATER],
    [T.TRANSFER, T.LICENCE_EXCLUSIVE, T.LICENCE_ORDINARY, T.USE_FIRST_PAY_LATER],
    [T.EQUITY, T.LICENCE_ORDINARY],
    [T.LICENCE_ORDINARY, T.JOINT_DEVELOPMENT],
]
_MODES_DEVELOPING: list[list[str]] = [
    [T.LICENCE_ORDINARY, T.JOINT_DEVELOPMENT],
    [T.TRANSFER, T.JOINT_DEVELOPMENT],
    [T.EQUITY, T.INVEST_THEN_EQUITY],
    [T.LICENCE_SOLE, T.JOINT_DEVELOPMENT],
    [T.LICENCE_ORDINARY, T.USE_FIRST_PAY_LATER],
]
_MODES_EARLY: list[list[str]] = [
    [T.JOINT_DEVELOPMENT],
    [T.LICENCE_ORDINARY, T.JOINT_DEVELOPMENT],
    [T.JOINT_DEVELOPMENT, T.INVEST_THEN_EQUITY],
]
_MODES_NON_TECHNICAL: list[list[str]] = [[T.JOINT_DEVELOPMENT], [T.LICENCE_ORDINARY, T.JOINT_DEVELOPMENT]]

# Price bases in 万元 by TRL; fixed prices and ranges are small multiples of them.
_PRICE_BASE_WAN = {2: 5, 3: 10, 4: 30, 5: 60, 6: 100}

_CONFIDENTIAL_DETAILS = [
    "关键工艺参数与实验数据，签署保密承诺后可见。",
    "核心配方、实验原始数据及中试记录，签署保密承诺后可见。",
    "算法实现细节与测试数据集，签署保密承诺后可见。",
]

# Fictional researchers linked to a handful of their organisation's results: (user, org, fields).
_TEAM_LINKS: list[tuple[str, str, tuple[str, ...]]] = [
    ("jlu_li", "jlu", ("auto", "materials", "equipment")),
    ("cust_wang", "cust", ("optoelectronics", "equipment", "it")),
    ("ciomp_zhao", "ciomp", ("optoelectronics", "aerospace")),
]
TEAM_LINKS_PER_PERSON = 5


def default_papers_path() -> Path:
    return Path(settings.HEBI_SHARED_DATA_DIR) / "csl" / "papers.jsonl"


def stable_hash(*parts: str) -> int:
    """A hash that stays the same across processes and Python versions (unlike hash())."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


# -- papers -> research results -------------------------------------------------------------
@dataclass(frozen=True)
class Paper:
    id: str
    title: str
    abstract: str
    keywords: list[str]
    discipline: str
    category: str


def read_papers(path: Path) -> Iterator[Paper]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                yield Paper(
                    id=str(row["id"]).strip(),
                    title=str(row["title"]).strip(),
                    abstract=str(row["abstract"]).strip(),
                    keywords=[str(k) for k in row.get("keywords") or []],
                    discipline=str(row.get("discipline") or "").strip(),
                    category=str(row.get("category") or "").strip(),
                )
            except (ValueError, KeyError, TypeError) as error:
                raise DemoDataError(f"{path}:{number}: not a paper record ({error})") from error


def owner_candidates(paper: Paper) -> tuple[str, ...]:
    return _OWNERS_BY_DISCIPLINE.get(paper.discipline) or _OWNERS_BY_CATEGORY.get(paper.category) or _THE_REST


def pick_owner_key(paper: Paper, available: Sequence[str]) -> str | None:
    """The owner's key: one of the discipline's candidates, chosen by the paper's id."""
    candidates = [key for key in owner_candidates(paper) if key in available]
    if not candidates:
        candidates = [key for key in RESEARCH_ORGS if key in available]
    if not candidates:
        return None
    return candidates[stable_hash("owner", paper.id) % len(candidates)]


def readiness(paper: Paper) -> int:
    h = stable_hash("trl", paper.id)
    if paper.category == "工学":
        return 4 + h % 3  # 4–6
    if paper.category in ("农学", "医学"):
        return 3 + h % 3  # 3–5
    if paper.category == "理学":
        return 2 + h % 3  # 2–4
    return 2 + h % 2  # 2–3


def transfer_modes(paper: Paper, trl: int) -> list[str]:
    if paper.category in _NON_TECHNICAL:
        pool = _MODES_NON_TECHNICAL
    elif trl >= 5:
        pool = _MODES_MATURE
    elif trl == 4:
        pool = _MODES_DEVELOPING
    else:
        pool = _MODES_EARLY
    chosen = set(pool[stable_hash("modes", paper.id) % len(pool)])
    return [mode for mode in TransferMode.values if mode in chosen]


def price(paper: Paper, trl: int) -> tuple[str, Decimal | None, Decimal | None]:
    """(price kind, minimum or fixed price, maximum) in yuan: 60% on request, 15% fixed, 25% range."""
    h = stable_hash("price", paper.id)
    roll = h % 100
    if paper.category in _NON_TECHNICAL or roll < 60:
        return PriceKind.NEGOTIABLE, None, None
    base = _PRICE_BASE_WAN[trl] * 10_000
    if roll < 75:
        return PriceKind.FIXED, Decimal(base * (1 + (h >> 8) % 5)), None
    low = base * (1 + (h >> 8) % 3)
    return PriceKind.RANGE, Decimal(low), Decimal(low * (2 + (h >> 16) % 3))


def visibility(paper: Paper) -> tuple[str, str]:
    """(visibility, confidential details): 85% public, 12% members, 3% confidential."""
    h = stable_hash("visibility", paper.id)
    roll = h % 100
    if roll < 85:
        return Visibility.PUBLIC, ""
    if roll < 97:
        return Visibility.MEMBERS, ""
    return Visibility.CONFIDENTIAL, _CONFIDENTIAL_DETAILS[(h >> 8) % len(_CONFIDENTIAL_DETAILS)]


def published_at(key: str, today: datetime.date, *, within_days: int = 548) -> datetime.datetime:
    """A working-hours moment within the last `within_days` days (548 ≈ 18 months)."""
    h = stable_hash("published", key)
    day = today - datetime.timedelta(days=h % within_days)
    moment = datetime.time(hour=8 + (h >> 16) % 10, minute=(h >> 24) % 60)
    return timezone.make_aware(datetime.datetime.combine(day, moment))


def paper_keywords(paper: Paper) -> list[str]:
    """The paper's keywords as the services keep them: distinct, ≤40 characters, at most 12."""
    seen: list[str] = []
    for keyword in (k.strip()[:40] for k in paper.keywords):
        if keyword and keyword not in seen:
            seen.append(keyword)
    return seen[:MAX_KEYWORDS]


@functools.lru_cache(maxsize=4096)
def _paper_document(title: str, summary: str, keywords: tuple[str, ...], lexicon: Lexicon) -> str:
    """achievement_document of a paper's result. Segmenting 2,000 abstracts is most of the load's
    time; kept per process, so that loading again (the test suite seeds many times) is quick."""
    return achievement_document(
        Achievement(title=title, summary=summary, keywords=list(keywords)), lexicon=lexicon
    )


def _field_codes() -> tuple[dict[str, str], str]:
    by_discipline: dict[str, str] = {}
    for code, disciplines in TechField.objects.values_list("code", "disciplines"):
        for discipline in disciplines or []:
            by_discipline.setdefault(discipline, code)
    fallback = "social" if TechField.objects.filter(code="social").exists() else None
    if fallback is None:
        first = TechField.objects.values_list("code", flat=True).first()
        if first is None:
            raise DemoDataError("no technology fields: run the migrations first")
        fallback = first
    return by_discipline, fallback


def _add(report: SeedReport, kind: str, n: int) -> None:
    if n:
        report.created[kind] = report.created.get(kind, 0) + n


def _record_publication(records: list[Any]) -> None:
    """The status history a published demo record would have had: draft → published."""
    if not records:
        return
    content_type = ContentType.objects.get_for_model(records[0])
    StatusChange.objects.bulk_create(
        StatusChange(
            content_type=content_type,
            object_id=record.pk,
            from_status="draft",
            to_status=record.status,
            reason=DEMO_PUBLICATION_NOTE,
        )
        for record in records
        if record.status != "draft"
    )


def load_achievements(
    *, orgs: dict[str, Organisation], report: SeedReport, papers_path: Path, today: datetime.date
) -> None:
    available = [key for key in RESEARCH_ORGS if key in orgs]
    if not available:
        report.notes.append("科技成果：演示机构中没有高校院所，未导入论文。")
        return
    existing = set(
        Achievement.objects.filter(source_ref__startswith="csl-").values_list("source_ref", flat=True)
    )
    field_by_discipline, fallback_field = _field_codes()
    lexicon = current_lexicon()
    per_owner: dict[str, list[str]] = {}
    batch: list[Achievement] = []

    def flush() -> None:
        created = Achievement.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        _record_publication(created)
        batch.clear()

    for paper in read_papers(papers_path):
        if paper.id in existing:
            continue
        existing.add(paper.id)
        owner_key = pick_owner_key(paper, available)
        if owner_key is None:
            continue
        trl = readiness(paper)
        modes = transfer_modes(paper, trl)
        kind, low, high = price(paper, trl)
        seen, details = visibility(paper)
        achievement = Achievement(
            owner=orgs[owner_key],
            title=paper.title[:200],
            summary=paper.abstract[:5000],
            field_id=field_by_discipline.get(paper.discipline, fallback_field),
            keywords=paper_keywords(paper),
            trl=trl,
            transfer_modes=modes,
            mode_tags=f" {' '.join(modes)} ",
            price_kind=kind,
            price_min=low,
            price_max=high,
            visibility=seen,
            confidential_details=details,
            status=Achievement.Status.PUBLISHED,
            published_at=published_at(paper.id, today),
            source=CSL_SOURCE,
            source_licence=CSL_LICENCE,
            source_ref=paper.id,
        )
        achievement.search_text = _paper_document(
            achievement.title, achievement.summary, tuple(achievement.keywords), lexicon
        )
        batch.append(achievement)
        per_owner.setdefault(owner_key, []).append(paper.id)
        if len(batch) >= BATCH_SIZE:
            flush()
    if batch:
        flush()

    # One audit row per organisation and load, not one per result: 2,000 identical "created by
    # the demo import" rows would drown the audit trail; each result names its source itself.
    for owner_key, refs in per_owner.items():
        org = orgs[owner_key]
        before = Achievement.objects.filter(owner=org).count() - len(refs)
        audit.record(
            actor=None,
            action=AuditLog.Action.SEED,
            instance=org,
            changes={"achievements": [before, before + len(refs)]},
            organisation=org,
            note=(
                f"演示数据导入：{len(refs)} 项科技成果，取自 CSL 论文数据集（{CSL_LICENCE}），"
                f"来源编号 {refs[0]} 等"
            ),
        )
        _add(report, "achievement", len(refs))


def link_demo_researchers(*, orgs: dict[str, Organisation], report: SeedReport) -> None:
    """A handful of each fictional researcher's organisation's results name them in the team."""
    users = get_user_model().objects
    for username, org_key, fields in _TEAM_LINKS:
        user = users.filter(username=username).first()
        org = orgs.get(org_key)
        if user is None or org is None:
            continue
        if Achievement.objects.filter(team=user, source=CSL_SOURCE).exists():
            continue  # linked on an earlier load (or by hand): leave the team as it is
        results = Achievement.objects.filter(owner=org, source=CSL_SOURCE).order_by("source_ref")
        chosen = list(results.filter(field_id__in=fields)[:TEAM_LINKS_PER_PERSON])
        if len(chosen) < TEAM_LINKS_PER_PERSON:
            chosen += list(
                results.exclude(pk__in=[a.pk for a in chosen])[: TEAM_LINKS_PER_PERSON - len(chosen)]
            )
        for achievement in chosen:
            achievement.team.add(user)
            audit.record(
                actor=None,
                action=AuditLog.Action.UPDATE,
                instance=achievement,
                changes={"team": [[], [str(user)]]},
                organisation=org,
                note="演示数据导入（虚构人物）",
            )
        _add(report, "achievement_team", len(chosen))


# -- needs ------------------------------------------------------------------------------------
# What the loader keeps in step with needs.json on a later load; status, dates and people are
# the workflow's (a demo user may have moved the need on).
_NEED_CONTENT_FIELDS = [*(name for name in NEED_FIELDS if name not in ("title", "deadline")), "source"]


def load_needs_file(path: Path = NEEDS_FILE) -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    needs: list[dict[str, Any]] = data["needs"]
    return needs


def _need_values(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": row["description"],
        "field_id": row["field"],
        "keywords": list(row.get("keywords") or []),
        "budget": Decimal(str(row["budget"])) if row.get("budget") is not None else None,
        "budget_negotiable": bool(row.get("budget_negotiable")),
        "ip_ownership": row.get("ip_ownership") or Need.IPOwnership.NEGOTIABLE,
        "cooperation": row.get("cooperation") or Need.Cooperation.OPEN,
        "min_trl": row.get("min_trl"),
        "is_complex": bool(row.get("is_complex")),
        "visibility": row.get("visibility") or Visibility.PUBLIC,
        "confidential_details": row.get("confidential_details") or "",
        "source": DEMO_NEED_NOTE,
    }


def _indicator_rows(row: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"name": str(i["name"]), "target": str(i["target"]), "unit": str(i.get("unit") or "")}
        for i in row.get("indicators", [])
    ]


def _demo_author(org: Organisation) -> Any:
    membership = (
        Membership.objects.filter(organisation=org, user__is_fictional=True)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    return membership.user if membership else None


def load_needs(*, orgs: dict[str, Organisation], report: SeedReport, today: datetime.date) -> None:
    lexicon = current_lexicon()
    for row in load_needs_file():
        owner = orgs.get(row["owner"])
        if owner is None:
            raise DemoDataError(f"needs.json: unknown organisation key {row['owner']}")
        values = _need_values(row)
        indicators = _indicator_rows(row)
        need = Need.objects.filter(owner=owner, title=row["title"]).first()
        if need is None:
            _create_need(owner, row, values, indicators, today, lexicon, report)
        else:
            _update_need(need, values, indicators, lexicon, report)


def _create_need(
    owner: Organisation,
    row: dict[str, Any],
    values: dict[str, Any],
    indicators: list[dict[str, str]],
    today: datetime.date,
    lexicon: Any,
    report: SeedReport,
) -> None:
    status = row.get("status") or Need.Status.PUBLISHED
    need = Need(
        owner=owner,
        title=row["title"],
        deadline=today + datetime.timedelta(days=int(row["deadline_days"])),
        status=status,
        created_by=_demo_author(owner),
        **values,
    )
    if status != Need.Status.DRAFT:
        need.published_at = published_at(f"{row['owner']}:{row['title']}", today, within_days=90)
        if need.is_complex:
            # As need_transition does on publication: hard needs go to a technology manager.
            need.manager = pick_technology_manager()
    # created_by may be empty (no demo person for the enterprise) though the form requires it.
    need.full_clean(exclude=["search_text", "created_by"])
    need.save()
    NeedIndicator.objects.bulk_create(
        NeedIndicator(need=need, order=i, **r) for i, r in enumerate(indicators)
    )
    need.search_text = need_document(need, indicator_names=[r["name"] for r in indicators], lexicon=lexicon)
    Need.objects.filter(pk=need.pk).update(search_text=need.search_text)
    _record_publication([need])
    audit.record_create(
        actor=None,
        instance=need,
        fields=["owner", *NEED_FIELDS, "status"],
        organisation=owner,
        note=f"{DEMO_NEED_NOTE}；核心技术指标 {len(indicators)} 项",
    )
    _add(report, "need", 1)
    _add(report, "need_indicator", len(indicators))


def _update_need(
    need: Need, values: dict[str, Any], indicators: list[dict[str, str]], lexicon: Any, report: SeedReport
) -> None:
    data = {("field" if k == "field_id" else k): v for k, v in values.items()}
    if data["field"] != need.field_id:
        data["field"] = TechField.objects.get(pk=data["field"])
    else:
        data.pop("field")
    # audit.model_update, but validated like _create_need (created_by may be empty).
    fields = [name for name in _NEED_CONTENT_FIELDS if name in data]
    before_values = audit.snapshot(need, fields)
    for name in fields:
        setattr(need, name, data[name])
    changes: dict[str, Any] = audit.diff(before_values, audit.snapshot(need, fields))
    if changes:
        need.full_clean(exclude=["search_text", "created_by"])
        need.save(update_fields=[*changes, "updated_at"])
        audit.record(
            actor=None,
            action=AuditLog.Action.UPDATE,
            instance=need,
            changes=changes,
            organisation=need.owner,
            note=DEMO_NEED_NOTE,
        )
    before = [(i.name, i.target, i.unit) for i in need.indicators.all()]
    after = [(r["name"], r["target"], r["unit"]) for r in indicators]
    if before != after:
        need.indicators.all().delete()
        NeedIndicator.objects.bulk_create(
            NeedIndicator(need=need, order=i, **r) for i, r in enumerate(indicators)
        )
        audit.record(
            actor=None,
            action=AuditLog.Action.UPDATE,
            instance=need,
            changes={"indicators": [[" ".join(b) for b in before], [" ".join(a) for a in after]]},
            organisation=need.owner,
            note=DEMO_NEED_NOTE,
        )
        changes["indicators"] = [before, after]
    if changes:
        need.search_text = need_document(
            need, indicator_names=[r["name"] for r in indicators], lexicon=lexicon
        )
        Need.objects.filter(pk=need.pk).update(search_text=need.search_text)
        report.count("need", created=False, changed=True)


# -- entry point ------------------------------------------------------------------------------
def load_catalog_demo(
    *,
    orgs: dict[str, Organisation],
    report: SeedReport,
    papers_path: Path | None = None,
    today: datetime.date | None = None,
) -> None:
    """Load the registry's demo for the organisations the core loader built (key → Organisation).

    Call inside a transaction. papers_path: the CSL paper records (JSON lines); default
    settings.HEBI_SHARED_DATA_DIR/csl/papers.jsonl. If the file is missing the results are
    skipped with a note in the report; the needs are always loaded.
    """
    today = today or timezone.localdate()
    load_reference()
    path = papers_path or default_papers_path()
    if path.is_file():
        load_achievements(orgs=orgs, report=report, papers_path=path, today=today)
        link_demo_researchers(orgs=orgs, report=report)
    else:
        report.notes.append(f"科技成果：未找到论文数据 {path}，未导入。")
    load_needs(orgs=orgs, report=report, today=today)
