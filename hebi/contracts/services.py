"""Writes to technology contracts and their registration (认定登记).

Each function is atomic and audited; bad input raises ValidationError (by field where there is
one) in the user's language and writes nothing. A submitted version never changes: corrections
are new versions (`contract_amend`).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hebi.catalog import workflow
from hebi.contracts import rules
from hebi.contracts.models import (
    ContractCategory,
    ContractParty,
    ContractVersion,
    RefusalReason,
    TechContract,
)
from hebi.contracts.permissions import require_edit, require_review
from hebi.core import audit
from hebi.core.models import AuditLog
from hebi.core.uploads import inspect_upload
from hebi.orgs.models import Organisation, Region

CONTENT_FIELDS = (
    "title",
    "category",
    "licence_scope",
    "subject",
    "total_amount",
    "tech_amount",
    "non_tech_items",
    "signed_on",
    "term_start",
    "term_end",
)
# The signed contract: a scan (PDF or image) or the Word file.
SIGNED_FILE_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)


# -- validation -----------------------------------------------------------------------------------
def _party_facts(parties: Sequence[Mapping[str, Any]]) -> list[rules.PartyFacts]:
    facts = []
    for party in parties:
        region = party.get("region")
        code = region.code if isinstance(region, Region) else str(region or "")
        name = str(region) if isinstance(region, Region) else ""
        facts.append(
            rules.PartyFacts(
                role=str(party.get("role") or ""),
                name=str(party.get("name") or "").strip(),
                uscc=str(party.get("uscc") or ""),
                region_code=code,
                region_name=name,
            )
        )
    return facts


def _clean_content(data: Mapping[str, Any], parties: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The content fields, checked together; ValidationError naming every problem at once."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {name: data.get(name) for name in CONTENT_FIELDS}
    cleaned["title"] = str(cleaned["title"] or "").strip()
    cleaned["subject"] = str(cleaned["subject"] or "").strip()
    cleaned["licence_scope"] = cleaned["licence_scope"] or ""
    cleaned["non_tech_items"] = [
        {"name": str(item.get("name") or "").strip(), "amount": str(rules.money(item.get("amount")) or "")}
        for item in (cleaned["non_tech_items"] or [])
        if str(item.get("name") or "").strip() or item.get("amount") not in (None, "")
    ]
    if not cleaned["title"]:
        errors["title"] = [_("请填写合同名称。")]
    if not cleaned["subject"]:
        errors["subject"] = [_("请写明合同标的与主要内容。")]
    category = cleaned["category"]
    if not isinstance(category, ContractCategory) or category.parent_id is None or not category.is_active:
        errors["category"] = [_("请选择合同类型（具体到子类）。")]
    elif category.is_licence and not cleaned["licence_scope"]:
        errors["licence_scope"] = [_("技术许可合同需选择许可方式：独占、排他或普通许可。")]
    elif not category.is_licence and cleaned["licence_scope"]:
        errors["licence_scope"] = [_("只有技术许可合同才填写许可方式。")]
    total, tech = rules.money(cleaned["total_amount"]), rules.money(cleaned["tech_amount"])
    for name, message in rules.check_amounts(total, tech, cleaned["non_tech_items"]).items():
        errors.setdefault(name, []).append(message)
    cleaned["total_amount"], cleaned["tech_amount"] = total, tech
    for name, message in rules.check_dates(
        cleaned["signed_on"], cleaned["term_start"], cleaned["term_end"], timezone.localdate()
    ).items():
        errors.setdefault(name, []).append(message)
    problems = rules.check_parties(_party_facts(parties))
    if problems:
        errors["parties"] = problems
    if errors:
        raise ValidationError(errors)
    return cleaned


def _region(value: Any) -> Region:
    if isinstance(value, Region):
        return value
    region = Region.objects.filter(code=str(value or "")).first()
    if region is None:
        raise ValidationError({"parties": [_("区划代码 %(code)s 不存在。") % {"code": value}]})
    return region


def _write_parties(version: ContractVersion, parties: Sequence[Mapping[str, Any]]) -> None:
    version.parties.all().delete()
    for party in parties:
        ContractParty.objects.create(
            version=version,
            role=party["role"],
            name=str(party["name"]).strip(),
            uscc=str(party["uscc"]).strip().upper(),
            region=_region(party.get("region")),
            organisation=party.get("organisation"),
            contact=str(party.get("contact") or "").strip()[:100],
        )
    local, basis = rules.local_conversion(
        [
            rules.PartyFacts(p.role, p.name, p.uscc, p.region_id, str(p.region))
            for p in version.parties.select_related("region")
        ],
        settings.HEBI_LOCAL_REGION,
    )
    version.is_local, version.local_basis = local, basis[:300]
    version.save(update_fields=["is_local", "local_basis", "updated_at"])


def check_signed_file(uploaded: UploadedFile) -> tuple[str, str]:
    """(name, content type) of an acceptable signed contract; ValidationError on `signed_file`."""
    try:
        return inspect_upload(uploaded, limit=settings.HEBI_MAX_ATTACHMENT_BYTES, accept=SIGNED_FILE_TYPES)
    except ValidationError as error:
        raise ValidationError({"signed_file": error.messages}) from error


def _store_signed_file(version: ContractVersion, uploaded: UploadedFile) -> None:
    name, content_type = check_signed_file(uploaded)
    version.signed_file.save(f"{uuid.uuid4().hex}{PurePath(name).suffix.lower()}", uploaded, save=False)
    version.signed_file_name, version.signed_file_type = name, content_type
    version.save(update_fields=["signed_file", "signed_file_name", "signed_file_type", "updated_at"])


def _buyer_org(parties: Sequence[Mapping[str, Any]]) -> Organisation | None:
    """The first buyer that has an account on the platform, so that its members see the contract."""
    for party in parties:
        organisation = party.get("organisation")
        if party.get("role") == ContractParty.Role.BUYER and isinstance(organisation, Organisation):
            return organisation
    return None


def _check_links(seller: Organisation, achievements: Iterable[Any], patents: Iterable[Any]) -> None:
    foreign = [a for a in achievements if a.owner_id != seller.pk]
    if foreign:
        raise ValidationError({"achievements": [_("只能关联卖方本单位的科技成果。")]})
    del patents  # any patent in the registry may be the subject (it can belong to a co-owner)


# -- create, edit ---------------------------------------------------------------------------------
@transaction.atomic
def contract_create(
    *,
    actor: Any,
    seller: Organisation,
    data: Mapping[str, Any],
    parties: Sequence[Mapping[str, Any]],
    achievements: Iterable[Any] = (),
    patents: Iterable[Any] = (),
    signed_file: UploadedFile | None = None,
    buyer_org: Organisation | None = None,
    project: Any = None,
) -> TechContract:
    require_edit(actor, seller)
    cleaned = _clean_content(data, parties)
    achievements, patents = list(achievements), list(patents)
    _check_links(seller, achievements, patents)
    if signed_file is not None:
        check_signed_file(signed_file)
    contract = TechContract.objects.create(
        seller=seller, buyer_org=buyer_org or _buyer_org(parties), project=project, created_by=actor
    )
    version = ContractVersion.objects.create(contract=contract, number=1, created_by=actor, **cleaned)
    version.achievements.set(achievements)
    version.patents.set(patents)
    _write_parties(version, parties)
    if signed_file is not None:
        _store_signed_file(version, signed_file)
    contract.latest = version
    contract.save(update_fields=["latest", "updated_at"])
    audit.record_create(actor=actor, instance=contract, fields=["seller", "buyer_org"], organisation=seller)
    audit.record_create(actor=actor, instance=version, fields=CONTENT_FIELDS, organisation=seller)
    return contract


def _editable_draft(contract: TechContract) -> ContractVersion:
    version = contract.latest
    assert version is not None
    if not version.is_editable:
        if version.status == ContractVersion.Status.REGISTERED:
            message = _("已登记的合同不能修改；如需更正，请提交修订版本，原登记版本将完整保留。")
        elif version.status == ContractVersion.Status.SUBMITTED:
            message = _("合同正在审核中，不能修改。")
        else:
            message = _("该版本已提交，不能修改；请基于它创建新版本后再改。")
        raise ValidationError(message, code="locked")
    return version


@transaction.atomic
def contract_update(
    *,
    actor: Any,
    contract: TechContract,
    data: Mapping[str, Any],
    parties: Sequence[Mapping[str, Any]],
    achievements: Iterable[Any] = (),
    patents: Iterable[Any] = (),
    signed_file: UploadedFile | None = None,
    buyer_org: Organisation | None = None,
) -> ContractVersion:
    """Change the draft version. Anything already submitted answers with a clear refusal."""
    require_edit(actor, contract.seller)
    contract = TechContract.objects.select_for_update().get(pk=contract.pk)
    version = _editable_draft(contract)
    cleaned = _clean_content(data, parties)
    achievements, patents = list(achievements), list(patents)
    _check_links(contract.seller, achievements, patents)
    if version.number > 1 and not str(data.get("change_note") or "").strip():
        raise ValidationError({"change_note": [_("修订版本请填写修改说明。")]})
    if signed_file is not None:
        check_signed_file(signed_file)
    buyer_org = buyer_org or _buyer_org(parties)
    cleaned["change_note"] = str(data.get("change_note") or version.change_note).strip()[:500]
    audit.model_update(
        actor=actor, instance=version, data=cleaned, fields=cleaned.keys(), organisation=contract.seller
    )
    version.achievements.set(achievements)
    version.patents.set(patents)
    _write_parties(version, parties)
    if signed_file is not None:
        _store_signed_file(version, signed_file)
    # While a registered version is in force, who may read the contract follows that version:
    # a draft amendment changes the buyer only once it is registered (contract_register).
    if contract.in_force_id is None and buyer_org != contract.buyer_org:
        audit.model_update(
            actor=actor,
            instance=contract,
            data={"buyer_org": buyer_org},
            fields=["buyer_org"],
            organisation=contract.seller,
        )
    return version


@transaction.atomic
def contract_amend(*, actor: Any, contract: TechContract, change_note: str) -> ContractVersion:
    """A new draft version copied from the latest one: after a refusal, or to correct a
    registered contract. Earlier versions stay as they were."""
    require_edit(actor, contract.seller)
    contract = TechContract.objects.select_for_update().get(pk=contract.pk)
    latest = contract.latest
    assert latest is not None
    if latest.status == ContractVersion.Status.DRAFT:
        raise ValidationError(_("已有一个未提交的版本，请直接修改它。"), code="draft_exists")
    if latest.status == ContractVersion.Status.SUBMITTED:
        raise ValidationError(_("合同正在审核中，审核结束后才能修订。"), code="in_review")
    if not change_note.strip():
        raise ValidationError({"change_note": [_("请填写修改说明：改了什么，为什么改。")]})
    copy = ContractVersion.objects.create(
        contract=contract,
        number=latest.number + 1,
        change_note=change_note.strip()[:500],
        created_by=actor,
        signed_file=latest.signed_file.name,
        signed_file_name=latest.signed_file_name,
        signed_file_type=latest.signed_file_type,
        is_local=latest.is_local,
        local_basis=latest.local_basis,
        **{name: getattr(latest, name) for name in CONTENT_FIELDS},
    )
    copy.achievements.set(latest.achievements.all())
    copy.patents.set(latest.patents.all())
    for party in latest.parties.all():
        party.pk = None
        party.version = copy
        party.save()
    contract.latest = copy
    contract.save(update_fields=["latest", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        instance=contract,
        changes={"version": [latest.number, copy.number]},
        organisation=contract.seller,
        note=change_note,
    )
    return copy


# -- submission and review --------------------------------------------------------------------------
def _duplicate_of(version: ContractVersion) -> TechContract | None:
    """Another contract of the same seller already submitted or registered with the same name,
    signing date and buyers: the same contract submitted twice."""
    buyers = set(version.parties.filter(role=ContractParty.Role.BUYER).values_list("uscc", flat=True))
    candidates = (
        ContractVersion.objects.filter(
            contract__seller=version.contract.seller,
            title=version.title,
            signed_on=version.signed_on,
            status__in=[ContractVersion.Status.SUBMITTED, ContractVersion.Status.REGISTERED],
        )
        .exclude(contract=version.contract)
        .select_related("contract")
    )
    for other in candidates:
        theirs = set(other.parties.filter(role=ContractParty.Role.BUYER).values_list("uscc", flat=True))
        if theirs == buyers:
            return other.contract
    return None


@transaction.atomic
def contract_submit(*, actor: Any, contract: TechContract) -> ContractVersion:
    """The seller submits the latest version for registration; the registry has 30 days."""
    require_edit(actor, contract.seller)
    contract = TechContract.objects.select_for_update().get(pk=contract.pk)
    version = contract.latest
    assert version is not None
    if version.status == ContractVersion.Status.SUBMITTED:
        raise ValidationError(_("该合同已提交，正在审核中，不能重复提交。"), code="duplicate")
    if version.status != ContractVersion.Status.DRAFT:
        raise ValidationError(_("该版本已审核完毕，不能再次提交；如需更正，请创建修订版本。"), code="decided")
    if not version.signed_file:
        raise ValidationError({"signed_file": [_("提交登记前请上传签字盖章的合同文本。")]})
    if version.number > 1 and not version.change_note.strip():
        raise ValidationError({"change_note": [_("修订版本请填写修改说明。")]})
    duplicate = _duplicate_of(version)
    if duplicate is not None:
        raise ValidationError(
            _("同一合同已提交登记（合同编号 %(pk)s，%(status)s），不能重复提交。")
            % {"pk": duplicate.pk, "status": duplicate.get_status_display()},
            code="duplicate",
        )
    now = timezone.now()
    workflow.transition(
        actor=actor,
        instance=version,
        to=ContractVersion.Status.SUBMITTED,
        organisation=contract.seller,
        extra_updates={
            "submitted_at": now,
            "submitted_by": actor,
            "due_on": timezone.localdate(now) + datetime.timedelta(days=ContractVersion.REVIEW_DAYS),
        },
    )
    if contract.in_force_id is None:
        contract.status = TechContract.Status.SUBMITTED
        contract.save(update_fields=["status", "updated_at"])
    _notify_registry(contract, version)
    return version


def _review_target(contract: TechContract) -> ContractVersion:
    version = contract.latest
    assert version is not None
    if version.status != ContractVersion.Status.SUBMITTED:
        raise ValidationError(_("该合同当前没有待审核的版本。"), code="not_submitted")
    return version


def next_registration_number(year: int) -> str:
    """登记编号: year, the registry's region code and a sequence number within the year."""
    region = settings.HEBI_LOCAL_REGION.ljust(6, "0")
    prefix = f"{year}{region}"
    last = (
        TechContract.objects.select_for_update()
        .filter(registration_number__startswith=prefix)
        .order_by("-registration_number")
        .values_list("registration_number", flat=True)
        .first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:06d}"


