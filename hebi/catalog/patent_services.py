"""Writes to patents: registration, editing, the 存量专利盘活 stages, enterprise feedback and the
value score. Each is atomic and audited; bulk import lives in the imports package."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.catalog import patents as rules
from hebi.catalog.models import Patent, PatentFeedback, PatentValueIndicator
from hebi.catalog.search.documents import patent_document
from hebi.catalog.search.text import Lexicon
from hebi.catalog.workflow import transition
from hebi.core import audit
from hebi.core.models import AuditLog
from hebi.core.permissions import CONTRIBUTOR_ROLES, can_contribute, is_member
from hebi.orgs.models import Organisation

# Who may register, edit, import and move an organisation's patents.
PATENT_EDITOR_ROLES = CONTRIBUTOR_ROLES

PATENT_FIELDS = [
    "application_number",
    "publication_number",
    "title",
    "abstract",
    "kind",
    "ipc_codes",
    "applicants",
    "inventors",
    "legal_status",
    "application_date",
    "publication_date",
    "grant_date",
    "claims_count",
]
DATE_FIELDS = ("application_date", "publication_date", "grant_date")
SCORE_FIELDS = ["score_legal", "score_technical", "score_economic", "score_total", "score_parts"]
FEEDBACK_STAGES = (Patent.Stage.EVALUATION, Patent.Stage.PROMOTION)


# -- permissions ---------------------------------------------------------------------------------
def can_edit_patents(user: Any, organisation: Organisation) -> bool:
    return can_contribute(user, organisation)


def require_edit_patents(user: Any, organisation: Organisation) -> None:
    if not can_edit_patents(user, organisation):
        raise PermissionDenied(
            _("只有本机构的管理员、工作人员、科研人员、技术经理人或平台管理员可以管理其专利。")
        )


# -- cleaning shared with the importer -----------------------------------------------------------
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def plain_text(value: Any) -> str:
    """Text as typed, trimmed, without control characters (PostgreSQL refuses NUL). HTML stays
    text: templates escape it on output."""
    return str(value if value is not None else "").translate(_CONTROL).strip()


def split_list(value: Any, separators: str) -> list[str]:
    """A list of names or codes from a list or from text split on any of `separators`."""
    if value is None:
        return []
    items: Iterable[Any] = value if isinstance(value, list | tuple) else [value]
    out: list[str] = []
    for item in items:
        text = plain_text(item)
        for sep in separators:
            text = text.replace(sep, "\n")
        for piece in text.split("\n"):
            piece = " ".join(piece.split())
            if piece and piece not in out:
                out.append(piece)
    return out


# Company names may contain commas; people's names never do.
APPLICANT_SEPARATORS = ";；\n"
INVENTOR_SEPARATORS = ";；,，、\n"


def date_errors(
    application_date: datetime.date | None,
    publication_date: datetime.date | None,
    grant_date: datetime.date | None,
    today: datetime.date | None = None,
) -> dict[str, str]:
    """Dates that contradict each other or the calendar, as {field: message}."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if application_date and application_date > today:
        errors["application_date"] = _("申请日不能晚于今天。")
    if application_date and application_date < datetime.date(1985, 4, 1):
        errors["application_date"] = _("申请日不能早于 1985 年 4 月 1 日（专利法施行日）。")
    if application_date and publication_date and publication_date < application_date:
        errors["publication_date"] = _("公开日不能早于申请日。")
    if application_date and grant_date and grant_date < application_date:
        errors["grant_date"] = _("授权日不能早于申请日。")
    return errors


def clean_patent_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise what a form or API sent: the number's canonical form and the kind it implies."""
    cleaned = {k: v for k, v in data.items() if k in PATENT_FIELDS}
    errors: dict[str, str] = {}
    if "application_number" in cleaned:
        try:
            number = rules.parse_application_number(cleaned["application_number"])
        except rules.ApplicationNumberError as error:
            errors["application_number"] = str(error)
        else:
            cleaned["application_number"] = number.canonical
            cleaned["kind"] = number.kind
    if "publication_number" in cleaned:
        try:
            cleaned["publication_number"] = rules.normalise_publication_number(cleaned["publication_number"])
        except rules.ApplicationNumberError as error:
            errors["publication_number"] = str(error)
    for key in ("title", "abstract"):
        if key in cleaned:
            cleaned[key] = plain_text(cleaned[key])
    if "ipc_codes" in cleaned:
        cleaned["ipc_codes"] = rules.split_ipc(cleaned["ipc_codes"])
        bad = [c for c in cleaned["ipc_codes"] if not rules.is_ipc_code(c)]
        if bad:
            errors["ipc_codes"] = _("IPC 分类号格式不正确：%(codes)s（应如 B60L58/12）。") % {
                "codes": "、".join(bad[:5])
            }
    if "applicants" in cleaned:
        cleaned["applicants"] = split_list(cleaned["applicants"], APPLICANT_SEPARATORS)
    if "inventors" in cleaned:
        cleaned["inventors"] = split_list(cleaned["inventors"], INVENTOR_SEPARATORS)
    if errors:
        raise ValidationError(errors)
    return cleaned


