from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from hebi.core.filters import AuditLogFilter
from hebi.core.models import AuditLog
from hebi.core.permissions import all_roles, require_platform_admin, roles_by_org
from hebi.core.roles import Role
from hebi.orgs.models import Organisation
from hebi.orgs.selectors import viewer_organisations

User = get_user_model()


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "core/landing.html", {"overview": _city_overview()})
    roles = all_roles(request.user)
    organisations = list(viewer_organisations(viewer=request.user))
    by_org = roles_by_org(request.user)
    my_orgs = [(org, sorted(Role(r).label for r in by_org.get(org.pk, set()))) for org in organisations]
    context: dict[str, Any] = {
        "roles": roles,
        "Role": Role,
        "my_orgs": my_orgs,
        "overview": _city_overview(),
    }
    from hebi.catalog import selectors as catalog

    context["managed_needs"] = (
        catalog.managed_needs(viewer=request.user)[:10] if Role.TECH_MANAGER in roles else None
    )
    context["access_requests"] = catalog.pending_access_requests(viewer=request.user)[:10]
    context["registry"] = catalog.registry_overview(viewer=request.user)
    from hebi.challenges import permissions as challenge_permissions
    from hebi.challenges import review_selectors

    if challenge_permissions.expert_profile(request.user) is not None:
        open_work = [
            a for a in review_selectors.my_assignments(viewer=request.user) if a.panel.status == "open"
        ]
        context["review_work"] = {
            "panels": len(open_work),
            "todo": sum(1 for a in open_work for t in a.tasks if t.state == "todo"),
        }
    if Role.REGISTRY_OFFICER in roles:
        from hebi.contracts.selectors import review_queue_summary

        context["registry_queue"] = review_queue_summary()
    if Role.PLATFORM_ADMIN in roles or request.user.is_superuser:
        context["people_count"] = User.objects.filter(is_active=True).count()
    if Role.ORG_ADMIN in roles:
        admin_org_ids = [pk for pk, rs in by_org.items() if Role.ORG_ADMIN in rs]
        context["admin_orgs"] = (
            Organisation.objects.filter(pk__in=admin_org_ids)
            .annotate(member_total=Count("memberships__user", distinct=True))
            .order_by("name")
        )
    return render(request, "core/home.html", context)


def _city_overview() -> dict[str, object]:
    """Counts computed from the records, never typed in."""
    kinds = dict(
        Organisation.objects.filter(is_active=True).values_list("kind").annotate(n=Count("id")).order_by()
    )
    labels = dict(Organisation.Kind.choices)
    return {
        "organisations": sum(kinds.values()),
        "by_kind": [(labels[k], kinds[k], k) for k in Organisation.Kind.values if kinds.get(k)],
    }


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    require_platform_admin(request.user)
    entries = AuditLogFilter(
        request.GET or None,
        queryset=AuditLog.objects.select_related("actor", "content_type", "organisation"),
    )
    page = Paginator(entries.qs, 50).get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {"filter": entries, "page": page, "querystring": query_without_page.urlencode()},
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
