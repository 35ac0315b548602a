"""Writes to research results, needs, their attachments and confidential-access grants.

Each function is atomic and audited; bad input raises ValidationError with a message in the
user's language and writes nothing.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.catalog import workflow
from hebi.catalog.models import (
    AccessGrant,
    Achievement,
    Attachment,
    Need,
    NeedIndicator,
    Patent,
    PriceKind,
    TransferMode,
    Visibility,
)
from hebi.catalog.patent_services import patent_rescore
from hebi.catalog.search.documents import achievement_document, need_document
from hebi.core import audit
from hebi.core.models import AuditLog
from hebi.core.permissions import can_contribute, require_contribute, roles_by_org
from hebi.core.roles import Role
from hebi.core.uploads import inspect_upload
from hebi.matching import services as matching_services
from hebi.orgs.models import Membership, Organisation

User = get_user_model()

ACHIEVEMENT_FIELDS = [
    "title",
    "summary",
    "field",
    "keywords",
    "trl",
    "team_note",
    "transfer_modes",
    "price_kind",
    "price_min",
    "price_max",
    "incumbent",
    "economics",
    "visibility",
    "confidential_details",
]
NEED_FIELDS = [
    "title",
    "description",
    "field",
    "keywords",
    "budget",
    "budget_negotiable",
    "ip_ownership",
    "deadline",
    "cooperation",
    "min_trl",
    "is_complex",
    "visibility",
    "confidential_details",
]
MAX_KEYWORDS = 12
MAX_INDICATORS = 12
CONFIDENTIALITY_UNDERTAKING = _(
    "本机构承诺：对通过合璧平台获取的保密信息仅用于评估合作，不向第三方披露，不用于其他目的；"
    "未经权利人书面同意不复制、不反向工程；违反承诺的，依法承担相应责任。"
)

# -- shared checks ----------------------------------------------------------------------------
_LIST_SEPARATORS = re.compile(r"[\s,，、;；]+")


def split_list(text: str) -> list[str]:
    """Items a person typed as a list: separated by commas (either width), 、, ；, or spaces."""
    return [item for item in _LIST_SEPARATORS.split(text or "") if item]


def clean_keywords(value: Any) -> list[str]:
    """Keywords from a list or a string separated by commas, 、, ；, or spaces."""
    items = split_list(value) if isinstance(value, str) else [str(v) for v in value or []]
    seen: list[str] = []
    for item in (i.strip() for i in items):
        if item and item not in seen:
            seen.append(item[:40])
    if len(seen) > MAX_KEYWORDS:
        raise ValidationError({"keywords": _("关键词最多 %(n)d 个。") % {"n": MAX_KEYWORDS}})
    return seen


def _check_price(data: dict[str, Any]) -> None:
    kind = data.get("price_kind") or PriceKind.NEGOTIABLE
    low, high = data.get("price_min"), data.get("price_max")
    for name, value in (("price_min", low), ("price_max", high)):
        if value is not None and Decimal(value) < 0:
            raise ValidationError({name: _("价格不能为负数。")})
    if kind == PriceKind.NEGOTIABLE:
        data["price_min"] = data["price_max"] = None
    elif kind == PriceKind.FIXED:
        if low is None:
            raise ValidationError({"price_min": _("定价时请填写价格。")})
        data["price_max"] = None
    elif kind == PriceKind.RANGE:
        if low is None or high is None:
            raise ValidationError({"price_max": _("价格区间需要填写下限和上限。")})
        if Decimal(low) > Decimal(high):
            raise ValidationError({"price_max": _("价格下限不能高于上限。")})


def _check_modes(modes: Sequence[str]) -> list[str]:
    valid = [m for m in TransferMode.values if m in set(modes or [])]
    unknown = set(modes or []) - set(TransferMode.values)
    if unknown:
        raise ValidationError(
            {"transfer_modes": _("未知的转化方式：%(m)s") % {"m": "、".join(sorted(unknown))}}
        )
    if not valid:
        raise ValidationError({"transfer_modes": _("请至少选择一种转化方式。")})
    return valid


def _check_deadline(deadline: datetime.date | None, *, previous: datetime.date | None = None) -> None:
    if deadline is not None and deadline < timezone.localdate() and deadline != previous:
        raise ValidationError({"deadline": _("研发时限不能早于今天。")})


# -- research results ---------------------------------------------------------------------------
def _achievement_data(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in ACHIEVEMENT_FIELDS}
    if "title" in cleaned:
        cleaned["title"] = (cleaned["title"] or "").strip()
    if "keywords" in cleaned:
        cleaned["keywords"] = clean_keywords(cleaned["keywords"])
    if "transfer_modes" in cleaned:
        cleaned["transfer_modes"] = _check_modes(cleaned["transfer_modes"])
    return cleaned


def _refresh_achievement_index(achievement: Achievement) -> None:
    achievement.mode_tags = f" {' '.join(achievement.transfer_modes)} "
    achievement.search_text = achievement_document(achievement)
    # updated_at moves too: the matching index catches up on records by it.
    Achievement.objects.filter(pk=achievement.pk).update(
        mode_tags=achievement.mode_tags, search_text=achievement.search_text, updated_at=timezone.now()
    )
    matching_services.listing_changed(achievement)


def _set_team(achievement: Achievement, team: Iterable[Any] | None) -> list[list[str]] | None:
    if team is None:
        return None
    people = list(team)
    member_ids = set(
        Membership.objects.filter(organisation=achievement.owner, user__in=people).values_list(
            "user_id", flat=True
        )
    )
    outsiders = [str(p) for p in people if p.pk not in member_ids]
    if outsiders:
        raise ValidationError({"team": _("团队成员须为本机构人员：%(p)s") % {"p": "、".join(outsiders)}})
    before = sorted(str(u) for u in achievement.team.all())
    achievement.team.set(people)
    after = sorted(str(u) for u in people)
    return [before, after] if before != after else None


def _set_patents(achievement: Achievement, patents: Iterable[Patent] | None) -> list[Any] | None:
    if patents is None:
        return None
    chosen = list(patents)
    foreign = [p.application_number for p in chosen if p.owner_id != achievement.owner_id]
    if foreign:
        raise ValidationError({"patents": _("只能关联本机构的专利：%(n)s") % {"n": "、".join(foreign)}})
    previous = list(achievement.patents.all())
    achievement.patents.set(chosen)
    before = sorted(p.application_number for p in previous)
    after = sorted(p.application_number for p in chosen)
    if before == after:
        return None
    # A patent's technical value counts the maturity of the results it serves.
    for patent in {p.pk: p for p in [*previous, *chosen]}.values():
        patent_rescore(patent)
    return [before, after]


@transaction.atomic
def achievement_create(
    *,
    actor: Any,
    owner: Organisation,
    team: Iterable[Any] | None = None,
    patents: Iterable[Patent] | None = None,
    **data: Any,
) -> Achievement:
    require_contribute(actor, owner)
    cleaned = _achievement_data(data)
    cleaned.setdefault("transfer_modes", [])
    cleaned["transfer_modes"] = _check_modes(cleaned["transfer_modes"])
    _check_price(cleaned)
    achievement = Achievement(owner=owner, created_by=actor, **cleaned)
    achievement.full_clean(exclude=["search_text", "mode_tags"])
    achievement.save()
    _set_team(achievement, team)
    _set_patents(achievement, patents)
    _refresh_achievement_index(achievement)
    audit.record_create(
        actor=actor, instance=achievement, fields=["owner", *ACHIEVEMENT_FIELDS], organisation=owner
    )
    return achievement


@transaction.atomic
def achievement_update(
    *,
    actor: Any,
    achievement: Achievement,
    team: Iterable[Any] | None = None,
    patents: Iterable[Patent] | None = None,
    **data: Any,
) -> dict[str, list[Any]]:
    require_contribute(actor, achievement.owner)
    achievement = Achievement.objects.select_for_update().get(pk=achievement.pk)
    if achievement.status in (Achievement.Status.TRANSFERRED,):
        raise ValidationError(_("已转化的成果不能再修改。"))
    cleaned = _achievement_data(data)
    merged = {name: getattr(achievement, name) for name in ACHIEVEMENT_FIELDS} | cleaned
    _check_price(merged)
    cleaned.update({k: merged[k] for k in ("price_min", "price_max")})
    changes = audit.model_update(
        actor=actor,
        instance=achievement,
        data=cleaned,
        fields=ACHIEVEMENT_FIELDS,
        organisation=achievement.owner,
    )
    extra: dict[str, Any] = {
        "team": _set_team(achievement, team),
        "patents": _set_patents(achievement, patents),
    }
    extra = {k: v for k, v in extra.items() if v}
    if extra:
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            instance=achievement,
            changes=extra,
            organisation=achievement.owner,
        )
        changes.update(extra)
    if changes:
        _refresh_achievement_index(achievement)
    return changes


@transaction.atomic
def achievement_transition(*, actor: Any, achievement: Achievement, to: str, reason: str = "") -> Achievement:
    require_contribute(actor, achievement.owner)
    achievement = Achievement.objects.select_for_update().get(pk=achievement.pk)
    extra: dict[str, Any] = {}
    if to == Achievement.Status.PUBLISHED and achievement.published_at is None:
        extra["published_at"] = timezone.now()
    if to == Achievement.Status.WITHDRAWN and not reason.strip():
        raise ValidationError({"reason": _("撤回时请说明原因。")})
    workflow.transition(
        actor=actor,
        instance=achievement,
        to=to,
        reason=reason,
        organisation=achievement.owner,
        extra_updates=extra,
    )
    if to == Achievement.Status.PUBLISHED:
        matching_services.listing_published(achievement)
    return achievement


# -- needs ------------------------------------------------------------------------------------
def _need_data(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in NEED_FIELDS}
    if "title" in cleaned:
        cleaned["title"] = (cleaned["title"] or "").strip()
    if "keywords" in cleaned:
        cleaned["keywords"] = clean_keywords(cleaned["keywords"])
    if cleaned.get("budget") is not None and Decimal(cleaned["budget"]) < 0:
        raise ValidationError({"budget": _("资金投入不能为负数。")})
    return cleaned


def _clean_indicators(indicators: Iterable[dict[str, Any]] | None) -> list[dict[str, str]] | None:
    if indicators is None:
        return None
    rows = []
    for row in indicators:
        name = (row.get("name") or "").strip()
        target = str(row.get("target") or "").strip()
        unit = (row.get("unit") or "").strip()
        if not name and not target and not unit:
            continue
        if not name or not target:
            raise ValidationError({"indicators": _("每项核心技术指标都需要名称和目标值。")})
        rows.append({"name": name[:100], "target": target[:60], "unit": unit[:30]})
    if len(rows) > MAX_INDICATORS:
        raise ValidationError({"indicators": _("核心技术指标最多 %(n)d 项。") % {"n": MAX_INDICATORS}})
    return rows


def _set_indicators(need: Need, rows: list[dict[str, str]] | None) -> list[Any] | None:
    if rows is None:
        return None
    before = [f"{i.name} {i.target}{i.unit}" for i in need.indicators.all()]
    after = [f"{r['name']} {r['target']}{r['unit']}" for r in rows]
    if before == after:
        return None
    need.indicators.all().delete()
    NeedIndicator.objects.bulk_create(NeedIndicator(need=need, order=i, **row) for i, row in enumerate(rows))
    return [before, after]


def _refresh_need_index(need: Need) -> None:
    names = list(need.indicators.values_list("name", flat=True))
    need.search_text = need_document(need, indicator_names=names)
    Need.objects.filter(pk=need.pk).update(search_text=need.search_text, updated_at=timezone.now())
    matching_services.listing_changed(need)


@transaction.atomic
def need_create(
    *, actor: Any, owner: Organisation, indicators: Iterable[dict[str, Any]] | None = None, **data: Any
) -> Need:
    require_contribute(actor, owner)
    cleaned = _need_data(data)
    _check_deadline(cleaned.get("deadline"))
    rows = _clean_indicators(indicators)
    need = Need(owner=owner, created_by=actor, **cleaned)
    need.full_clean(exclude=["search_text"])
    need.save()
    _set_indicators(need, rows)
    _refresh_need_index(need)
    audit.record_create(
        actor=actor,
        instance=need,
        fields=["owner", *NEED_FIELDS],
        organisation=owner,
        note=_("核心技术指标 %(n)d 项") % {"n": len(rows or [])},
    )
    return need


@transaction.atomic
def need_update(
    *, actor: Any, need: Need, indicators: Iterable[dict[str, Any]] | None = None, **data: Any
) -> dict[str, list[Any]]:
    require_contribute(actor, need.owner)
    need = Need.objects.select_for_update().get(pk=need.pk)
    if need.status in (Need.Status.SOLVED,):
        raise ValidationError(_("已解决的需求不能再修改。"))
    cleaned = _need_data(data)
    if "deadline" in cleaned:
        _check_deadline(cleaned["deadline"], previous=need.deadline)
    rows = _clean_indicators(indicators)
    changes = audit.model_update(
        actor=actor, instance=need, data=cleaned, fields=NEED_FIELDS, organisation=need.owner
    )
    indicator_change = _set_indicators(need, rows)
    if indicator_change:
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            instance=need,
            changes={"indicators": indicator_change},
            organisation=need.owner,
        )
        changes["indicators"] = indicator_change
    if changes:
        _refresh_need_index(need)
    _route_if_complex(actor, need)
    return changes


def pick_technology_manager() -> Any | None:
    """The technology manager with the fewest open needs in hand, preferring those of
    intermediaries (technology-transfer services); ties go to the longest on the platform."""
    open_states = list(Need.OPEN_STATES)
    managers = User.objects.filter(
        is_active=True,
        memberships__role=Role.TECH_MANAGER,
        memberships__organisation__is_active=True,
    ).annotate(load=Count("managed_needs", filter=Q(managed_needs__status__in=open_states), distinct=True))
    for pool in (managers.filter(memberships__organisation__kind=Organisation.Kind.INTERMEDIARY), managers):
        chosen = pool.order_by("load", "date_joined", "pk").first()
        if chosen is not None:
            return chosen
    return None


def _route_if_complex(actor: Any, need: Need) -> None:
    """Hard needs, once out in the open, go to a technology manager who helps to define and
    match them; the need keeps its manager afterwards."""
    if not need.is_complex or need.manager_id is not None or need.status not in Need.OPEN_STATES:
        return
    manager = pick_technology_manager()
    if manager is None:
        return
    need.manager = manager
    need.save(update_fields=["manager", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        instance=need,
        changes={"manager": [None, str(manager)]},
        organisation=need.owner,
        note=_("复杂需求已分派技术经理人"),
    )


@transaction.atomic
def need_transition(*, actor: Any, need: Need, to: str, reason: str = "") -> Need:
    require_contribute(actor, need.owner)
    need = Need.objects.select_for_update().get(pk=need.pk)
    extra: dict[str, Any] = {}
    if to == Need.Status.PUBLISHED:
        if need.deadline and need.deadline < timezone.localdate():
            raise ValidationError({"deadline": _("研发时限已过，请先修改研发时限再发布。")})
        if need.published_at is None:
            extra["published_at"] = timezone.now()
    if to == Need.Status.CLOSED and not reason.strip():
        raise ValidationError({"reason": _("关闭需求时请说明原因。")})
    workflow.transition(
        actor=actor, instance=need, to=to, reason=reason, organisation=need.owner, extra_updates=extra
    )
    _route_if_complex(actor, need)
    if to == Need.Status.PUBLISHED:
        matching_services.listing_published(need)
    return need


# -- attachments ------------------------------------------------------------------------------
def _store_attachment(*, actor: Any, uploaded: UploadedFile, confidential: bool, **owner: Any) -> Attachment:
    name, content_type = inspect_upload(uploaded, limit=settings.HEBI_MAX_ATTACHMENT_BYTES)
    attachment = Attachment(
        name=name,
        size=uploaded.size or 0,
        content_type=content_type,
        confidential=confidential,
        uploaded_by=actor,
        **owner,
    )
    # Stored under a random name: the original name is kept for display only.
    attachment.file.save(f"{uuid.uuid4().hex}{PurePath(name).suffix.lower()}", uploaded, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_add(
    *, actor: Any, subject: Achievement | Need, uploaded: UploadedFile, confidential: bool = False
) -> Attachment:
    require_contribute(actor, subject.owner)
    key = "achievement" if isinstance(subject, Achievement) else "need"
    attachment = _store_attachment(
        actor=actor, uploaded=uploaded, confidential=confidential, **{key: subject}
    )
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        instance=subject,
        changes={"attachments": [None, attachment.name]},
        organisation=subject.owner,
    )
    return attachment


@transaction.atomic
def attachment_remove(*, actor: Any, attachment: Attachment) -> None:
    subject = attachment.achievement or attachment.need
    assert subject is not None
    require_contribute(actor, subject.owner)
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        instance=subject,
        changes={"attachments": [attachment.name, None]},
        organisation=subject.owner,
    )
    stored = attachment.file
    attachment.delete()
    transaction.on_commit(lambda: stored.delete(save=False))


# -- confidential access ---------------------------------------------------------------------------
def _subject_kwargs(subject: Achievement | Need) -> dict[str, Any]:
    return {"achievement": subject} if isinstance(subject, Achievement) else {"need": subject}


@transaction.atomic
def access_request(
    *, actor: Any, subject: Achievement | Need, organisation: Organisation, accepted: bool, purpose: str = ""
) -> AccessGrant:
    if not can_contribute(actor, organisation) or organisation.pk not in roles_by_org(actor):
        # Signing for an organisation binds it: only its own contributors may do so.
        raise PermissionDenied(_("只能由本机构的管理员、工作人员、科研人员或技术经理人代表本机构申请。"))
    if subject.visibility != Visibility.CONFIDENTIAL:
        raise ValidationError(_("该记录不是保密记录，无需申请。"))
    if organisation.pk == subject.owner_id:
        raise ValidationError(_("本机构的记录无需申请。"))
    if not accepted:
        raise ValidationError({"accepted": _("请阅读并接受保密承诺。")})
    open_grant = AccessGrant.objects.filter(
        organisation=organisation,
        status__in=[AccessGrant.Status.REQUESTED, AccessGrant.Status.GRANTED],
        **_subject_kwargs(subject),
    ).first()
    if open_grant is not None:
        raise ValidationError(
            _("本机构已提交过申请（%(status)s），无需重复申请。")
            % {"status": open_grant.get_status_display()}
        )
    try:
        with transaction.atomic():
            grant = AccessGrant.objects.create(
                organisation=organisation,
                requested_by=actor,
                undertaking=str(CONFIDENTIALITY_UNDERTAKING),
                undertaking_accepted_at=timezone.now(),
                purpose=purpose.strip()[:500],
                **_subject_kwargs(subject),
            )
    except IntegrityError as error:
        # A concurrent request from the same organisation got there first.
        raise ValidationError(_("本机构已提交过申请，无需重复申请。")) from error
    audit.record_create(
        actor=actor,
        instance=grant,
        fields=["organisation", "status", "purpose"],
        organisation=subject.owner,
        note=_("签署保密承诺并申请查看保密信息"),
    )
    return grant


@transaction.atomic
def access_decide(*, actor: Any, grant: AccessGrant, decision: str) -> AccessGrant:
    grant = AccessGrant.objects.select_for_update().get(pk=grant.pk)
    subject = grant.achievement or grant.need
    assert subject is not None
    require_contribute(actor, subject.owner)
    allowed: dict[str, set[str]] = {
        AccessGrant.Status.REQUESTED: {AccessGrant.Status.GRANTED, AccessGrant.Status.REFUSED},
        AccessGrant.Status.GRANTED: {AccessGrant.Status.REVOKED},
    }
    if decision not in allowed.get(grant.status, set()):
        raise ValidationError(_("该申请当前状态下不能执行此操作。"))
    before = grant.status
    grant.status = decision
    grant.decided_by = actor
    grant.decided_at = timezone.now()
    grant.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        actor=actor,
        action=AuditLog.Action.GRANT if decision == AccessGrant.Status.GRANTED else AuditLog.Action.REVOKE,
        instance=grant,
        changes={"status": [before, decision]},
        organisation=subject.owner,
    )
    return grant
