"""Structured fit between a need and an offer (a result, or a patent), and between an offer and
a fund. Pure functions over plain facts; each factor carries a score in [0, 1] and a reason.

Factors that a record does not state are skipped, never guessed: a need without a budget says
nothing about price. The weights say how much each factor matters to the overall fit.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from hebi.matching.engine.reasons import Reason

LICENCES = frozenset({"licence_exclusive", "licence_sole", "licence_ordinary", "use_first_pay_later"})
# Which transfer modes of a result serve each cooperation mode an enterprise asks for.
COOPERATION_MODES: dict[str, frozenset[str]] = {
    "transfer": frozenset({"transfer"}),
    "licence": LICENCES,
    "commissioned": frozenset({"joint_development"}),
    "joint": frozenset({"joint_development"}),
    "equity": frozenset({"equity", "invest_then_equity"}),
}
WEIGHTS = {
    "field": 1.0,
    "trl": 1.5,
    "price": 1.0,
    "mode": 1.0,
    "ip": 0.7,
    "deadline": 0.7,
    "local": 0.8,
    "indicators": 1.2,
}
# A deadline this close leaves no time to mature a result that is below TRL 6 (pilot stage).
TIGHT_DEADLINE_DAYS = 365
PILOT_TRL = 6


@dataclass(frozen=True)
class NeedFacts:
    field: str | None = None
    min_trl: int | None = None
    budget: Decimal | None = None  # None when not stated or negotiable (面议 never leaves its owner)
    cooperation: str | None = None
    ip_ownership: str | None = None
    deadline: datetime.date | None = None
    local: bool | None = None
    indicators: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (name, its tokens)


@dataclass(frozen=True)
class OfferFacts:
    field: str | None = None
    trl: int | None = None
    price_min: Decimal | None = None  # None when negotiable
    modes: frozenset[str] = frozenset()
    local: bool | None = None


@dataclass(frozen=True)
class FundFacts:
    stages: frozenset[str] = frozenset()
    sectors: tuple[str, ...] = ()
    ticket_min: Decimal | None = None
    ticket_max: Decimal | None = None
    local: bool | None = None


@dataclass
class Fit:
    score: float = 0.5
    weight: float = 0.0
    reasons: list[Reason] = field(default_factory=list)

    def add(self, name: str, score: float, reason: Reason | None) -> None:
        self.parts.append((name, score))
        if reason is not None:
            self.reasons.append(reason)

    parts: list[tuple[str, float]] = field(default_factory=list)

    def close(self) -> Fit:
        total = sum(WEIGHTS.get(name, 1.0) for name, _ in self.parts)
        if total:
            self.score = sum(WEIGHTS.get(name, 1.0) * s for name, s in self.parts) / total
        self.weight = total
        return self


def need_offer_fit(
    need: NeedFacts, offer: OfferFacts, *, matched_terms: Sequence[str] = (), today: datetime.date
) -> Fit:
    fit = Fit()
    if need.field and offer.field:
        same = need.field == offer.field
        fit.add(
            "field",
            1.0 if same else 0.4,
            Reason("field_same" if same else "field_other", 1 if same else -1),
        )
    if need.min_trl and offer.trl:
        gap = need.min_trl - offer.trl
        if gap <= 0:
            fit.add("trl", 1.0, Reason("trl_ok", 1, {"trl": offer.trl, "wanted": need.min_trl}))
        else:
            fit.add(
                "trl",
                max(0.0, 1 - 0.3 * gap),
                Reason("trl_short", -1, {"trl": offer.trl, "wanted": need.min_trl}),
            )
    if need.budget and offer.price_min is not None:
        if offer.price_min <= need.budget:
            fit.add("price", 1.0, Reason("price_ok", 1, {"price": offer.price_min, "budget": need.budget}))
        else:
            over = float(offer.price_min / need.budget) - 1
            fit.add(
                "price",
                max(0.0, 1 - over),
                Reason("price_over", -1, {"price": offer.price_min, "budget": need.budget}),
            )
    wanted_modes = COOPERATION_MODES.get(need.cooperation or "")
    if wanted_modes is not None and offer.modes:
        shared = sorted(wanted_modes & offer.modes)
        if shared:
            fit.add("mode", 1.0, Reason("mode_ok", 1, {"modes": shared}))
        else:
            fit.add(
                "mode",
                0.2,
                Reason("mode_other", -1, {"cooperation": need.cooperation, "modes": sorted(offer.modes)}),
            )
    if need.ip_ownership == "enterprise" and offer.modes:
        if offer.modes <= LICENCES:
            fit.add("ip", 0.2, Reason("ip_licence_only", -1))
        else:
            fit.add("ip", 1.0, None)
    if need.deadline and offer.trl:
        days = (need.deadline - today).days
        if days <= TIGHT_DEADLINE_DAYS and offer.trl < PILOT_TRL:
            fit.add("deadline", 0.3, Reason("deadline_tight", -1, {"days": max(days, 0), "trl": offer.trl}))
        else:
            fit.add("deadline", 1.0, None)
    if offer.local:
        fit.add("local", 1.0, Reason("local", 1))
    elif offer.local is False and need.local:
        fit.add("local", 0.5, None)
    if need.indicators:
        terms = set(matched_terms)
        covered = [name for name, tokens in need.indicators if tokens and set(tokens) <= terms]
        missing = [name for name, tokens in need.indicators if name not in covered]
        fit.add("indicators", len(covered) / len(need.indicators), None)
        if covered:
            fit.reasons.append(Reason("indicators_covered", 1, {"names": covered}))
        if missing:
            fit.reasons.append(Reason("indicators_missing", -1, {"names": missing}))
    return fit.close()


# Fund stages (阶段偏好) by the maturity they finance; TRL ranges after the usual reading of
# the levels (1–3 research, 4–6 development and pilot, 7–9 market).
STAGE_TRL = {
    "种子期": range(1, 5),
    "天使期": range(3, 7),
    "初创期": range(4, 7),
    "成长期": range(6, 9),
    "成熟期": range(7, 10),
}


def offer_fund_fit(
    offer: OfferFacts, fund: FundFacts, *, field_name: str | None, amount: Decimal | None
) -> Fit:
    fit = Fit()
    if offer.trl and fund.stages:
        suits = sorted(s for s in fund.stages if offer.trl in STAGE_TRL.get(s, range(0)))
        if suits:
            fit.add("stage", 1.0, Reason("stage_ok", 1, {"stages": suits, "trl": offer.trl}))
        else:
            fit.add(
                "stage", 0.1, Reason("stage_other", -1, {"stages": sorted(fund.stages), "trl": offer.trl})
            )
    if fund.sectors and field_name:
        hits = [s for s in fund.sectors if s and (s in field_name or field_name in s)]
        if hits:
            fit.add("sector", 1.0, Reason("sector_ok", 1, {"sectors": hits}))
        else:
            fit.add("sector", 0.2, Reason("sector_other", -1, {"sectors": list(fund.sectors)}))
    if amount is not None and (fund.ticket_min is not None or fund.ticket_max is not None):
        low = fund.ticket_min or Decimal(0)
        high = fund.ticket_max
        if amount >= low and (high is None or amount <= high):
            fit.add("ticket", 1.0, Reason("ticket_ok", 1, {"amount": amount}))
        else:
            fit.add("ticket", 0.2, Reason("ticket_other", -1, {"amount": amount, "low": low, "high": high}))
    if offer.local and fund.local:
        fit.add("local", 1.0, Reason("local_fund", 1))
    return fit.close()
