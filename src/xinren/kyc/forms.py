from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xinren.customers.models import DocumentType
from xinren.orgs.models import OrgUnit
from xinren.web.forms import BootstrapMixin

from .models import DECIDED, CheckCode, HitStatus, ListKind, ReferenceOutcome


class ListImportForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("名单类型"), choices=ListKind.choices)
    name = forms.CharField(
        label=_("名单名称"),
        max_length=100,
        help_text=_("同名名单再次导入时，以文件内容替换原有条目。"),
    )
    source = forms.CharField(label=_("来源"), max_length=200, required=False)
    industry_scope = forms.CharField(label=_("适用行业"), max_length=100, required=False)
    mode = forms.ChoiceField(
        label=_("导入方式"),
        choices=[
            ("all", _("全部或全不：任何一行有错，都不导入")),
            ("valid", _("仅导入有效行，其余列入报告")),
        ],
    )
    file = forms.FileField(label=_("文件（CSV 或 Excel）"))


class HitDecisionForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(label=_("结论"), choices=HitStatus.choices)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


# --- certification -----------------------------------------------------------------------------
class DecisionForm(BootstrapMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("结论"), choices=[(s.value, s.label) for s in DECIDED])
    reason = forms.CharField(
        label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("有条件通过或拒绝时必填。"),
    )  # fmt: skip
    prepayment_required = forms.BooleanField(label=_("须预付款"), required=False)
    credit_limit = forms.DecimalField(
        label=_("信用额度（元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    credit_days = forms.IntegerField(label=_("信用天数"), required=False, min_value=0)


class ReferenceForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("推荐人"), max_length=100)
    contact = forms.CharField(label=_("联系方式"), max_length=100)
    contacted_on = forms.DateField(
        label=_("联系日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    outcome = forms.ChoiceField(label=_("结果"), choices=ReferenceOutcome.choices)
    note = forms.CharField(label=_("记录"), max_length=500, required=False)


def document_choices() -> list[tuple[str, str]]:
    return [(d.value, d.label) for d in DocumentType if d.value not in ("contract", "other")]


class StandardForm(BootstrapMixin, forms.Form):
    business_unit = forms.ModelChoiceField(
        label=_("所属公司"), queryset=OrgUnit.objects.filter(kind=OrgUnit.Kind.SUBSIDIARY),
        required=False, empty_label=_("集团默认"),
    )  # fmt: skip
    industry_code = forms.CharField(
        label=_("行业代码"), max_length=5, required=False,
        help_text=_("GB/T 4754 代码或其前缀；留空适用所有行业。"),
    )  # fmt: skip
    required_documents = forms.MultipleChoiceField(
        label=_("必备证照"), choices=document_choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    expiry_margin_days = forms.IntegerField(
        label=_("证照剩余有效期不少于（天）"), min_value=0, initial=30
    )
    required_checks = forms.MultipleChoiceField(
        label=_("必做核查"), choices=CheckCode.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    validity_days = forms.IntegerField(label=_("认证有效期（天）"), min_value=1, initial=365)


# --- business registry (工商登记) ----------------------------------------------------------------
class RegistryImportForm(BootstrapMixin, forms.Form):
    source = forms.CharField(
        label=_("数据来源"), max_length=200,
        help_text=_("如：国家企业信用信息公示系统、某数据服务商导出。"),
    )  # fmt: skip
    as_of = forms.DateField(
        label=_("数据日期"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("文件所描述的登记信息的日期（不是导入日期）。"),
    )  # fmt: skip
    mode = forms.ChoiceField(
        label=_("导入方式"),
        choices=[
            ("all", _("全部或全不：任何一行有错，都不导入")),
            ("valid", _("仅导入有效行，其余列入报告")),
        ],
    )
    file = forms.FileField(label=_("文件（CSV 或 Excel）"))