@transaction.atomic
def contract_register(*, actor: Any, contract: TechContract, comment: str = "") -> ContractVersion:
    """The registry officer registers the submitted version; it becomes the version in force."""
    require_review(actor)
    contract = TechContract.objects.select_for_update().get(pk=contract.pk)
    version = _review_target(contract)
    now = timezone.now()
    previous = contract.in_force
    workflow.transition(
        actor=actor,
        instance=version,
        to=ContractVersion.Status.REGISTERED,
        reason=comment,
        extra_updates={"decided_at": now, "decided_by": actor, "decision_comment": comment.strip()[:1000]},
    )
    if previous is not None:
        workflow.transition(
            actor=actor,
            instance=previous,
            to=ContractVersion.Status.SUPERSEDED,
            reason=_("被第 %(n)d 版修订取代") % {"n": version.number},
        )
    updates: dict[str, Any] = {"status": TechContract.Status.REGISTERED, "in_force": version}
    registered_buyer = next(
        (
            p.organisation
            for p in version.parties.all()
            if p.role == ContractParty.Role.BUYER and p.organisation
        ),
        None,
    )
    if registered_buyer is not None and registered_buyer != contract.buyer_org:
        updates["buyer_org"] = registered_buyer
    if not contract.registration_number:
        updates["registration_number"] = next_registration_number(timezone.localdate(now).year)
        updates["registered_at"] = now
    for name, value in updates.items():
        setattr(contract, name, value)
    try:
        with transaction.atomic():
            contract.save(update_fields=[*updates.keys(), "updated_at"])
    except IntegrityError as error:
        # Two officers registering at the same instant drew the same number: the later one
        # writes nothing and is asked to try again (the number is drawn afresh).
        raise ValidationError(_("登记编号已被同时办理的另一份合同占用，请重新点击“予以登记”。")) from error
    audit.record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        instance=contract,
        changes={
            "registration_number": [None, contract.registration_number],
            "version": [None, version.number],
        },
    )
    _notify_seller(
        contract,
        key=f"contract:{contract.pk}:v{version.number}:registered",
        title=_("技术合同已登记：%(title)s") % {"title": version.title},
        body=_("登记编号 %(number)s。") % {"number": contract.registration_number},
    )
    return version


