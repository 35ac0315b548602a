"""Matches as the pages and the API show them, ranked live and scoped by the viewer.

Every direction starts from a record the caller has already fetched through the registry's
viewer-scoped selectors; the candidates are filtered here by what the viewer may see (signed
out: public records only) and never include the record owner's own records."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.catalog import selectors as catalog
from hebi.catalog.models import Achievement, Need, Patent, PriceKind, TransferMode
from hebi.core.converters import parse_id
from hebi.core.models import Notification
from hebi.core.roles import Role
from hebi.finance.models import FundProfile
from hebi.finance.selectors import fund_get
from hebi.matching import index
from hebi.matching.documents import embed_text, is_local, need_facts, offer_facts, tokens_of
from hebi.matching.embedding import embedder_name
from hebi.matching.engine import FundFacts, Match, Query, Reason, offer_fund_fit, summary, text_hash
from hebi.matching.index import decode
from hebi.matching.models import Embedding, Kind
from hebi.matching.models import Match as StoredMatch

EXPERT_POOL = 120


@dataclass
class MatchRow:
    subject: Any  # the matched record: Achievement, Need, Patent, FundProfile or a user
    score: float
    reasons: list[Reason]
    components: dict[str, Any] = field(default_factory=dict)
    stored: StoredMatch | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    @property
    def status(self) -> str:
        return self.stored.status if self.stored else StoredMatch.Status.SUGGESTED

    def texts(self) -> tuple[list[str], list[str]]:
        return summary(self.reasons, labels())


def labels() -> dict[str, Any]:
    names: dict[str, Any] = dict(TransferMode.choices)
    names.update({f"cooperation:{k}": v for k, v in Need.Cooperation.choices})
    return names


def record_vector(record: Any, kind: str) -> Any:
    """The record's stored vector when it was computed from its current text, else None.

    Kept on the record object: a need page ranks results, patents and experts and asks whether
    the vector is pending, all for the same record in the same request."""
    memo = record.__dict__.setdefault("_matching_vectors", {})
    if kind not in memo:
        row = Embedding.objects.filter(kind=kind, object_id=record.pk, embedder=embedder_name()).first()
        current = row is not None and row.text_hash == text_hash(embed_text(record))
        memo[kind] = decode(row.vector, row.dim) if current and row is not None else None
    return memo[kind]


def _allowed(viewer: Any, meta: dict[int, Any], owner_id: int) -> Any:
    signed_in = getattr(viewer, "is_authenticated", False)

    def allowed(record_id: Any) -> bool:
        m = meta.get(record_id)
        return m is not None and m.owner_id != owner_id and (signed_in or m.public)

    return allowed


SIDES = {
    StoredMatch.Direction.NEED_RESULT: ("need", "achievement"),
    StoredMatch.Direction.RESULT_FUND: ("achievement", "fund"),
    StoredMatch.Direction.NEED_EXPERT: ("need", "expert"),
}


def _stored(direction: str, **pair: Any) -> dict[Any, StoredMatch]:
    """A direction's stored pairs of one record, keyed by the id of the other side."""
    key = next(k for k in SIDES[StoredMatch.Direction(direction)] if k not in pair)
    # The transfer project a pair became, if any, comes in the same query (the row links to it).
    qs = StoredMatch.objects.filter(direction=direction, **pair).select_related("transfer_project")
    return {getattr(m, f"{key}_id"): m for m in qs}


def _rows(
    matches: Sequence[Match], objects: dict[Any, Any], stored: dict[Any, StoredMatch]
) -> list[MatchRow]:
    return [
        MatchRow(objects[m.id], m.score, list(m.reasons), m.components(), stored.get(m.id))
        for m in matches
        if m.id in objects
    ]


def need_query(need: Need, viewer: Any, meta: dict[int, Any]) -> Query:
    return Query(
        tokens=tokens_of(need),
        vector=record_vector(need, Kind.NEED),
        need=need_facts(need),
        allowed=_allowed(viewer, meta, need.owner_id),
    )


