from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hebi.core.models import Citation, TimeStampedModel
from hebi.core.roles import Role
from hebi.core.validators import validate_uscc


class Region(models.Model):
    """Reference data: 行政区划代码 (GB/T 2260) plus the city's development zones."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("省")
        PREFECTURE = "prefecture", _("地级市/州")
        DISTRICT = "district", _("市辖区")
        COUNTY = "county", _("县")
        COUNTY_CITY = "county_city", _("县级市")
        DEV_ZONE = "dev_zone", _("开发区")
        FUNCTIONAL_AREA = "functional_area", _("功能区")

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=150, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    official = models.BooleanField(
        _("正式代码"), default=True, help_text=_("否：标准中无此区域代码，使用本地代码（以上级代码开头）。")
    )
    source = models.CharField(_("来源"), max_length=300, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name

    def path(self) -> list["Region"]:
        chain: list[Region] = []
        node: Region | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def is_within(self, prefix: str) -> bool:
        """True when this region lies inside the one with code `prefix` (e.g. "2201" = 长春)."""
        return self.code.startswith(prefix.rstrip("0") or prefix)


class Organisation(TimeStampedModel):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("政府部门")
        UNIVERSITY = "university", _("高校")
        INSTITUTE = "institute", _("科研院所")
        ENTERPRISE = "enterprise", _("企业")
        FUND = "fund", _("基金")
        BANK = "bank", _("银行")
        INTERMEDIARY = "intermediary", _("中介服务机构")
        PARK = "park", _("科技园区")
        PILOT_BASE = "pilot_base", _("中试基地")
        CV_CENTRE = "cv_centre", _("概念验证中心")
        INCUBATOR = "incubator", _("孵化器")
        LAB = "lab", _("实验室")

    name = models.CharField(_("机构名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    kind = models.CharField(_("机构类型"), max_length=20, choices=Kind.choices)
    uscc = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_uscc],
        help_text=_("18位，GB 32100-2015，含校验位。"),
    )
    region = models.ForeignKey(Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("简介"), max_length=2000, blank=True)
    website = models.URLField(_("网站"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    citations = GenericRelation(Citation)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="organisation_name_unique",
                violation_error_message=_("已有同名机构。"),
            )
        ]

    def __str__(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name


class Membership(TimeStampedModel):
    """A person holds a role in an organisation; several roles are several rows."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = _("成员角色")
        verbose_name_plural = _("成员角色")
        ordering = ["organisation__name", "user__username", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"
