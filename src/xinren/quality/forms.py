"""Forms of the quality pages: the customer import's upload step."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xinren.web.forms import BootstrapMixin


class CustomerImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("文件（Excel 或 CSV）"))
    mode = forms.ChoiceField(
        label=_("导入方式"),
        choices=[
            ("all", _("全部或全不：任何一行有错，都不导入")),
            ("valid", _("仅导入有效行，其余列入报告")),
        ],
    )
    on_match = forms.ChoiceField(
        label=_("已有客户（同一信用代码或名称）"),
        choices=[
            ("update", _("更新：用文件中的值覆盖")),
            ("fill", _("补空：只填写空白字段")),
            ("skip", _("跳过：不改动已有客户")),
        ],
    )
    template = forms.ChoiceField(label=_("列映射模板"), required=False, choices=[])

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", _("（自动识别表头）"))] + [
            (t, t) for t in templates
        ]
