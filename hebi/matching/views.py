"""Pages of matching: the match sections of the need and result pages, feedback on a pair,
in-site notifications, and the operators' pages (embedding progress, feedback report).

The ranking itself is the selectors'; each section below asks it once per request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from hebi.catalog.models import Achievement, Need, StatusChange
from hebi.core.forms import apply_validation_error
from hebi.core.models import Notification
from hebi.core.permissions import can_contribute, has_oversight
from hebi.matching import embedding, selectors, services, tasks
from hebi.matching.forms import FeedbackForm, ReportForm
from hebi.matching.models import Kind, Match

NOTIFICATIONS_PER_PAGE = 20
PROGRESS_CACHE_KEY = "matching:embedding-progress"
# progress() hashes every record's text: the polling page must not do that every few seconds.
PROGRESS_CACHE_SECONDS = 5

STATUS_BADGES: dict[str, str] = {
    Match.Status.SUGGESTED: "",
    Match.Status.CONTACTED: "amber",
    Match.Status.NEGOTIATING: "jade",
    Match.Status.DECLINED: "red",
}


# -- match sections ----------------------------------------------------------------------------
@dataclass(frozen=True)
class HistoryEntry:
    at: Any
    actor: Any
    from_label: str
    to_label: str
    reason: str

    @classmethod
    def of(cls, change: StatusChange) -> HistoryEntry:
        labels = dict(Match.Status.choices)
        return cls(
            change.at,
            change.actor,
            str(labels.get(change.from_status, change.from_status)),
            str(labels.get(change.to_status, change.to_status)),
            change.reason,
        )


@dataclass
class Pair:
    """One ranked match as a page row: the ranking's row, the stored pair it stands for, what
    the viewer may do with it and what happened to it so far."""

    row: selectors.MatchRow
    direction: str
    left_id: int
    right_id: int
    title: str
    url: str = ""
    organisation: str = ""
    can_act: bool = False
    links: list[tuple[str, str]] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reasons_for, self.reasons_against = self.row.texts()

    @property
    def status(self) -> str:
        return self.row.status

    @property
    def status_label(self) -> str:
        return str(Match.Status(self.row.status).label)

    @property
    def badge(self) -> str:
        return STATUS_BADGES.get(self.row.status, "")

    @property
    def targets(self) -> list[tuple[str, str]]:
        """The positive moves allowed from the current state (婉拒 has its own small form)."""
        allowed = Match.TRANSITIONS.get(Match.Status(self.row.status), [])
        return [(str(s), str(Match.Status(s).label)) for s in allowed if s != Match.Status.DECLINED]

    @property
    def may_decline(self) -> bool:
        return Match.Status.DECLINED in Match.TRANSITIONS.get(Match.Status(self.row.status), [])


def _attach_histories(pairs: list[Pair]) -> None:
    """Every stored pair's history in one query (status_history per row would cost one each)."""
    by_match: dict[int, list[Pair]] = {}
    for pair in pairs:
        if pair.row.stored is not None:
            by_match.setdefault(pair.row.stored.pk, []).append(pair)
    if not by_match:
        return
    changes = StatusChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Match), object_id__in=list(by_match)
    ).select_related("actor")
    for change in changes:
        for pair in by_match[change.object_id]:
            pair.history.append(HistoryEntry.of(change))