def search_text_for(patent: Patent, lexicon: Lexicon | None = None) -> str:
    """lexicon: the search dictionary, when the caller indexes many patents at once."""
    return patent_document(patent, lexicon=lexicon)


def _check_dates(patent: Patent) -> None:
    errors = date_errors(patent.application_date, patent.publication_date, patent.grant_date)
    if errors:
        raise ValidationError(errors)


def _check_number_free(number: str, exclude_pk: int | None = None) -> None:
    others = Patent.objects.filter(application_number=number).select_related("owner")
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    clash = others.first()
    if clash is not None:
        raise ValidationError(
            {
                "application_number": _("申请号 %(number)s 已由 %(owner)s 登记。")
                % {"number": number, "owner": clash.owner}
            }
        )


# -- registration and editing ---------------------------------------------------------------------
@transaction.atomic
def patent_create(*, actor: Any, organisation: Organisation, **data: Any) -> Patent:
    require_edit_patents(actor, organisation)
    cleaned = clean_patent_data(data)
    patent = Patent(owner=organisation, **cleaned)
    if patent.application_number:
        _check_number_free(patent.application_number)
    patent.full_clean()
    _check_dates(patent)
    patent.search_text = search_text_for(patent)
    patent.save()
    audit.record_create(actor=actor, instance=patent, fields=PATENT_FIELDS, organisation=organisation)
    patent_rescore(patent)
    return patent


@transaction.atomic
def patent_update(*, actor: Any, patent: Patent, **data: Any) -> dict[str, list[Any]]:
    """Change a patent's recorded facts; the owner stays the same. Returns the changes."""
    require_edit_patents(actor, patent.owner)
    patent = Patent.objects.select_for_update().select_related("owner").get(pk=patent.pk)
    cleaned = clean_patent_data(data)
    if cleaned.get("application_number") not in (None, patent.application_number):
        _check_number_free(cleaned["application_number"], exclude_pk=patent.pk)
    dates = {name: cleaned.get(name, getattr(patent, name)) for name in DATE_FIELDS}
    errors = date_errors(dates["application_date"], dates["publication_date"], dates["grant_date"])
    if errors:
        raise ValidationError(errors)
    changes = audit.model_update(
        actor=actor, instance=patent, data=cleaned, fields=PATENT_FIELDS, organisation=patent.owner
    )
    if changes:
        Patent.objects.filter(pk=patent.pk).update(search_text=search_text_for(patent))
        patent_rescore(patent, actor=actor)
    return changes


# -- the 存量专利盘活 stages -------------------------------------------------------------------------
@transaction.atomic
def patent_transition(
    *, actor: Any, patent: Patent, to: str, reason: str = "", tier: str | None = None
) -> Patent:
    """盘点 → 筛选入库 → 市场评价 → 分层推广 → 转化. Promotion needs a tier (A/B/C)."""
    require_edit_patents(actor, patent.owner)
    patent = Patent.objects.select_for_update().select_related("owner").get(pk=patent.pk)
    extra: dict[str, Any] = {}
    if to == Patent.Stage.PROMOTION:
        if tier not in Patent.Tier.values:
            raise ValidationError({"tier": _("进入分层推广需要选择推广层级（A、B 或 C 类）。")})
        extra["tier"] = tier
    elif patent.stage == Patent.Stage.PROMOTION and to == Patent.Stage.EVALUATION:
        extra["tier"] = ""
    transition(
        actor=actor,
        instance=patent,
        to=to,
        reason=(reason or "").strip(),
        field="stage",
        organisation=patent.owner,
        extra_updates=extra,
    )
    if to == Patent.Stage.POOLED:
        # Screened into the pool: the patent now takes part in matching.
        from hebi.matching import services as matching_services

        matching_services.listing_changed(patent)
    return patent