@transaction.atomic
def contract_refuse(
    *, actor: Any, contract: TechContract, reasons: Sequence[RefusalReason], comment: str = ""
) -> ContractVersion:
    """未予登记, with at least one reason from the official list (and a comment for 其他)."""
    require_review(actor)
    reasons = [reason for reason in reasons if reason.is_active]
    if not reasons:
        raise ValidationError({"reasons": [_("请至少选择一条不予登记的理由。")]})
    if any(reason.code == "other" for reason in reasons) and not comment.strip():
        raise ValidationError({"comment": [_("选择“其他”时请在审核意见中写明理由。")]})
    contract = TechContract.objects.select_for_update().get(pk=contract.pk)
    version = _review_target(contract)
    text = "；".join(str(reason) for reason in reasons)
    workflow.transition(
        actor=actor,
        instance=version,
        to=ContractVersion.Status.REFUSED,
        reason=f"{text}。{comment.strip()}" if comment.strip() else text,
        extra_updates={
            "decided_at": timezone.now(),
            "decided_by": actor,
            "decision_comment": comment.strip()[:1000],
        },
    )
    version.refusal_reasons.set(reasons)
    if contract.in_force_id is None:
        contract.status = TechContract.Status.REFUSED
        contract.save(update_fields=["status", "updated_at"])
    _notify_seller(
        contract,
        key=f"contract:{contract.pk}:v{version.number}:refused",
        title=_("技术合同未予登记：%(title)s") % {"title": version.title},
        body=_("理由：%(reasons)s。可修改后重新提交。") % {"reasons": text},
    )
    return version