def _need_sections(viewer: Any, need: Need) -> dict[str, Any]:
    own_side = can_contribute(viewer, need.owner)
    results = [
        Pair(
            row=row,
            direction=Match.Direction.NEED_RESULT,
            left_id=need.pk,
            right_id=row.subject.pk,
            title=row.subject.title,
            url=reverse("catalog:achievement-detail", args=[row.subject.pk]),
            organisation=str(row.subject.owner),
            can_act=own_side or can_contribute(viewer, row.subject.owner),
        )
        for row in selectors.results_for_need(viewer=viewer, need=need)
    ]
    patents = [
        Pair(
            row=row,
            direction="",  # patents are listed for reading; they take no feedback
            left_id=need.pk,
            right_id=row.subject.pk,
            title=row.subject.title,
            url=reverse("patents:detail", args=[row.subject.pk]),
            organisation=str(row.subject.owner),
        )
        for row in selectors.patents_for_need(viewer=viewer, need=need)
    ]
    experts = [
        Pair(
            row=row,
            direction=Match.Direction.NEED_EXPERT,
            left_id=need.pk,
            right_id=row.subject.pk,
            title=row.subject.get_full_name() or row.subject.get_username(),
            can_act=own_side,
            links=[
                (reverse("catalog:achievement-detail", args=[pk]), title)
                for pk, title in row.extra.get("results", [])
            ],
        )
        for row in selectors.experts_for_need(viewer=viewer, need=need)
    ]
    _attach_histories(results + experts)
    return {"results": results, "patents": patents, "experts": experts}


def _achievement_sections(viewer: Any, achievement: Achievement) -> dict[str, Any]:
    own_side = can_contribute(viewer, achievement.owner)
    needs = [
        Pair(
            row=row,
            direction=Match.Direction.NEED_RESULT,
            left_id=row.subject.pk,
            right_id=achievement.pk,
            title=row.subject.title,
            url=reverse("catalog:need-detail", args=[row.subject.pk]),
            organisation=str(row.subject.owner),
            can_act=own_side or can_contribute(viewer, row.subject.owner),
        )
        for row in selectors.needs_for_result(viewer=viewer, achievement=achievement)
    ]
    funds = [
        Pair(
            row=row,
            direction=Match.Direction.RESULT_FUND,
            left_id=achievement.pk,
            right_id=row.subject.pk,
            title=str(row.subject.organisation),
            url=reverse("finance:detail", args=[row.subject.pk]),
            organisation=row.subject.get_kind_display(),
            can_act=own_side or can_contribute(viewer, row.subject.organisation),
        )
        for row in selectors.funds_for_result(viewer=viewer, achievement=achievement)
    ]
    _attach_histories(needs + funds)
    return {"needs": needs, "funds": funds}


def match_sections(request: HttpRequest, subject: Need | Achievement) -> dict[str, Any] | None:
    """The match sections of a need or result page (signed-in viewers only)."""
    if not request.user.is_authenticated:
        return None
    if isinstance(subject, Need):
        # Each ranking reads the need's indicators: fetch them once for all sections.
        prefetch_related_objects([subject], "indicators")
        kind, sections = Kind.NEED, _need_sections(request.user, subject)
    else:
        kind, sections = Kind.ACHIEVEMENT, _achievement_sections(request.user, subject)
    return {
        "kind": str(kind),
        # A draft has no vector yet (only published records are embedded): say so, not "pending".
        "draft": not selectors.in_halls(subject),
        "pending": selectors.pending_vector(subject, kind),
        "decline_reasons": Match.DeclineReason.choices,
        **sections,
    }


# -- feedback ----------------------------------------------------------------------------------
def _record_url(record: Any) -> str:
    name = "catalog:need-detail" if isinstance(record, Need) else "catalog:achievement-detail"
    return reverse(name, args=[record.pk]) + "#matches"


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if target and safe else fallback)


