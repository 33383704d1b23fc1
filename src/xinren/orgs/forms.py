"""Administration and account page forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xinren.web.forms import BootstrapMixin

from .models import Action, OrgUnit, Role, Scope


class OrgUnitForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    name_en = forms.CharField(label=_("英文名称"), max_length=100, required=False)
    code = forms.CharField(label=_("编码"), max_length=30)
    kind = forms.ChoiceField(label=_("类型"), choices=OrgUnit.Kind.choices)
    parent = forms.ModelChoiceField(
        queryset=OrgUnit.objects.none(), label=_("上级"), required=False
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["parent"].queryset = units
        self.fields["parent"].label_from_instance = lambda u: "　" * u.depth + u.name


class UserForm(BootstrapMixin, forms.Form):
    username = forms.CharField(label=_("登录名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)
    work_phone = forms.CharField(label=_("工作电话"), max_length=20, required=False)
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("所属组织"))
    role = forms.ModelChoiceField(queryset=Role.objects.none(), label=_("角色"))
    is_active = forms.BooleanField(label=_("在职（可登录）"), required=False, initial=True)
    password = forms.CharField(
        label=_("初始密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        required=False,
    )

    def __init__(self, *args, units=None, roles=None, creating=True, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["org_unit"].queryset = units
        if roles is not None:
            self.fields["role"].queryset = roles
        self.fields["org_unit"].label_from_instance = lambda u: "　" * u.depth + u.name
        if creating:
            self.fields["password"].required = True
            del self.fields["is_active"]
        else:
            del self.fields["password"]
            self.fields["username"].disabled = True


class PasswordForm(BootstrapMixin, forms.Form):
    password = forms.CharField(
        label=_("新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class RoleForm(BootstrapMixin, forms.Form):
    code = forms.SlugField(label=_("编码"), max_length=40)
    name = forms.CharField(label=_("名称"), max_length=60)
    name_en = forms.CharField(label=_("英文名称"), max_length=60, required=False)
    description = forms.CharField(label=_("说明"), max_length=255, required=False)
    scope = forms.ChoiceField(label=_("数据范围"), choices=Scope.choices, widget=forms.RadioSelect)
    actions = forms.MultipleChoiceField(
        label=_("权限"), choices=Action.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, creating=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].widget.attrs["class"] = "form-check-input"
        if not creating:
            self.fields["code"].disabled = True


class MyAccountForm(BootstrapMixin, forms.Form):
    """What every user may change about themselves."""

    full_name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)
    work_phone = forms.CharField(label=_("工作电话"), max_length=20, required=False)
    preferred_language = forms.ChoiceField(
        label=_("界面语言"),
        required=False,
        choices=[("", _("跟随浏览器")), ("zh-hans", "简体中文"), ("en", "English")],
    )


class ChangePasswordForm(BootstrapMixin, forms.Form):
    current_password = forms.CharField(
        label=_("当前密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    password = forms.CharField(
        label=_("新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_current_password(self):
        value = self.cleaned_data["current_password"]
        if not self.user.check_password(value):
            raise ValidationError(_("当前密码不正确。"), code="wrong_password")
        return value
