"""Writes to people and invitations. Each is atomic and audited; mail goes out after commit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hebi.accounts.models import Invitation
from hebi.core import audit
from hebi.core.models import AuditLog
from hebi.orgs.models import Membership, Organisation
from hebi.orgs.services import check_role_grant

User = get_user_model()
PROFILE_FIELDS = ["display_name", "title", "phone", "email", "language"]


@transaction.atomic
def invitation_create(
    *, actor: Any, organisation: Organisation, email: str, role: str, base_url: str = ""
) -> Invitation:
    check_role_grant(actor, organisation, role)
    email = User.objects.normalize_email(email.strip()).lower()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email, role=role).exists():
        raise ValidationError({"email": _("该邮箱对应的人员已在本机构拥有此角色。")})
    pending = Invitation.objects.filter(
        organisation=organisation,
        email__iexact=email,
        role=role,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if pending.exists():
        raise ValidationError({"email": _("已向该邮箱发出相同角色的邀请，尚未接受。")})
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    audit.record(
        actor=actor,
        action=AuditLog.Action.INVITE,
        instance=invitation,
        changes={"email": [None, email], "role": [None, invitation.get_role_display()]},
        organisation=organisation,
    )
    link = base_url + reverse("accounts:invitation-accept", args=[invitation.token])
    transaction.on_commit(lambda: _send_invitation(invitation, link))
    return invitation


def _send_invitation(invitation: Invitation, link: str) -> None:
    # Invitations go out in Chinese: the invitee has no saved language yet.
    with translation.override(settings.LANGUAGE_CODE):
        context = {"invitation": invitation, "link": link}
        subject = _("【合璧】%(org)s 邀请您加入平台") % {"org": invitation.organisation.name}
        body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


@transaction.atomic
def invitation_revoke(*, actor: Any, invitation: Invitation) -> None:
    check_role_grant(actor, invitation.organisation, invitation.role)
    if invitation.status != "pending":
        raise ValidationError(_("只能撤销待接受的邀请。"))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action=AuditLog.Action.REVOKE,
        instance=invitation,
        changes={"status": ["pending", "revoked"]},
        organisation=invitation.organisation,
    )


def invitation_for_token(token: str) -> Invitation | None:
    return Invitation.objects.select_related("organisation").filter(token=token).first()


def _check_acceptable(invitation: Invitation) -> None:
    if invitation.status != "pending":
        raise ValidationError(_("该邀请已失效（%(status)s）。") % {"status": invitation.status_label})


@transaction.atomic
def invitation_accept_new_user(
    *, invitation: Invitation, username: str, display_name: str, password: str
) -> Any:
    """The invitee has no account yet: create it with the invited e-mail, then join."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _check_acceptable(invitation)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(_("该邮箱已有账户，请先登录后再接受邀请。"))
    user = User(username=username.strip(), email=invitation.email, display_name=display_name.strip())
    user.full_clean(exclude=["password"])
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save()
    audit.record_create(actor=user, instance=user, fields=["username", "display_name", "email"])
    return _join(invitation, user)


@transaction.atomic
def invitation_accept_existing_user(*, invitation: Invitation, user: Any) -> Any:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _check_acceptable(invitation)
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _("该邀请发给 %(email)s，与当前登录账户的邮箱不一致。") % {"email": invitation.email}
        )
    return _join(invitation, user)


def _join(invitation: Invitation, user: Any) -> Any:
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    membership, created = Membership.objects.get_or_create(
        organisation=invitation.organisation, user=user, role=invitation.role
    )
    audit.record(
        actor=user,
        action=AuditLog.Action.ACCEPT,
        instance=invitation,
        changes={"status": ["pending", "accepted"]},
        organisation=invitation.organisation,
    )
    if created:
        audit.record_create(
            actor=user,
            instance=membership,
            fields=["user", "organisation", "role"],
            organisation=invitation.organisation,
            note=_("通过邀请加入"),
        )
    return user


@transaction.atomic
def user_update_profile(*, actor: Any, user: Any, **data: Any) -> dict[str, list[Any]]:
    if actor.pk != user.pk:
        raise PermissionDenied(_("只能修改自己的资料。"))
    if data.get("email"):
        data["email"] = User.objects.normalize_email(data["email"].strip()).lower()
        if User.objects.exclude(pk=user.pk).filter(email__iexact=data["email"]).exists():
            raise ValidationError({"email": _("该邮箱已被其他账户使用。")})
    return audit.model_update(actor=actor, instance=user, data=data, fields=PROFILE_FIELDS)


def user_password_changed(*, actor: Any) -> None:
    """Record a password change (the hash itself never enters the audit trail)."""
    audit.record(actor=actor, action=AuditLog.Action.PASSWORD, instance=actor, changes={})
