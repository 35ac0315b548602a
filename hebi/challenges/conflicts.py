"""Conflicts of interest (回避): which experts may not review which applications, and why.

`conflict_reasons` is pure: it takes what is known about one expert and the applications and
returns every reason found, each as {"kind", "detail", "application"}. `gather` reads those facts
from the registry (memberships, results' teams, patents' inventors, declared conflicts).

Reasons, in the order they are shown:
- issuer     the expert belongs to the organisation that posted the challenge;
- same_org   the expert belongs to an applying organisation (lead or partner);
- coauthor   the expert and a team member are on the same registered result's team;
- coinventor the expert and a team member are inventors of the same registered patent;
- declared   the expert declared a conflict with an applying organisation or a team member.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

KINDS = ("issuer", "same_org", "coauthor", "coinventor", "declared")


@dataclass(frozen=True)
class ExpertFacts:
    expert_id: int
    user_id: int
    name: str
    org_ids: frozenset[int]
    declared_orgs: Mapping[int, str] = field(default_factory=dict)  # organisation id → reason
    declared_people: Mapping[str, str] = field(default_factory=dict)  # person's name → reason


@dataclass(frozen=True)
class ApplicationFacts:
    application_id: int
    title: str
    org_names: Mapping[int, str]  # lead and partners
    member_users: Mapping[int, str]  # user id → name, for members with an account
    member_names: frozenset[str]


@dataclass(frozen=True)
class Registry:
    """Shared work found in the registry.

    coauthored: (expert user id, member user id) → titles of results both are on;
    coinvented: (expert name, member name) → application numbers of patents both invented.
    """

    coauthored: Mapping[tuple[int, int], Sequence[str]] = field(default_factory=dict)
    coinvented: Mapping[tuple[str, str], Sequence[str]] = field(default_factory=dict)


def _reason(kind: str, detail: str, application: ApplicationFacts | None) -> dict[str, Any]:
    return {
        "kind": kind,
        "detail": detail,
        "application": application.application_id if application else None,
    }


def _short(items: Sequence[str], limit: int = 3) -> str:
    shown = "、".join(f"《{t}》" if not t[:1].isascii() else t for t in items[:limit])
    return shown + (_(" 等 %(n)d 项") % {"n": len(items)} if len(items) > limit else "")


def conflict_reasons(
    expert: ExpertFacts,
    applications: Iterable[ApplicationFacts],
    *,
    issuer_id: int | None,
    issuer_name: str = "",
    registry: Registry | None = None,
) -> list[dict[str, Any]]:
    """Every reason this expert may not sit on the panel; empty when there is none."""
    registry = registry or Registry()
    reasons: list[dict[str, Any]] = []
    if issuer_id is not None and issuer_id in expert.org_ids:
        reasons.append(_reason("issuer", _("本人所在单位 %(org)s 为发榜单位") % {"org": issuer_name}, None))
    for app in applications:
        for org_id in sorted(expert.org_ids & set(app.org_names)):
            reasons.append(
                _reason(
                    "same_org", _("本人所在单位 %(org)s 为申报单位") % {"org": app.org_names[org_id]}, app
                )
            )
        for member_id, member_name in sorted(app.member_users.items()):
            titles = registry.coauthored.get((expert.user_id, member_id))
            if titles:
                reasons.append(
                    _reason(
                        "coauthor",
                        _("与申报团队成员 %(name)s 同为成果 %(titles)s 的完成人")
                        % {"name": member_name, "titles": _short(list(titles))},
                        app,
                    )
                )
        for member_name in sorted(app.member_names):
            numbers = registry.coinvented.get((expert.name, member_name))
            if numbers and member_name != expert.name:
                reasons.append(
                    _reason(
                        "coinventor",
                        _("与申报团队成员 %(name)s 为专利 %(numbers)s 的共同发明人")
                        % {"name": member_name, "numbers": _short(list(numbers))},
                        app,
                    )
                )
        for org_id in sorted(set(expert.declared_orgs) & set(app.org_names)):
            reasons.append(
                _reason(
                    "declared",
                    _("本人申报回避 %(org)s：%(reason)s")
                    % {"org": app.org_names[org_id], "reason": expert.declared_orgs[org_id]},
                    app,
                )
            )
        for person in sorted(set(expert.declared_people) & set(app.member_names)):
            reasons.append(
                _reason(
                    "declared",
                    _("本人申报回避 %(person)s：%(reason)s")
                    % {"person": person, "reason": expert.declared_people[person]},
                    app,
                )
            )
    return reasons


def kind_label(kind: str) -> str:
    return {
        "issuer": _("发榜单位人员"),
        "same_org": _("申报单位人员"),
        "coauthor": _("合作成果"),
        "coinventor": _("共同发明人"),
        "declared": _("本人申报回避"),
    }.get(kind, kind)


def labelled(reason: Mapping[str, Any], label: str) -> dict[str, Any]:
    """A reason as a page shows it, with its kind's label. When the detail already opens with the
    label (本人申报回避 吉林大学：…) "shown" is the rest and "repeats" is true, so that the page
    does not say it twice; otherwise "shown" is the whole detail."""
    detail = str(reason.get("detail", ""))
    repeats = bool(label) and detail.startswith(label)
    shown = detail[len(label) :].lstrip(" ：:") if repeats else detail
    return {**reason, "label": label, "repeats": repeats, "shown": shown}


# -- reading the facts from the registry ------------------------------------------------------------
def application_facts(applications: Iterable[Any]) -> list[ApplicationFacts]:
    facts = []
    for app in applications:
        orgs = {app.lead_id: str(app.lead)}
        orgs.update({org.pk: str(org) for org in app.partners.all()})
        members = list(app.members.all())
        facts.append(
            ApplicationFacts(
                application_id=app.pk,
                title=app.title,
                org_names=orgs,
                member_users={m.user_id: m.name for m in members if m.user_id},
                member_names=frozenset(m.name.strip() for m in members if m.name.strip()),
            )
        )
    return facts


def expert_facts(experts: Iterable[Any]) -> list[ExpertFacts]:
    from hebi.orgs.models import Membership

    experts = list(experts)
    orgs_by_user: dict[int, set[int]] = {}
    for user_id, org_id in Membership.objects.filter(user_id__in=[e.user_id for e in experts]).values_list(
        "user_id", "organisation_id"
    ):
        orgs_by_user.setdefault(user_id, set()).add(org_id)
    facts = []
    for expert in experts:
        org_ids = set(orgs_by_user.get(expert.user_id, set()))
        if expert.organisation_id:
            org_ids.add(expert.organisation_id)
        declared = list(expert.conflicts.all())
        facts.append(
            ExpertFacts(
                expert_id=expert.pk,
                user_id=expert.user_id,
                name=expert.user.get_full_name().strip(),
                org_ids=frozenset(org_ids),
                declared_orgs={d.organisation_id: d.reason for d in declared if d.organisation_id},
                declared_people={d.person.strip(): d.reason for d in declared if d.person.strip()},
            )
        )
    return facts


def registry_links(experts: Sequence[ExpertFacts], applications: Sequence[ApplicationFacts]) -> Registry:
    """Results and patents an expert shares with an applying team member."""
    from hebi.catalog.models import Achievement, Patent

    expert_users = {e.user_id for e in experts}
    member_users = set().union(*(a.member_users for a in applications)) if applications else set()
    coauthored: dict[tuple[int, int], list[str]] = {}
    if expert_users and member_users:
        through = Achievement.team.through
        rows = through.objects.filter(user_id__in=expert_users | member_users).values_list(
            "achievement_id", "user_id"
        )
        people_by_result: dict[int, set[int]] = {}
        for achievement_id, user_id in rows:
            people_by_result.setdefault(achievement_id, set()).add(user_id)
        shared = {
            a: people
            for a, people in people_by_result.items()
            if people & expert_users and people & member_users
        }
        titles = dict(Achievement.objects.filter(pk__in=shared).values_list("pk", "title"))
        for achievement_id, people in sorted(shared.items()):
            for e in people & expert_users:
                for m in people & member_users:
                    if e != m:
                        coauthored.setdefault((e, m), []).append(titles[achievement_id])
    coinvented: dict[tuple[str, str], list[str]] = {}
    expert_names = {e.name for e in experts if e.name}
    member_names = set().union(*(a.member_names for a in applications)) if applications else set()
    owners = set().union(*(e.org_ids for e in experts), *(a.org_names for a in applications))
    if expert_names and member_names and owners:
        # Co-inventors share a patent owned by one side or the other.
        for number, inventors in Patent.objects.filter(owner_id__in=owners).values_list(
            "application_number", "inventors"
        ):
            names = {str(n).strip() for n in inventors or []}
            for expert_name in names & expert_names:
                for member_name in names & member_names:
                    if expert_name != member_name:
                        coinvented.setdefault((expert_name, member_name), []).append(number)
    return Registry(coauthored=coauthored, coinvented=coinvented)


def gather(
    challenge: Any, experts: Iterable[Any], applications: Iterable[Any]
) -> dict[int, list[dict[str, Any]]]:
    """{expert profile id: reasons} for every expert with at least one reason."""
    expert_list = expert_facts(experts)
    app_list = application_facts(applications)
    registry = registry_links(expert_list, app_list)
    found = {}
    for facts in expert_list:
        reasons = conflict_reasons(
            facts,
            app_list,
            issuer_id=challenge.issuer_id,
            issuer_name=str(challenge.issuer),
            registry=registry,
        )
        if reasons:
            found[facts.expert_id] = reasons
    return found
