"""Writes of the matching app: feedback on a match, pushes to the owners of strong matches,
and the hooks the registry calls when a record's text changes or it is published."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hebi.catalog import workflow
from hebi.catalog.models import Achievement, Need
from hebi.core.models import Notification
from hebi.core.permissions import can_contribute
from hebi.core.roles import Role
from hebi.matching import selectors
from hebi.matching.documents import kind_of
from hebi.matching.models import Match

# A push goes to the owners of the best few matches whose score clears this bar.
STRONG_SCORE = 0.55
PUSH_TOP = 5


# -- hooks called by the registry ---------------------------------------------------------------
def listing_changed(record: Any) -> None:
    """The record's text or state changed: (re)compute its vector in the background."""
    kind, pk = kind_of(record), record.pk
    if settings.HEBI_EMBEDDER == "none":
        return
    from hebi.matching import tasks

    transaction.on_commit(lambda: tasks.embed_batch.enqueue(kind, [pk]))


def listing_published(record: Any) -> None:
    """A need or result went public: match it and push it to the owners of strong matches."""
    kind, pk = kind_of(record), record.pk
    from hebi.matching import tasks

    transaction.on_commit(lambda: tasks.match_published.enqueue(kind, pk))


# -- feedback ------------------------------------------------------------------------------------
def _sides(direction: str, left: Any, right: Any) -> list[Any]:
    """The organisations whose people may act on a pair."""
    if direction == Match.Direction.NEED_RESULT:
        return [left.owner, right.owner]
    if direction == Match.Direction.RESULT_FUND:
        return [left.owner, right.organisation]
    return [left.owner]


def _pair(direction: str, left: Any, right: Any) -> dict[str, Any]:
    if direction == Match.Direction.NEED_RESULT:
        return {"need": left, "achievement": right}
    if direction == Match.Direction.RESULT_FUND:
        return {"achievement": left, "fund": right}
    return {"need": left, "expert": right}


def _current(
    direction: str, left: Any, right: Any, viewer: Any
) -> tuple[float, int | None, dict[str, Any], list[Any]]:
    """The pair's score, rank and reasons as the ranking sees them now."""
    if direction == Match.Direction.NEED_RESULT:
        rows = selectors.results_for_need(viewer=viewer, need=left, top=50)
    elif direction == Match.Direction.RESULT_FUND:
        rows = selectors.funds_for_result(viewer=viewer, achievement=left, top=50)
    else:
        rows = selectors.experts_for_need(viewer=viewer, need=left, top=50)
    for position, row in enumerate(rows, start=1):
        if row.subject.pk == right.pk:
            return row.score, position, row.components, [r.as_dict() for r in row.reasons]
    return 0.0, None, {}, []


@transaction.atomic
def match_feedback(
    *, actor: Any, direction: str, left: Any, right: Any, status: str, reason: str = "", note: str = ""
) -> Match:
    """Mark a pair contacted, in negotiation or declined (with a reason category).

    Either side's people may act. The first contact on a need moves it to 已匹配 and a
    negotiation moves both records to 洽谈中, so the halls and workspaces show the state."""
    if direction not in Match.Direction.values:
        raise ValidationError(_("未知的匹配方向。"))
    if not any(can_contribute(actor, org) for org in _sides(direction, left, right)):
        raise PermissionDenied(_("只有匹配双方机构的成员可以反馈匹配结果。"))
    if status not in Match.Status.values or status == Match.Status.SUGGESTED:
        raise ValidationError({"status": _("请选择已联系、洽谈中或婉拒。")})
    note = note.strip()
    if status == Match.Status.DECLINED:
        if reason not in Match.DeclineReason.values:
            raise ValidationError({"reason": _("婉拒时请选择原因。")})
        if reason == Match.DeclineReason.OTHER and not note:
            raise ValidationError({"note": _("选择“其他”时请简要说明原因。")})
    elif reason:
        raise ValidationError({"reason": _("只有婉拒时才需要选择原因。")})
    pair = _pair(direction, left, right)
    match = Match.objects.select_for_update().filter(direction=direction, **pair).first()
    if match is None:
        score, rank, components, reasons = _current(direction, left, right, actor)
        try:
            with transaction.atomic():
                match = Match.objects.create(
                    direction=direction,
                    score=score,
                    rank=rank,
                    components=components,
                    reasons=reasons,
                    **pair,
                )
        except IntegrityError:
            match = Match.objects.select_for_update().get(direction=direction, **pair)
    if match.status == status:
        raise ValidationError(
            {"status": _("该匹配已是“%(status)s”状态。") % {"status": match.get_status_display()}}
        )
    label = dict(Match.DeclineReason.choices).get(reason, "")
    workflow.transition(
        actor=actor,
        instance=match,
        to=status,
        reason="；".join(str(p) for p in (label, note) if p),
        organisation=next((o for o in _sides(direction, left, right) if can_contribute(actor, o)), None),
        extra_updates={"decline_reason": reason, "decline_note": note[:500]},
    )
    if direction == Match.Direction.NEED_RESULT:
        _advance_records(actor, match, status)
    return match


def _advance_records(actor: Any, match: Match, status: str) -> None:
    need = Need.objects.select_for_update().get(pk=match.need_id or 0)
    achievement = Achievement.objects.select_for_update().get(pk=match.achievement_id or 0)
    note = _("匹配反馈：%(result)s") % {"result": achievement.title[:80]}
    if status in (Match.Status.CONTACTED, Match.Status.NEGOTIATING) and need.status == Need.Status.PUBLISHED:
        workflow.transition(
            actor=actor, instance=need, to=Need.Status.MATCHED, reason=note, organisation=need.owner
        )
    if status == Match.Status.NEGOTIATING:
        if need.status in (Need.Status.PUBLISHED, Need.Status.MATCHED):
            workflow.transition(
                actor=actor, instance=need, to=Need.Status.NEGOTIATING, reason=note, organisation=need.owner
            )
        if achievement.status == Achievement.Status.PUBLISHED:
            workflow.transition(
                actor=actor,
                instance=achievement,
                to=Achievement.Status.NEGOTIATING,
                reason=_("匹配反馈：%(need)s") % {"need": need.title[:80]},
                organisation=achievement.owner,
            )


