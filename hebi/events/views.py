"""Pages of roadshows and matching events: the public calendar and event pages, the organiser's
forms, the door (check-in), the phone page used during the event, follow-ups and the report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hebi.catalog.workflow import labelled_history
from hebi.core.audit import history_for
from hebi.core.converters import parse_id
from hebi.core.forms import apply_validation_error
from hebi.core.paging import querystring as _querystring
from hebi.events import permissions, selectors, services
from hebi.events.forms import (
    CancelForm,
    EventForm,
    FeedbackForm,
    InvitationForm,
    RegistrationForm,
    SearchForm,
    SlotForm,
    score_field,
)
from hebi.events.models import Event, EventSlot, Invitation, Registration, SlotFeedback
from hebi.orgs.models import Organisation
from hebi.orgs.selectors import viewer_organisations

PAGE_SIZE = 20
CHECKIN_PAGE_SIZE = 50


def _errors_as_messages(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _organisers(request: HttpRequest) -> list[Organisation]:
    """The organisations the viewer may run an event for."""
    if not request.user.is_authenticated:
        return []
    if permissions.is_committee(request.user):
        return list(Organisation.objects.filter(is_active=True).order_by("kind", "name"))
    return [
        o for o in viewer_organisations(viewer=request.user) if permissions.can_organise_for(request.user, o)
    ]


def _managed_event(request: HttpRequest, pk: Any) -> Event:
    event = selectors.event_get(viewer=request.user, pk=pk)
    permissions.require_manage(request.user, event)
    return event


# -- the calendar and the event page --------------------------------------------------------------------
def event_list(request: HttpRequest) -> HttpResponse:
    tab = "past" if request.GET.get("tab") == "past" else "upcoming"
    kind = request.GET.get("kind", "")
    kind = kind if kind in Event.Kind.values else ""
    events = selectors.event_list(viewer=request.user, tab=tab, kind=kind)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/event_list.html",
        {
            "page": page,
            "tab": tab,
            "kind": kind,
            "kinds": Event.Kind.choices,
            "querystring": _querystring(request),
            "can_create": bool(_organisers(request)),
        },
    )


def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get(viewer=request.user, pk=pk)
    can_manage = permissions.can_manage(request.user, event)
    live = event.status in services.LIVE_STATES
    # Once held or cancelled, an event has no places to offer: its page says how many came.
    counts = None if live else selectors.registration_counts(event)
    registered = counts.registered if counts else selectors.registered_count(event)
    mine = selectors.registration_of(viewer=request.user, event=event)
    organisations = viewer_organisations(viewer=request.user)
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "slots": selectors.event_slots(event),
            "invitations": selectors.event_invitations(event),
            "registered": registered,
            "checked_in": counts.checked_in if counts else None,
            "places_left": max(event.capacity - registered, 0),
            "registration_open": permissions.registration_open(event),
            "registration_closes": permissions.registration_closes(event),
            "mine": mine,
            "registration_form": RegistrationForm(
                organisations=organisations, roles=permissions.registration_roles(request.user, event)
            )
            if request.user.is_authenticated
            else None,
            "can_manage": can_manage,
            "can_see_private": permissions.can_see_private(request.user, event),
            "cancel_form": CancelForm() if can_manage else None,
            "invitation_form": InvitationForm() if can_manage else None,
            "editable": live,
            "status_history": labelled_history(event) if can_manage else None,
            "history": history_for(event)[:50] if can_manage else None,
        },
    )


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    organisers = _organisers(request)
    if not organisers:
        raise PermissionDenied(_("您不属于任何可主办活动的机构。"))
    form = EventForm(
        request.POST or None, organisers=Organisation.objects.filter(pk__in=[o.pk for o in organisers])
    )
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(
                actor=request.user, organiser=form.cleaned_data["organiser"], **form.service_data()
            )
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("活动已创建（筹备中）。添加路演项目后即可发布报名。"))
            return redirect("events:detail", pk=event.pk)
    return render(request, "events/event_form.html", {"form": form, "event": None})


@login_required
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed_event(request, pk)
    form = EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.event_update(actor=request.user, event=event, **form.service_data())
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("已保存修改。") if changes else _("没有需要保存的修改。"))
            return redirect("events:detail", pk=pk)
    return render(request, "events/event_form.html", {"form": form, "event": event})


def _run(request: HttpRequest, action: Any, success: str) -> bool:
    try:
        action()
    except ValidationError as error:
        apply_validation_error(request, error)
        return False
    messages.success(request, success)
    return True


@login_required
@require_POST
def event_publish(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed_event(request, pk)
    _run(
        request,
        lambda: services.event_publish(actor=request.user, event=event),
        _("活动已发布，开始报名；受邀单位已收到通知。"),
    )
    return redirect("events:detail", pk=pk)


@login_required
@require_POST
def event_held(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed_event(request, pk)
    _run(request, lambda: services.event_mark_held(actor=request.user, event=event), _("已标记为已举办。"))
    return redirect("events:detail", pk=pk)


@login_required
@require_POST
def event_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed_event(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        _errors_as_messages(request, form)
    else:
        _run(
            request,
            lambda: services.event_cancel(
                actor=request.user, event=event, reason=form.cleaned_data["reason"]
            ),
            _("活动已取消，已通知报名人员。"),
        )
    return redirect("events:detail", pk=pk)


# -- slots and invitations ----------------------------------------------------------------------------
def _managed_slot(request: HttpRequest, pk: int) -> EventSlot:
    slot = get_object_or_404(EventSlot.objects.select_related("event"), pk=pk)
    slot.event = _managed_event(request, slot.event_id)
    return slot


@login_required
def slot_create(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed_event(request, pk)
    form = SlotForm(request.POST or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.slot_add(actor=request.user, event=event, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("已添加路演项目。"))
            return redirect(reverse("events:detail", args=[pk]) + "#slots")
    return render(request, "events/slot_form.html", {"form": form, "event": event, "slot": None})


@login_required
def slot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    slot = _managed_slot(request, pk)
    form = SlotForm(request.POST or None, instance=slot, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.slot_update(actor=request.user, slot=slot, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(request, error, form)
        else:
            messages.success(request, _("已保存路演项目。"))
            return redirect(reverse("events:detail", args=[slot.event_id]) + "#slots")
    return render(request, "events/slot_form.html", {"form": form, "event": slot.event, "slot": slot})


@login_required
@require_POST
def slot_delete(request: HttpRequest, pk: int) -> HttpResponse:
    slot = _managed_slot(request, pk)
    _run(request, lambda: services.slot_delete(actor=request.user, slot=slot), _("已删除路演项目。"))
    return redirect(reverse("events:detail", args=[slot.event_id]) + "#slots")


@login_required
@require_POST
def slot_move(request: HttpRequest, pk: int) -> HttpResponse:
    slot = _managed_slot(request, pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    _run(request, lambda: services.slot_move(actor=request.user, slot=slot, offset=offset), _("已调整顺序。"))
    return redirect(reverse("events:detail", args=[slot.event_id]) + "#slots")


@login_required
@require_POST
def invitation_add(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed_event(request, pk)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        _errors_as_messages(request, form)
    else:
        _run(
            request,
            lambda: services.invitation_add(actor=request.user, event=event, **form.cleaned_data),
            _("已邀请该单位。"),
        )
    return redirect(reverse("events:detail", args=[pk]) + "#invitations")


@login_required
@require_POST
def invitation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    invitation.event = _managed_event(request, invitation.event_id)
    _run(
        request,
        lambda: services.invitation_remove(actor=request.user, invitation=invitation),
        _("已移出邀请名单。"),
    )
    return redirect(reverse("events:detail", args=[invitation.event_id]) + "#invitations")


# -- registration and check-in ----------------------------------------------------------------------
@login_required
@require_POST
def register(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get(viewer=request.user, pk=pk)
    # Every role is accepted here: the service says why one is refused.
    form = RegistrationForm(request.POST, organisations=viewer_organisations(viewer=request.user))
    if not form.is_valid():
        _errors_as_messages(request, form)
        return redirect("events:detail", pk=pk)
    try:
        _run(
            request,
            lambda: services.registration_create(actor=request.user, event=event, **form.cleaned_data),
            _("报名成功。活动当天请到签到处签到。"),
        )
    except OperationalError:
        # SQLite ignores the event-row lock and answers "database is locked" when two
        # registrations race past its busy timeout; the transaction rolled back, so try again.
        messages.error(request, _("报名人数较多，请稍后重试。"))
    return redirect("events:detail", pk=pk)


@login_required
@require_POST
def unregister(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get(viewer=request.user, pk=pk)
    mine = selectors.registration_of(viewer=request.user, event=event)
    if mine is None:
        messages.error(request, _("您尚未报名该活动。"))
    else:
        _run(
            request,
            lambda: services.registration_cancel(actor=request.user, registration=mine),
            _("已取消报名。"),
        )
    return redirect("events:detail", pk=pk)


@login_required
def registrations(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed_event(request, pk)
    form = SearchForm(request.GET or None)
    form.is_valid()
    q = (getattr(form, "cleaned_data", {}).get("q") or "").strip()
    rows = selectors.registration_list(event=event, q=q)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/registrations.html",
        {
            "event": event,
            "form": form,
            "q": q,
            "page": page,
            "counts": selectors.registration_counts(event),
            "querystring": _querystring(request),
        },
    )


@login_required
def checkin(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed_event(request, pk)
    if request.method == "POST":
        key = parse_id(request.POST.get("registration"))
        registration = event.registrations.select_related("user").filter(pk=key).first() if key else None
        if registration is None:
            raise Http404(_("没有找到该报名。"))
        name = registration.user.get_full_name()
        try:
            registration, changed = services.registration_check_in(
                actor=request.user, registration=registration
            )
        except ValidationError as error:
            apply_validation_error(request, error)
        else:
            if changed:
                messages.success(request, _("%(name)s 签到成功。") % {"name": name})
            else:
                at = timezone.localtime(registration.checked_in_at)
                messages.info(
                    request,
                    _("%(name)s 已于 %(time)s 签到，无需重复签到。") % {"name": name, "time": f"{at:%H:%M}"},
                )
        back = reverse("events:checkin", args=[pk])
        q = (request.POST.get("q") or "").strip()[:60]
        return redirect(f"{back}?{urlencode({'q': q})}" if q else back)
    form = SearchForm(request.GET or None)
    form.is_valid()
    q = (getattr(form, "cleaned_data", {}).get("q") or "").strip()
    page = Paginator(selectors.registration_list(event=event, q=q), CHECKIN_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "events/checkin.html",
        {
            "event": event,
            "door_shut": permissions.check_in_refusal(event) if event.status == Event.Status.OPEN else "",
            "form": form,
            "q": q,
            "page": page,
            "counts": selectors.registration_counts(event),
            "querystring": _querystring(request),
        },
    )


# -- the live page ---------------------------------------------------------------------------------------
def _live_refusal(request: HttpRequest, event: Event, registration: Registration | None) -> str:
    """Why the viewer may not score (an empty string when it may); the service has the last word."""
    if registration is None or registration.status != Registration.Status.REGISTERED:
        return _("请先报名并签到。") if event.status == Event.Status.OPEN else _("您未报名该活动。")
    if event.status == Event.Status.OPEN and (closed := permissions.scoring_refusal(event)):
        return closed
    if registration.checked_in_at is None:
        return _("请先签到。")
    if registration.role not in selectors.SCORING_ROLES:
        return _("观众和路演团队不参与评分。")
    if permissions.role_refusal(request.user, event, registration.role, registration.organisation):
        return _("您已不具备“%(role)s”的参会身份，不能评分。") % {"role": registration.get_role_display()}
    return ""


@login_required
def live(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get(viewer=request.user, pk=pk)
    registration = selectors.registration_of(viewer=request.user, event=event)
    criteria = selectors.rubric_criteria(event)
    bound: tuple[int, FeedbackForm] | None = None
    if request.method == "POST":
        slot = event.slots.filter(pk=parse_id(request.POST.get("slot")) or 0).first()
        if slot is None:
            raise Http404(_("没有找到该路演项目。"))
        form = FeedbackForm(request.POST, prefix=f"s{slot.pk}", criteria=criteria)
        if form.is_valid():
            try:
                services.feedback_submit(
                    actor=request.user,
                    slot=slot,
                    items=form.items(),
                    want_to_talk=form.cleaned_data["want_to_talk"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                _feedback_errors(request, form, error)
            else:
                messages.success(request, _("“%(t)s”的评价已保存。") % {"t": slot.title})
                return redirect(reverse("events:live", args=[pk]) + f"#slot-{slot.pk}")
        bound = (slot.pk, form)
    own = permissions.own_organisation_ids(request.user, registration)
    rows = []
    for slot, feedback in selectors.live_rows(viewer=request.user, event=event):
        if bound is not None and bound[0] == slot.pk:
            form = bound[1]
        else:
            form = FeedbackForm(
                prefix=f"s{slot.pk}", criteria=criteria, initial=FeedbackForm.initial_from(feedback)
            )
        rows.append((slot, feedback, form, slot.organisation_id in own))
    return render(
        request,
        "events/live.html",
        {
            "event": event,
            "rows": rows,
            "registration": registration,
            "refusal": _live_refusal(request, event, registration),
            "criteria": criteria,
            "scores_optional": registration is not None and registration.role != Registration.Role.EXPERT,
        },
    )


def _feedback_errors(request: HttpRequest, form: FeedbackForm, error: ValidationError) -> None:
    """Per-criterion messages on their inputs; the rest at the top of the page."""
    if not hasattr(error, "error_dict"):
        apply_validation_error(request, error)
        return
    for key, errors in error.message_dict.items():
        name = score_field(key)
        target = name if name in form.fields else key if key in form.fields else None
        for message in errors:
            form.add_error(target, message)
    messages.error(request, _("请修正下面标出的错误。"))


# -- follow-ups and the report ----------------------------------------------------------------------
@login_required
def followups(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed_event(request, pk)
    return render(
        request,
        "events/followups.html",
        {"event": event, "interests": selectors.interests(event=event)},
    )


def _convert(request: HttpRequest, pk: int, action: Any, success: str) -> HttpResponse:
    feedback = get_object_or_404(SlotFeedback.objects.select_related("slot"), pk=pk)
    event = _managed_event(request, feedback.slot.event_id)
    try:
        record = action(actor=request.user, feedback=feedback)
    except ValidationError as error:
        apply_validation_error(request, error)
    except PermissionDenied as denied:
        # The deals services decide who may record an engagement or open a project.
        messages.error(request, str(denied) or _("您无权执行此操作。"))
    else:
        messages.success(request, success % {"t": str(record)})
    return redirect(reverse("events:followups", args=[event.pk]) + f"#interest-{feedback.pk}")


@login_required
@require_POST
def followup_engagement(request: HttpRequest, pk: int) -> HttpResponse:
    return _convert(request, pk, services.feedback_to_engagement, _("已生成对接记录：%(t)s"))


@login_required
@require_POST
def followup_project(request: HttpRequest, pk: int) -> HttpResponse:
    return _convert(request, pk, services.feedback_to_project, _("已立项为转化项目：%(t)s"))


def report(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_private_get(viewer=request.user, pk=pk)
    return render(request, "events/report.html", {"event": event, "report": selectors.event_report(event)})
