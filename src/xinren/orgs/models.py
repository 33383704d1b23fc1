"""The org tree, users and roles: the access core every other package builds on."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    """What a role may do. Data scope says *which* customers; actions say *what* with them."""

    VIEW = "view", _("查看")
    CREATE = "create", _("新建")
    EDIT = "edit", _("编辑")
    DELETE = "delete", _("删除")
    EXPORT = "export", _("导出")
    APPROVE = "approve", _("审批认证")
    MERGE = "merge", _("合并")
    CONFIGURE = "configure", _("配置")
    VIEW_SENSITIVE = "view_sensitive", _("查看敏感信息")


class Scope(models.TextChoices):
    """Which customer accounts a role reaches, narrowest first."""

    OWN = "own", _("本人")
    DEPARTMENT = "department", _("本部门及下级")
    SUBSIDIARY = "subsidiary", _("本公司")
    GROUP = "group", _("全集团")


SCOPE_RANK = {Scope.OWN: 0, Scope.DEPARTMENT: 1, Scope.SUBSIDIARY: 2, Scope.GROUP: 3}


class OrgUnit(models.Model):
    class Kind(models.TextChoices):
        GROUP = "group", _("集团总部")
        SUBSIDIARY = "subsidiary", _("子公司")
        DEPARTMENT = "department", _("部门")

    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    code = models.CharField(_("编码"), max_length=30, unique=True)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )
    # Materialised path "/1/4/9/": a subtree is one index range (path LIKE '/1/4/%').
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    # The subsidiary (or the group HQ itself) this unit belongs to. Customer accounts belong
    # to a business unit; "subsidiary" data scope means "same business unit".
    business_unit = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("组织单元")
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(kind="group"), name="one_group_root"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def is_business_unit(self) -> bool:
        return self.kind in (self.Kind.GROUP, self.Kind.SUBSIDIARY)


class Role(models.Model):
    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    description = models.CharField(_("说明"), max_length=255, blank=True)
    scope = models.CharField(_("数据范围"), max_length=12, choices=Scope.choices)
    actions = models.JSONField(_("权限"), default=list)
    builtin = models.BooleanField(_("内置"), default=False, editable=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["id"]
        verbose_name = _("角色")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Belongs to one org unit and holds one role.

    One role per user keeps "what may this person do" answerable at a glance; a person with
    two jobs gets a custom role that combines them.
    """

    full_name = models.CharField(_("姓名"), max_length=60, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("所属组织"),
    )
    role = models.ForeignKey(
        Role,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("角色"),
    )
    work_phone = models.CharField(_("工作电话"), max_length=20, blank=True)
    preferred_language = models.CharField(_("界面语言"), max_length=10, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = UserManager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.pk} for {self.user_id}"