# -- pushes ---------------------------------------------------------------------------------------
def owners_to_notify(record: Any) -> list[Any]:
    """Who hears about a match of this record: its team and author, else the organisation's
    administrators and technology managers; a need's assigned manager too."""
    User = get_user_model()
    people: dict[int, Any] = {}
    if isinstance(record, Achievement):
        people.update({u.pk: u for u in record.team.filter(is_active=True)})
    if getattr(record, "created_by", None) is not None and record.created_by.is_active:
        people[record.created_by.pk] = record.created_by
    manager = record.manager if isinstance(record, Need) else None
    if manager is not None and manager.is_active:
        people[manager.pk] = manager
    if not people:
        admins = User.objects.filter(
            is_active=True,
            memberships__organisation=record.owner,
            memberships__role__in=[Role.ORG_ADMIN, Role.TECH_MANAGER],
        ).distinct()
        people.update({u.pk: u for u in admins})
    return list(people.values())


def notify(*, recipients: Iterable[Any], key: str, title: str, body: str, url: str) -> list[Notification]:
    """In-site notifications, at most one per person and subject (key)."""
    created = []
    for person in recipients:
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        recipient=person, key=key[:120], title=title[:200], body=body[:2000], url=url[:300]
                    )
                )
        except IntegrityError:
            continue  # already told about this pair
    return created


def notify_after_commit(
    recipients: Iterable[Any], *, actor: Any, key: str, title: str, body: str, url: str
) -> None:
    """notify() once the caller's transaction commits: each active person once, never the actor."""
    people = [
        p
        for p in {p.pk: p for p in recipients if p is not None}.values()
        if p.is_active and p.pk != getattr(actor, "pk", None)
    ]
    if people:
        transaction.on_commit(lambda: notify(recipients=people, key=key, title=title, body=body, url=url))


class _Platform:
    """The platform itself as a viewer: it pushes to every signed-in member, so it ranks what
    any signed-in member may see."""

    is_authenticated = True
    pk = None


def push_matches(record: Any) -> list[Notification]:
    """After publication: store the strong matches and tell the other sides' owners."""
    system = _Platform()
    sent: list[Notification] = []
    if isinstance(record, Need):
        rows = selectors.results_for_need(viewer=system, need=record, top=PUSH_TOP)
    else:
        rows = selectors.needs_for_result(viewer=system, achievement=record, top=PUSH_TOP)
    for position, row in enumerate(rows, start=1):
        if row.score < STRONG_SCORE:
            continue
        need, achievement = (record, row.subject) if isinstance(record, Need) else (row.subject, record)
        match, _created = Match.objects.get_or_create(
            direction=Match.Direction.NEED_RESULT,
            need=need,
            achievement=achievement,
            defaults={
                "score": row.score,
                "rank": position,
                "components": row.components,
                "reasons": [r.as_dict() for r in row.reasons],
            },
        )
        other = row.subject
        url = reverse(
            "catalog:need-detail" if isinstance(record, Need) else "catalog:achievement-detail",
            args=[record.pk],
        )
        for person in owners_to_notify(other):
            with translation.override(person.language or settings.LANGUAGE_CODE):
                if isinstance(record, Need):
                    title = _("新需求与您的成果匹配：%(title)s") % {"title": record.title}
                else:
                    title = _("新成果可能解决您的需求：%(title)s") % {"title": record.title}
                good, _bad = row.texts()
                why = "；".join(good[:3])
                body = _("匹配度 %(percent)s%%。%(why)s") % {"percent": row.percent, "why": why}
            sent.extend(
                notify(
                    recipients=[person],
                    key=f"match:need_result:{need.pk}:{achievement.pk}",
                    title=title,
                    body=body,
                    url=url,
                )
            )
        if match.notified_at is None:
            Match.objects.filter(pk=match.pk).update(notified_at=timezone.now())
    return sent


def send_digests(user_ids: Iterable[int] | None = None) -> int:
    """One e-mail per person listing the notifications not yet e-mailed. Returns mails sent."""
    qs = Notification.objects.filter(emailed_at__isnull=True).select_related("recipient")
    if user_ids is not None:
        qs = qs.filter(recipient_id__in=list(user_ids))
    by_person: dict[int, list[Notification]] = {}
    for note in qs.order_by("created_at"):
        by_person.setdefault(note.recipient_id, []).append(note)
    sent = 0
    for notes in by_person.values():
        person = notes[0].recipient
        if not person.email or not person.is_active:
            continue
        with translation.override(person.language or settings.LANGUAGE_CODE):
            lines = [f"· {n.title}\n  {n.body}\n  {settings.HEBI_SITE_URL}{n.url}" for n in notes]
            subject = _("合璧平台：您有 %(count)s 条新的匹配推送") % {"count": len(notes)}
            body = "\n\n".join(lines)
        send_mail(subject, body, None, [person.email])
        Notification.objects.filter(pk__in=[n.pk for n in notes]).update(emailed_at=timezone.now())
        sent += 1
    return sent


def notifications_read_all(*, actor: Any) -> int:
    """Mark every unread notification of the actor read, in one update. Returns how many."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())


def notification_read(*, actor: Any, notification: Notification) -> None:
    if notification.recipient_id != actor.pk:
        raise PermissionDenied(_("这不是您的通知。"))
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