def results_for_need(*, viewer: Any, need: Need, top: int = 10) -> list[MatchRow]:
    found, meta = index.collection(Kind.ACHIEVEMENT)
    matches = found.rank(need_query(need, viewer, meta), top=top, today=timezone.localdate())
    objects = Achievement.objects.select_related("owner", "field").in_bulk([m.id for m in matches])
    return _rows(matches, objects, _stored(StoredMatch.Direction.NEED_RESULT, need=need))


def patents_for_need(*, viewer: Any, need: Need, top: int = 5) -> list[MatchRow]:
    found, meta = index.collection(Kind.PATENT)
    matches = found.rank(need_query(need, viewer, meta), top=top, today=timezone.localdate())
    objects = Patent.objects.select_related("owner").in_bulk([m.id for m in matches])
    return _rows(matches, objects, {})


def needs_for_result(*, viewer: Any, achievement: Achievement, top: int = 10) -> list[MatchRow]:
    """精准推送: the enterprises whose needs this result answers."""
    found, meta = index.collection(Kind.NEED)
    query = Query(
        tokens=tokens_of(achievement),
        vector=record_vector(achievement, Kind.ACHIEVEMENT),
        offer=offer_facts(achievement),
        allowed=_allowed(viewer, meta, achievement.owner_id),
    )
    matches = found.rank(query, top=top, today=timezone.localdate())
    objects = Need.objects.select_related("owner", "field").in_bulk([m.id for m in matches])
    return _rows(matches, objects, _stored(StoredMatch.Direction.NEED_RESULT, achievement=achievement))


def result_amount(achievement: Achievement) -> Decimal | None:
    if achievement.price_kind == PriceKind.NEGOTIABLE:
        return None
    return achievement.price_min


def funds_for_result(*, viewer: Any, achievement: Achievement, top: int = 5) -> list[MatchRow]:
    """Funds by stage (TRL), sector (the result's field) and ticket size (its asking price)."""
    offer = offer_facts(achievement)
    stored = _stored(StoredMatch.Direction.RESULT_FUND, achievement=achievement)
    rows = []
    funds = FundProfile.objects.filter(organisation__is_active=True).select_related(
        "organisation", "organisation__region"
    )
    for fund in funds:
        facts = FundFacts(
            stages=frozenset(fund.stage_preferences or ()),
            sectors=tuple(fund.sector_preferences or ()),
            ticket_min=fund.ticket_min_yuan,
            ticket_max=fund.ticket_max_yuan,
            local=is_local(fund.organisation.region_id),
        )
        fit = offer_fund_fit(
            offer, facts, field_name=achievement.field.name, amount=result_amount(achievement)
        )
        if fit.weight and fit.score >= 0.5:
            rows.append(
                MatchRow(fund, fit.score, fit.reasons, {"fit": round(fit.score, 4)}, stored.get(fund.pk))
            )
    rows.sort(key=lambda r: (-r.score, r.subject.organisation.name))
    return rows[:top]


def experts_for_need(*, viewer: Any, need: Need, top: int = 5) -> list[MatchRow]:
    """People profiled by their results: a result's team members score by the result's match,
    more matching results adding a little; declared experts are marked."""
    found, meta = index.collection(Kind.ACHIEVEMENT)
    query = need_query(need, viewer, meta)
    query.need = None  # a person's fit is their knowledge, not a result's price or TRL
    matches = found.rank(query, top=EXPERT_POOL, today=timezone.localdate())
    scores = {m.id: m.score for m in matches}
    if not scores:
        return []
    User = get_user_model()
    team = Achievement.team.through.objects.filter(achievement_id__in=list(scores)).values_list(
        "user_id", "achievement_id"
    )
    by_user: dict[int, list[int]] = {}
    for user_id, achievement_id in team:
        by_user.setdefault(user_id, []).append(achievement_id)
    own_org = Q(memberships__organisation_id=need.owner_id)
    people = User.objects.filter(pk__in=list(by_user), is_active=True).exclude(own_org).distinct().in_bulk()
    titles = dict(Achievement.objects.filter(pk__in=list(scores)).values_list("pk", "title"))
    experts = set(
        User.objects.filter(pk__in=list(people), memberships__role=Role.EXPERT).values_list("pk", flat=True)
    )
    stored = _stored(StoredMatch.Direction.NEED_EXPERT, need=need)
    rows = []
    for user_id, user in people.items():
        mine = sorted(by_user[user_id], key=lambda a: -scores[a])
        score = min(1.0, scores[mine[0]] + 0.05 * (len(mine) - 1))
        reasons = [Reason("expert_results", 1, {"count": len(mine), "title": titles[mine[0]]})]
        if user_id in experts:
            reasons.append(Reason("expert_role", 1))
        rows.append(
            MatchRow(
                user,
                score,
                reasons,
                {"results": len(mine)},
                stored.get(user_id),
                extra={"results": [(a, titles[a]) for a in mine[:3]]},
            )
        )
    rows.sort(key=lambda r: (-r.score, r.subject.pk))
    return rows[:top]