# -- notifications ----------------------------------------------------------------------------------
def _notify_registry(contract: TechContract, version: ContractVersion) -> None:
    from django.contrib.auth import get_user_model

    from hebi.core.roles import Role
    from hebi.matching.services import notify

    officers = (
        get_user_model().objects.filter(Q(memberships__role=Role.REGISTRY_OFFICER), is_active=True).distinct()
    )
    url = reverse("contracts:detail", args=[contract.pk])
    transaction.on_commit(
        lambda: notify(
            recipients=list(officers),
            key=f"contract:{contract.pk}:v{version.number}:submitted",
            title=_("新的技术合同待登记：%(title)s") % {"title": version.title},
            body=_("审核期限 %(due)s。") % {"due": version.due_on},
            url=url,
        )
    )


def _notify_seller(contract: TechContract, *, key: str, title: str, body: str) -> None:
    from django.contrib.auth import get_user_model

    from hebi.core.permissions import CONTRIBUTOR_ROLES
    from hebi.matching.services import notify

    people = (
        get_user_model()
        .objects.filter(
            memberships__organisation=contract.seller, memberships__role__in=CONTRIBUTOR_ROLES, is_active=True
        )
        .distinct()
    )
    url = reverse("contracts:detail", args=[contract.pk])
    transaction.on_commit(lambda: notify(recipients=list(people), key=key, title=title, body=body, url=url))
