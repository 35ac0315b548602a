"""What the matching engine knows about each kind of record: its tokens (the search_text the
registry already keeps), the text its vector is computed from, and its structured facts.
One recipe per kind, used by the index, the embedding tasks and the pages alike."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from hebi.catalog.models import Achievement, Need, Patent, PriceKind
from hebi.catalog.selectors import HALL_STATES
from hebi.matching.engine import NeedFacts, OfferFacts, split_tokens, text_hash, tokenize
from hebi.matching.models import Kind

# Patents enter matching once screened into the pool (筛选入库) and until converted.
PATENT_STAGES = (Patent.Stage.POOLED, Patent.Stage.EVALUATION, Patent.Stage.PROMOTION)


@dataclass(frozen=True)
class Meta:
    owner_id: int
    public: bool
    hash: str


def is_local(region_code: str | None) -> bool:
    return bool(region_code) and str(region_code).startswith(settings.HEBI_LOCAL_REGION)


def model_of(kind: str) -> type[Any]:
    return {Kind.ACHIEVEMENT: Achievement, Kind.NEED: Need, Kind.PATENT: Patent}[Kind(kind)]


def matchable(kind: str) -> QuerySet[Any]:
    """The records a kind's index holds: those out in the open."""
    if kind == Kind.PATENT:
        return Patent.objects.filter(stage__in=PATENT_STAGES).select_related("owner")
    model = model_of(kind)
    qs = model.objects.filter(status__in=HALL_STATES[model]).select_related("owner")
    return qs.prefetch_related("indicators") if model is Need else qs


def _join(*parts: Any) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, (list, tuple)):
            part = "、".join(str(p) for p in part if p)
        if part:
            out.append(str(part))
    return "\n".join(out)


def indicator_lines(need: Need) -> list[str]:
    return [f"{i.name} {i.target}{i.unit}".strip() for i in need.indicators.all()]


def embed_text(record: Any) -> str:
    """The text a record's vector is computed from (needs as queries, the rest as passages)."""
    if isinstance(record, Achievement):
        return _join(record.title, record.keywords, record.summary)
    if isinstance(record, Need):
        return _join(record.title, record.description, indicator_lines(record), record.keywords)
    return _join(record.title, record.abstract)


def role_of(kind: str) -> str:
    return "query" if kind == Kind.NEED else "passage"


def tokens_of(record: Any) -> list[str]:
    return split_tokens(record.search_text or "")


def owner_region(record: Any) -> str | None:
    return getattr(record.owner, "region_id", None)


def offer_facts(record: Achievement | Patent) -> OfferFacts:
    if isinstance(record, Patent):
        return OfferFacts(local=is_local(owner_region(record)))
    price = None if record.price_kind == PriceKind.NEGOTIABLE else record.price_min
    return OfferFacts(
        field=record.field_id,
        trl=record.trl,
        price_min=price,
        modes=frozenset(record.transfer_modes or ()),
        local=is_local(owner_region(record)),
    )


def need_facts(need: Need) -> NeedFacts:
    return NeedFacts(
        field=need.field_id,
        min_trl=need.min_trl,
        # A negotiable budget (面议) never leaves its owner, not even into a comparison.
        budget=None if need.budget_negotiable else need.budget,
        cooperation=need.cooperation,
        ip_ownership=need.ip_ownership,
        deadline=need.deadline,
        local=is_local(owner_region(need)),
        indicators=tuple((i.name, tuple(tokenize(i.name))) for i in need.indicators.all()),
    )


def facts_of(record: Any) -> NeedFacts | OfferFacts:
    return need_facts(record) if isinstance(record, Need) else offer_facts(record)


def meta_of(record: Any) -> Meta:
    public = True if isinstance(record, Patent) else record.visibility == "public"
    return Meta(owner_id=record.owner_id, public=public, hash=text_hash(embed_text(record)))


def kind_of(record: Any) -> str:
    if isinstance(record, Achievement):
        return Kind.ACHIEVEMENT
    if isinstance(record, Need):
        return Kind.NEED
    return Kind.PATENT


def entries(records: Iterable[Any]) -> list[tuple[int, list[str], Any, Meta]]:
    return [(r.pk, tokens_of(r), facts_of(r), meta_of(r)) for r in records]