def pending_vector(record: Any, kind: str) -> bool:
    """True while a published record's vector is still queued (its matches are lexical only
    meanwhile). A draft is never embedded, so it is never pending."""
    return in_halls(record) and embedder_name() != "none" and record_vector(record, kind) is None


def feedback_summary(*, since: datetime.date | None = None) -> dict[str, Any]:
    """Counts of stored matches by state and decline reason, and how the ranking did: the share
    of positive outcomes (contacted, negotiating) among the pairs people acted on, by rank."""
    qs = StoredMatch.objects.all()
    if since:
        qs = qs.filter(updated_at__date__gte=since)
    by_status = {s: 0 for s, _ in StoredMatch.Status.choices}
    by_reason = {r: 0 for r, _ in StoredMatch.DeclineReason.choices}
    buckets: dict[str, list[int]] = {"1–3": [0, 0], "4–10": [0, 0], "11+": [0, 0]}
    for status, reason, rank in qs.values_list("status", "decline_reason", "rank"):
        by_status[status] = by_status.get(status, 0) + 1
        if reason:
            by_reason[reason] = by_reason.get(reason, 0) + 1
        if status == StoredMatch.Status.SUGGESTED or rank is None:
            continue
        bucket = "1–3" if rank <= 3 else "4–10" if rank <= 10 else "11+"
        buckets[bucket][0] += 1
        buckets[bucket][1] += status != StoredMatch.Status.DECLINED
    return {"by_status": by_status, "by_reason": by_reason, "by_rank": buckets, "total": qs.count()}


def in_halls(record: Need | Achievement) -> bool:
    """Published (and so embedded and matched for others), as opposed to a draft or withdrawn."""
    states = cast(list[str], catalog.HALL_STATES[type(record)])
    return record.status in states


def resolve_pair(*, viewer: Any, direction: str, left_id: Any, right_id: Any) -> tuple[Any, Any]:
    """The two sides of a pair, each fetched as the viewer may see it: 404 otherwise."""
    left_pk, right_pk = parse_id(left_id), parse_id(right_id)
    if left_pk is None or right_pk is None:
        raise Http404(_("没有找到该匹配。"))
    if direction == StoredMatch.Direction.NEED_RESULT:
        need = catalog.need_get(viewer=viewer, pk=left_pk)
        return need, catalog.achievement_get(viewer=viewer, pk=right_pk)
    if direction == StoredMatch.Direction.RESULT_FUND:
        return catalog.achievement_get(viewer=viewer, pk=left_pk), fund_get(viewer=viewer, pk=right_pk)
    if direction == StoredMatch.Direction.NEED_EXPERT:
        expert = get_object_or_404(get_user_model(), pk=right_pk, is_active=True)
        return catalog.need_get(viewer=viewer, pk=left_pk), expert
    raise Http404(_("未知的匹配方向。"))


def own_notifications(viewer: Any) -> QuerySet[Notification]:
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return Notification.objects.filter(recipient=viewer).order_by(unread.desc(), "-created_at", "-id")
