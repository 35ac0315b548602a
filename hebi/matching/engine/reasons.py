"""Why a match fits and what does not: reasons as data (a code, a sign, parameters), rendered in
the reader's language only when shown, so stored matches read right in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Reason:
    code: str
    polarity: int = 0  # 1 speaks for the match, -1 against it, 0 neither
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        params = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.params.items()}
        return {"code": self.code, "polarity": self.polarity, "params": params}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reason:
        return cls(str(data.get("code", "")), int(data.get("polarity", 0)), dict(data.get("params") or {}))


def _money(value: Any) -> str:
    amount = Decimal(str(value))
    if amount >= 100_000_000:
        return _("%(n)s 亿元") % {"n": f"{amount / 100_000_000:.2f}".rstrip("0").rstrip(".")}
    if amount >= 10_000:
        return _("%(n)s 万元") % {"n": f"{amount / 10_000:.1f}".rstrip("0").rstrip(".")}
    return _("%(n)s 元") % {"n": f"{amount:.0f}"}


def _join(items: Any) -> str:
    return _("、").join(str(i) for i in items)


def render(reason: Reason, labels: dict[str, Any] | None = None) -> str:
    """One short sentence in the active language; `labels` names the codes of transfer and
    cooperation modes (the app passes its choices; without them the codes are shown)."""
    names = labels or {}

    def _mode_names(codes: Any) -> str:
        return _join(str(names.get(c, c)) for c in codes)

    def _cooperation_name(code: str) -> str:
        return str(names.get(f"cooperation:{code}", code))

    p = reason.params
    code = reason.code
    if code == "terms":
        return _("共同关键词：%(terms)s") % {"terms": _join(p.get("terms", []))}
    if code == "semantic":
        if p.get("level") == "high":
            return _("语义高度相关：问题与成果描述的是同一类技术")
        return _("语义相关：描述的技术相近")
    if code == "semantic_pending":
        return _("语义向量尚在计算，暂按关键词匹配")
    if code == "field_same":
        return _("同属一个技术领域")
    if code == "field_other":
        return _("技术领域不同，属跨领域应用")
    if code == "trl_ok":
        return _("成熟度 TRL %(trl)s，达到需求期望的 TRL %(wanted)s") % p
    if code == "trl_short":
        return _("成熟度 TRL %(trl)s，低于需求期望的 TRL %(wanted)s") % p
    if code == "price_ok":
        return _("报价 %(price)s 在预算 %(budget)s 以内") % {
            "price": _money(p["price"]),
            "budget": _money(p["budget"]),
        }
    if code == "price_over":
        return _("报价 %(price)s 超出预算 %(budget)s") % {
            "price": _money(p["price"]),
            "budget": _money(p["budget"]),
        }
    if code == "mode_ok":
        return _("转化方式相符：%(modes)s") % {"modes": _mode_names(p.get("modes", []))}
    if code == "mode_other":
        return _("企业希望%(cooperation)s，成果仅提供%(modes)s") % {
            "cooperation": _cooperation_name(p.get("cooperation", "")),
            "modes": _mode_names(p.get("modes", [])),
        }
    if code == "ip_licence_only":
        return _("企业要求知识产权归企业，成果只提供许可")
    if code == "deadline_tight":
        return (
            ngettext(
                "距研发时限仅 %(days)s 天，成果仍在 TRL %(trl)s，按期产业化有风险",
                "距研发时限仅 %(days)s 天，成果仍在 TRL %(trl)s，按期产业化有风险",
                int(p.get("days", 0)),
            )
            % p
        )
    if code == "local":
        return _("本地成果，可在本地转化")
    if code == "indicators_covered":
        return _("成果描述涉及核心指标：%(names)s") % {"names": _join(p.get("names", []))}
    if code == "indicators_missing":
        return _("成果未提及核心指标：%(names)s") % {"names": _join(p.get("names", []))}
    if code == "stage_ok":
        return _("TRL %(trl)s 符合基金的投资阶段（%(stages)s）") % {
            "trl": p.get("trl"),
            "stages": _join(p.get("stages", [])),
        }
    if code == "stage_other":
        return _("TRL %(trl)s 不在基金偏好的阶段（%(stages)s）") % {
            "trl": p.get("trl"),
            "stages": _join(p.get("stages", [])),
        }
    if code == "sector_ok":
        return _("属于基金关注的领域：%(sectors)s") % {"sectors": _join(p.get("sectors", []))}
    if code == "sector_other":
        return _("不在基金关注的领域（%(sectors)s）") % {"sectors": _join(p.get("sectors", []))}
    if code == "ticket_ok":
        return _("资金需求 %(amount)s 在基金单笔投资范围内") % {"amount": _money(p["amount"])}
    if code == "ticket_other":
        return _("资金需求 %(amount)s 不在基金单笔投资范围内") % {"amount": _money(p["amount"])}
    if code == "local_fund":
        return _("本地基金投本地项目")
    if code == "expert_results":
        return (
            ngettext(
                "其 %(count)s 项成果与需求相关，最相关：《%(title)s》",
                "其 %(count)s 项成果与需求相关，最相关：《%(title)s》",
                int(p.get("count", 1)),
            )
            % p
        )
    if code == "expert_role":
        return _("平台评审专家")
    return code


def summary(reasons: list[Reason], labels: dict[str, Any] | None = None) -> tuple[list[str], list[str]]:
    """The sentences for and against, in that order."""
    good = [render(r, labels) for r in reasons if r.polarity >= 0]
    bad = [render(r, labels) for r in reasons if r.polarity < 0]
    return good, bad
