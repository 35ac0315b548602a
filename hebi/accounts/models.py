import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hebi.core.roles import Role


class User(AbstractUser):
    """A person. Their organisations and roles are Memberships (hebi.orgs)."""

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", _("简体中文")
        EN = "en", _("English")

    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    title = models.CharField(_("职务/职称"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    language = models.CharField(
        _("界面语言"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    is_fictional = models.BooleanField(
        _("虚构人物"), default=False, help_text=_("演示数据中的人物均为虚构，并明确标注。")
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def get_full_name(self) -> str:
        return self.display_name or super().get_full_name() or self.username

    def __str__(self) -> str:
        return self.get_full_name()


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An organisation admin invites a person by e-mail to join with a role."""

    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("机构"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("邮箱"))
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("邀请人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"))
    accepted_at = models.DateTimeField(_("接受时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接受人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("邀请")
        verbose_name_plural = _("邀请")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}（{self.get_role_display()}）"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def status_label(self) -> str:
        return str(
            {
                "accepted": _("已接受"),
                "revoked": _("已撤销"),
                "expired": _("已过期"),
                "pending": _("待接受"),
            }[self.status]
        )