@login_required
@require_POST
def feedback(request: HttpRequest) -> HttpResponse:
    left, right = selectors.resolve_pair(
        viewer=request.user,
        direction=request.POST.get("direction", ""),
        left_id=request.POST.get("left"),
        right_id=request.POST.get("right"),
    )
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return _back(request, _record_url(left))
    try:
        match = services.match_feedback(
            actor=request.user,
            direction=request.POST["direction"],
            left=left,
            right=right,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        apply_validation_error(request, error)
    else:
        label = match.get_status_display()
        messages.success(request, _("已将该匹配标记为“%(status)s”。") % {"status": label})
    return _back(request, _record_url(left))


# -- notifications -----------------------------------------------------------------------------
def _own_notification(request: HttpRequest, pk: int) -> Notification:
    # Someone else's notification is not there at all for this viewer.
    return get_object_or_404(Notification, pk=pk, recipient=request.user)


def local_url(url: str) -> str | None:
    """A notification's link, if it is a path on this site (never another host)."""
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return None
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return None
    try:
        resolve(urlsplit(url).path)
    except Resolver404:
        return None
    return url


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.own_notifications(request.user), NOTIFICATIONS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "matching/notifications.html", {"page": page})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    note = _own_notification(request, pk)
    services.notification_read(actor=request.user, notification=note)
    return redirect(local_url(note.url) or reverse("matching:notifications"))


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    services.notification_read(actor=request.user, notification=_own_notification(request, pk))
    return _back(request, reverse("matching:notifications"))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_read_all(actor=request.user)
    if count:
        text = ngettext("已将 %(n)s 条通知标为已读。", "已将 %(n)s 条通知标为已读。", count)
        messages.success(request, text % {"n": count})
    return _back(request, reverse("matching:notifications"))


# -- operators' pages --------------------------------------------------------------------------
def _require_oversight(user: Any) -> None:
    if not has_oversight(user):
        raise PermissionDenied(_("只有平台管理员和委员会秘书处可以查看此页面。"))


def progress_figures() -> list[dict[str, Any]]:
    figures = cache.get(PROGRESS_CACHE_KEY)
    if figures is None:
        figures = [
            {"kind": str(p["kind"]), "total": p["total"], "done": p["done"], "pending": p["pending"]}
            for p in embedding.progress()
        ]
        cache.set(PROGRESS_CACHE_KEY, figures, PROGRESS_CACHE_SECONDS)
    return [
        {
            **f,
            "label": str(Kind(f["kind"]).label),
            "percent": 100 if not f["total"] else int(100 * f["done"] / f["total"]),
        }
        for f in figures
    ]


def embed_tasks_waiting() -> int:
    return DBTaskResult.objects.filter(
        task_path__endswith="embed_batch", status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).count()


def _progress_state() -> dict[str, Any]:
    return {
        "embedder": settings.HEBI_EMBEDDER,
        "kinds": progress_figures(),
        "tasks": embed_tasks_waiting(),
    }


@login_required
def index_progress(request: HttpRequest) -> HttpResponse:
    _require_oversight(request.user)
    return render(request, "matching/index.html", _progress_state())


@login_required
@require_GET
def index_progress_json(request: HttpRequest) -> JsonResponse:
    _require_oversight(request.user)
    response = JsonResponse(_progress_state())
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def index_embed(request: HttpRequest) -> HttpResponse:
    _require_oversight(request.user)
    if settings.HEBI_EMBEDDER == "none":
        messages.warning(request, _("当前未启用语义向量（HEBI_EMBEDDER=none），无需计算。"))
        return redirect("matching:index")
    batches = tasks.enqueue_pending()
    cache.delete(PROGRESS_CACHE_KEY)
    if batches:
        text = ngettext("已排入 %(n)s 批向量计算任务。", "已排入 %(n)s 批向量计算任务。", batches)
        messages.success(request, text % {"n": batches})
    else:
        messages.info(request, _("所有记录的向量都是最新的。"))
    return redirect("matching:index")


@login_required
def report(request: HttpRequest) -> HttpResponse:
    _require_oversight(request.user)
    form = ReportForm(request.GET or None)
    since = form.cleaned_data.get("since") if form.is_valid() else None
    summary = selectors.feedback_summary(since=since)
    buckets = []
    for name, (acted, positive) in summary["by_rank"].items():
        rate = round(100 * positive / acted) if acted else None
        buckets.append({"name": name, "acted": acted, "positive": positive, "rate": rate})
    return render(
        request,
        "matching/report.html",
        {
            "form": form,
            "total": summary["total"],
            "by_status": [
                (label, summary["by_status"].get(value, 0)) for value, label in Match.Status.choices
            ],
            "by_reason": [
                (label, summary["by_reason"].get(value, 0)) for value, label in Match.DeclineReason.choices
            ],
            "buckets": buckets,
        },
    )
