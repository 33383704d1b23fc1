from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xinren.web.forms import BootstrapMixin

from .models import HitStatus, ListKind


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
