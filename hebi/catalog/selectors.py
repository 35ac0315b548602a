"""Reads of results and needs, always scoped by the viewer.

Who sees what:
- visitors (not signed in): published public records;
- signed-in people: published public, members-only and confidential records (a confidential
  record shows its title and summary; its protected details only to the owner organisation and
  to organisations the owner granted access after they signed the confidentiality undertaking);
- members of the owner organisation: their own records in every state, drafts included.
Anything else answers 404.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hebi.catalog.models import AccessGrant, Achievement, Need, PriceKind, Visibility
from hebi.catalog.search.backend import apply_search
from hebi.catalog.search.lexicon import current_lexicon
from hebi.catalog.search.text import SearchQuery, parse_query
from hebi.core.permissions import is_platform_admin, roles_by_org

HALL_STATES = {
    Achievement: [
        Achievement.Status.PUBLISHED,
        Achievement.Status.NEGOTIATING,
        Achievement.Status.TRANSFERRED,
    ],
    Need: [Need.Status.PUBLISHED, Need.Status.MATCHED, Need.Status.NEGOTIATING, Need.Status.SOLVED],
}

WAN = Decimal(10_000)
# Price and budget bands (元): (code, label, low inclusive, high exclusive)
MONEY_BANDS: list[tuple[str, Any, Decimal | None, Decimal | None]] = [
    ("lt10w", gettext_lazy("10 万元以下"), None, 10 * WAN),
    ("10w-50w", gettext_lazy("10–50 万元"), 10 * WAN, 50 * WAN),
    ("50w-200w", gettext_lazy("50–200 万元"), 50 * WAN, 200 * WAN),
    ("200w-1000w", gettext_lazy("200–1000 万元"), 200 * WAN, 1000 * WAN),
    ("gte1000w", gettext_lazy("1000 万元及以上"), 1000 * WAN, None),
    ("negotiable", gettext_lazy("面议"), None, None),
]
DEADLINE_BANDS: list[tuple[str, Any, int | None]] = [
    ("3m", gettext_lazy("3 个月内"), 92),
    ("6m", gettext_lazy("6 个月内"), 183),
    ("12m", gettext_lazy("1 年内"), 366),
    ("later", gettext_lazy("1 年以上"), None),
    ("none", gettext_lazy("未设时限"), None),
]
ACHIEVEMENT_SORTS: dict[str, tuple[Any, list[Any]]] = {
    "newest": (gettext_lazy("最新发布"), ["-published_at", "-id"]),
    "trl": (gettext_lazy("成熟度从高到低"), ["-trl", "-published_at", "-id"]),
    "price_asc": (gettext_lazy("价格从低到高"), [F("price_min").asc(nulls_last=True), "-id"]),
    "price_desc": (gettext_lazy("价格从高到低"), [F("price_min").desc(nulls_last=True), "-id"]),
}
NEED_SORTS: dict[str, tuple[Any, list[Any]]] = {
    "newest": (gettext_lazy("最新发布"), ["-published_at", "-id"]),
    "deadline": (gettext_lazy("时限最近"), [F("deadline").asc(nulls_last=True), "-id"]),
    "budget": (gettext_lazy("资金投入从高到低"), [F("public_budget").desc(nulls_last=True), "-id"]),
}
RELEVANCE = "relevance"


@dataclass
class HallFilters:
    q: str = ""
    field: str = ""
    trl_min: int | None = None
    trl_max: int | None = None
    mode: str = ""
    region: str = ""
    org_kind: str = ""
    owner: int | None = None
    money: str = ""
    deadline: str = ""
    status: str = ""
    sort: str = ""


@dataclass
class HallResult:
    queryset: QuerySet[Any]
    query: SearchQuery | None
    broadened: bool = False
    facet_counts: dict[str, int] = field(default_factory=dict)


def _viewer_org_ids(viewer: Any) -> list[int]:
    return list(roles_by_org(viewer).keys())


def visible(model: type[Achievement] | type[Need], *, viewer: Any) -> QuerySet[Any]:
    """Records the viewer may open: what the halls list, plus its own organisations' records in
    every state (drafts included)."""
    in_hall = Q(status__in=HALL_STATES[model])
    if not getattr(viewer, "is_authenticated", False):
        return model.objects.filter(in_hall, visibility=Visibility.PUBLIC)
    return model.objects.filter(in_hall | Q(owner_id__in=_viewer_org_ids(viewer)))


def listed(model: type[Achievement] | type[Need], *, viewer: Any) -> QuerySet[Any]:
    """What the halls and the API lists show: published records only; an organisation reaches
    its drafts through its workspace."""
    qs = model.objects.filter(status__in=HALL_STATES[model])
    if not getattr(viewer, "is_authenticated", False):
        qs = qs.filter(visibility=Visibility.PUBLIC)
    return qs


def _get(model: type[Any], viewer: Any, pk: int, message: str) -> Any:
    related = ["owner", "owner__region", "field"] + (["manager"] if model is Need else [])
    found = visible(model, viewer=viewer).select_related(*related).filter(pk=pk).first()
    if found is None:
        raise Http404(message)
    return found


def achievement_get(*, viewer: Any, pk: int) -> Achievement:
    return _get(Achievement, viewer, pk, _("没有找到该成果。"))


def need_get(*, viewer: Any, pk: int) -> Need:
    return _get(Need, viewer, pk, _("没有找到该需求。"))


def is_owner_member(viewer: Any, subject: Achievement | Need) -> bool:
    return subject.owner_id in roles_by_org(viewer) or is_platform_admin(viewer)


@dataclass(frozen=True)
class ProtectedAccess:
    """Whose protected details (confidential text, confidential attachments) a viewer may read:
    its own organisations', those it was granted after signing the undertaking, and the needs
    routed to it as technology manager. Built once per request; answers without queries."""

    user_id: int | None
    org_ids: frozenset[int]
    granted: frozenset[tuple[str, int]]

    def allows(self, subject: Achievement | Need) -> bool:
        if self.user_id is None:
            return False
        if subject.owner_id in self.org_ids:
            return True
        if isinstance(subject, Need) and subject.manager_id == self.user_id:
            return True
        key = "achievement" if isinstance(subject, Achievement) else "need"
        return (key, subject.pk) in self.granted


def protected_access(viewer: Any) -> ProtectedAccess:
    if not getattr(viewer, "is_authenticated", False):
        return ProtectedAccess(user_id=None, org_ids=frozenset(), granted=frozenset())
    org_ids = frozenset(_viewer_org_ids(viewer))
    rows = AccessGrant.objects.filter(status=AccessGrant.Status.GRANTED, organisation_id__in=org_ids)
    granted = frozenset(
        ("achievement", a) if a else ("need", n) for a, n in rows.values_list("achievement_id", "need_id")
    )
    return ProtectedAccess(user_id=viewer.pk, org_ids=org_ids, granted=granted)


def can_see_protected(viewer: Any, subject: Achievement | Need) -> bool:
    return protected_access(viewer).allows(subject)


def access_grants_for(*, viewer: Any, subject: Achievement | Need) -> QuerySet[AccessGrant]:
    """The owner sees every request; another organisation sees only its own."""
    key = "achievement" if isinstance(subject, Achievement) else "need"
    qs = AccessGrant.objects.filter(**{key: subject}).select_related(
        "organisation", "requested_by", "decided_by"
    )
    if not is_owner_member(viewer, subject):
        qs = qs.filter(organisation_id__in=_viewer_org_ids(viewer))
    return qs


def _money_filter(column: str, band: str, negotiable: Q) -> Q | None:
    for code, _label, low, high in MONEY_BANDS:
        if code != band:
            continue
        if code == "negotiable":
            return negotiable
        condition = Q()
        if low is not None:
            condition &= Q(**{f"{column}__gte": low})
        if high is not None:
            condition &= Q(**{f"{column}__lt": high})
        return condition
    return None


def _deadline_filter(band: str, today: datetime.date) -> Q | None:
    for code, _label, days in DEADLINE_BANDS:
        if code != band:
            continue
        if code == "none":
            return Q(deadline__isnull=True)
        if code == "later":
            return Q(deadline__gte=today + datetime.timedelta(days=366))
        assert days is not None
        return Q(deadline__gte=today, deadline__lt=today + datetime.timedelta(days=days))
    return None


def public_budget(qs: QuerySet[Any]) -> QuerySet[Any]:
    """The budget others may see: none when the enterprise chose 面议 (negotiable), whatever
    figure it keeps for itself."""
    return qs.annotate(public_budget=Case(When(budget_negotiable=True, then=None), default=F("budget")))


def _apply_facets(
    model: type[Any], qs: QuerySet[Any], filters: HallFilters, *, skip: str = ""
) -> QuerySet[Any]:
    if filters.field and skip != "field":
        qs = qs.filter(field_id=filters.field)
    if filters.trl_min:
        qs = qs.filter(
            **({"trl__gte": filters.trl_min} if model is Achievement else {"min_trl__gte": filters.trl_min})
        )
    if filters.trl_max:
        qs = qs.filter(
            **({"trl__lte": filters.trl_max} if model is Achievement else {"min_trl__lte": filters.trl_max})
        )
    if filters.mode and model is Achievement:
        qs = qs.filter(mode_tags__contains=f" {filters.mode} ")
    if filters.region:
        qs = qs.filter(owner__region__code__startswith=filters.region.rstrip("0") or filters.region)
    if filters.org_kind and skip != "org_kind":
        qs = qs.filter(owner__kind=filters.org_kind)
    if filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.money:
        if model is Achievement:
            condition = _money_filter("price_min", filters.money, Q(price_kind=PriceKind.NEGOTIABLE))
        else:
            condition = _money_filter(
                "public_budget", filters.money, Q(budget_negotiable=True) | Q(budget__isnull=True)
            )
        if condition is not None:
            qs = qs.filter(condition)
    if filters.deadline and model is Need:
        condition = _deadline_filter(filters.deadline, timezone.localdate())
        if condition is not None:
            qs = qs.filter(condition)
    return qs


def _order(model: type[Any], qs: QuerySet[Any], filters: HallFilters, searching: bool) -> QuerySet[Any]:
    sorts = ACHIEVEMENT_SORTS if model is Achievement else NEED_SORTS
    if filters.sort in sorts:
        return qs.order_by(*sorts[filters.sort][1])
    if searching:
        return qs.order_by("-search_rank", "-id")
    return qs.order_by(*sorts["newest"][1])


def hall(
    model: type[Achievement] | type[Need],
    *,
    viewer: Any,
    filters: HallFilters,
    base: QuerySet[Any] | None = None,
    with_counts: bool = True,
) -> HallResult:
    """The hall's list: visibility, search, facets and sorting. Falls back to any-term matching
    when every term together finds nothing, and says so."""
    qs = base if base is not None else listed(model, viewer=viewer)
    if model is Need:
        qs = public_budget(qs)
    query = parse_query(filters.q, current_lexicon()) if filters.q else None
    broadened = False
    if query is not None:
        searched = apply_search(qs, query, order=False)
        if filters.sort in ("", RELEVANCE) and not _apply_facets(model, searched, filters).exists():
            candidate = apply_search(qs, query, order=False, mode="any")
            if candidate.exists():
                searched, broadened = candidate, True
        qs = searched
    counts: dict[str, int] = {}
    if with_counts:
        by_field = _apply_facets(model, qs, filters, skip="field").order_by().values_list("field_id")
        counts = dict(by_field.annotate(n=Count("id")))
    qs = _apply_facets(model, qs, filters)
    qs = _order(model, qs, filters, searching=query is not None)
    related = ["owner", "owner__region", "field"]
    return HallResult(
        queryset=qs.select_related(*related), query=query, broadened=broadened, facet_counts=counts
    )


def workspace_counts(
    model: type[Achievement] | type[Need], *, viewer: Any, organisation_id: int
) -> dict[str, int]:
    """One organisation's records of one kind by state, for its workspace tab."""
    rows = model.objects.filter(owner_id=organisation_id).values_list("status").annotate(n=Count("id"))
    return dict(rows.order_by())


def managed_needs(*, viewer: Any) -> QuerySet[Need]:
    """Needs routed to this technology manager."""
    return Need.objects.filter(manager=viewer, status__in=Need.OPEN_STATES).select_related("owner", "field")


def pending_access_requests(*, viewer: Any) -> QuerySet[AccessGrant]:
    org_ids = _viewer_org_ids(viewer)
    return (
        AccessGrant.objects.filter(status=AccessGrant.Status.REQUESTED)
        .filter(Q(achievement__owner_id__in=org_ids) | Q(need__owner_id__in=org_ids))
        .select_related("organisation", "achievement", "need")
    )


def registry_overview(*, viewer: Any) -> dict[str, int]:
    """Counts for the home page, computed from the records the viewer may see."""
    return {
        "achievements": visible(Achievement, viewer=viewer)
        .filter(status__in=HALL_STATES[Achievement])
        .count(),
        "needs": visible(Need, viewer=viewer).filter(status__in=HALL_STATES[Need]).count(),
        "mine_achievements": Achievement.objects.filter(owner_id__in=_viewer_org_ids(viewer)).count(),
        "mine_needs": Need.objects.filter(owner_id__in=_viewer_org_ids(viewer)).count(),
    }