# -- enterprise feedback (市场评价) ------------------------------------------------------------------
@transaction.atomic
def patent_feedback_record(
    *, actor: Any, organisation: Organisation, patent: Patent, interest: str, comment: str = ""
) -> PatentFeedback:
    """An enterprise says whether a patent interests it; a second answer replaces the first."""
    if organisation.kind != Organisation.Kind.ENTERPRISE:
        raise PermissionDenied(_("只有企业可以提交市场评价反馈。"))
    if not is_member(actor, organisation):
        raise PermissionDenied(_("只能以本人所在企业的名义反馈。"))
    patent = Patent.objects.select_for_update().select_related("owner").get(pk=patent.pk)
    if patent.stage not in FEEDBACK_STAGES:
        raise ValidationError(
            _("该专利当前处于“%(stage)s”阶段，尚未开放企业评价。") % {"stage": patent.get_stage_display()}
        )
    if patent.owner_id == organisation.pk:
        raise ValidationError(_("不能评价本机构自己的专利。"))
    if interest not in PatentFeedback.Interest.values:
        raise ValidationError({"interest": _("请选择意向。")})
    comment = (comment or "").strip()
    feedback = PatentFeedback.objects.filter(patent=patent, organisation=organisation).first()
    if feedback is None:
        feedback = PatentFeedback(
            patent=patent, organisation=organisation, author=actor, interest=interest, comment=comment
        )
        feedback.full_clean()
        feedback.save()
        audit.record_create(
            actor=actor,
            instance=feedback,
            fields=["patent", "organisation", "interest", "comment"],
            organisation=organisation,
        )
    else:
        audit.model_update(
            actor=actor,
            instance=feedback,
            data={"interest": interest, "comment": comment, "author": actor},
            fields=["interest", "comment", "author"],
            organisation=organisation,
        )
    patent_rescore(patent, actor=actor)
    return feedback


# -- value score -----------------------------------------------------------------------------------
def indicator_specs() -> list[rules.IndicatorSpec]:
    return [
        rules.IndicatorSpec(
            code=i.code,
            dimension=i.dimension,
            name=str(i),
            rule=i.rule,
            weight=i.weight,
            is_active=i.is_active,
        )
        for i in PatentValueIndicator.objects.all()
    ]


def _facts_for(patents: list[Patent]) -> list[rules.PatentFacts]:
    """Recorded facts of many patents in three queries: feedback counts, linked results' TRL and
    the owners' regions. A patent not saved yet has neither feedback nor linked results."""
    from hebi.catalog.models import Achievement

    ids = [p.pk for p in patents if p.pk is not None]
    feedback: dict[int, dict[str, int]] = {}
    trls: dict[int, list[int]] = {}
    if ids:
        for row in (
            PatentFeedback.objects.filter(patent_id__in=ids)
            .values("patent_id", "interest")
            .annotate(n=Count("id"))
            .order_by()
        ):
            feedback.setdefault(row["patent_id"], {})[row["interest"]] = row["n"]
        for patent_id, trl in Achievement.patents.through.objects.filter(patent_id__in=ids).values_list(
            "patent_id", "achievement__trl"
        ):
            trls.setdefault(patent_id, []).append(trl)
    owners = dict(
        Organisation.objects.filter(pk__in={p.owner_id for p in patents}).values_list("pk", "region_id")
    )
    return [
        rules.PatentFacts(
            kind=p.kind or None,
            legal_status=p.legal_status or None,
            application_date=p.application_date,
            claims_count=p.claims_count,
            ipc_codes=tuple(p.ipc_codes or ()),
            linked_trls=tuple(trls.get(p.pk, ())) if p.pk is not None else (),
            feedback=feedback.get(p.pk, {}) if p.pk is not None else {},
            owner_region_code=owners.get(p.owner_id),
        )
        for p in patents
    ]


def _apply_score(patent: Patent, score: rules.PatentScore) -> None:
    patent.score_legal = score.legal
    patent.score_technical = score.technical
    patent.score_economic = score.economic
    patent.score_total = score.total
    patent.score_parts = score.parts_as_json()


def patents_score(
    patents: list[Patent], *, today: datetime.date | None = None, batch_size: int = 500
) -> None:
    """Set the score fields of many patents, saved or about to be (bulk import), without saving.
    The facts are audited, not the score: it is derived from them and shows its parts."""
    today = today or timezone.localdate()
    specs = indicator_specs()
    for start in range(0, len(patents), batch_size):
        batch = patents[start : start + batch_size]
        for patent, facts in zip(batch, _facts_for(batch), strict=True):
            _apply_score(patent, rules.score_patent(facts, specs, today))


@transaction.atomic
def patent_rescore(
    patent: Patent, *, actor: Any = None, today: datetime.date | None = None
) -> rules.PatentScore:
    """Recompute a patent's value score from its recorded facts and store it with its parts.

    A change of the total is audited (by the actor who caused it, or the system)."""
    today = today or timezone.localdate()
    stored = Patent.objects.select_for_update().get(pk=patent.pk)
    before = stored.score_total
    score = rules.score_patent(_facts_for([stored])[0], indicator_specs(), today)
    _apply_score(stored, score)
    stored.save(update_fields=SCORE_FIELDS)
    _apply_score(patent, score)  # the caller's copy shows the new score too
    if before is not None and before != score.total:
        audit.record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            instance=stored,
            changes={"score_total": [audit._plain(before), audit._plain(score.total)]},
            organisation=stored.owner,
            note=_("重新计算价值分"),
        )
    return score
