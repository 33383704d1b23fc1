"""Page forms: they parse what the browser sends; every rule (money, dates, terms, scope) is
applied by :mod:`.services`, whose field-named errors land back on these fields. Amounts are
text fields on purpose, so the one money rule names the problem, not a generic number check."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xinren.web.forms import BootstrapMixin

from .imports import KINDS
from .models import ContractStatus, PaymentTerms

LINE_ROWS = 3


class _Form(BootstrapMixin, forms.Form):
    """Bootstrap styling with ids that carry the form's prefix (several forms share a page)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prefix_ids()

    def prefix_ids(self):
        for name, field in self.fields.items():
            field.widget.attrs["id"] = f"id_{self.add_prefix(name)}"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _money(label, required=True):
    return forms.CharField(
        label=label,
        required=required,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00"}),
    )


class ContractForm(_Form):
    number = forms.CharField(label=_("合同编号"), max_length=40)
    title = forms.CharField(label=_("合同名称"), max_length=200)
    signed_on = forms.DateField(label=_("签订日期"), widget=DateInput())
    start_on = forms.DateField(label=_("开始日期"), widget=DateInput())
    end_on = forms.DateField(label=_("结束日期"), widget=DateInput())
    amount = _money(_("合同金额"))
    currency = forms.CharField(label=_("币种"), max_length=3, initial="CNY")
    payment_terms = forms.ChoiceField(label=_("付款方式"), choices=PaymentTerms.choices)
    credit_days = forms.IntegerField(label=_("账期（天）"), required=False, min_value=0)
    renewal_on = forms.DateField(label=_("续签日期"), required=False, widget=DateInput())
    status = forms.ChoiceField(label=_("状态"), choices=ContractStatus.choices)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea)
    documents = forms.MultipleChoiceField(
        label=_("合同附件"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].choices = [
            (str(d.pk), d.title or d.original_name) for d in documents
        ]
        if not documents:
            del self.fields["documents"]


class OrderForm(_Form):
    number = forms.CharField(label=_("订单编号"), max_length=40)
    ordered_on = forms.DateField(label=_("下单日期"), widget=DateInput())
    amount = _money(_("订单金额"), required=False)
    currency = forms.CharField(label=_("币种"), max_length=3, initial="CNY")
    contract_id = forms.ChoiceField(label=_("所属合同"), required=False)
    notes = forms.CharField(label=_("备注"), required=False, max_length=2000)

    def __init__(self, *args, contracts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract_id"].choices = [("", "—")] + [
            (str(c.pk), c.number) for c in contracts
        ]
        for i in range(LINE_ROWS):
            self.fields[f"line{i}_product"] = forms.CharField(
                label=_("产品"), required=False, max_length=120
            )
            self.fields[f"line{i}_quantity"] = forms.CharField(
                label=_("数量"), required=False, max_length=30
            )
            self.fields[f"line{i}_unit_price"] = _money(_("单价"), required=False)
            for suffix in ("product", "quantity", "unit_price"):
                self.fields[f"line{i}_{suffix}"].widget.attrs["class"] = (
                    "form-control form-control-sm"
                )
        self.prefix_ids()

    def line_rows(self):
        return [
            (self[f"line{i}_product"], self[f"line{i}_quantity"], self[f"line{i}_unit_price"])
            for i in range(LINE_ROWS)
        ]

    def lines(self) -> list[dict]:
        out = []
        for i in range(LINE_ROWS):
            row = {
                k: self.cleaned_data.get(f"line{i}_{k}")
                for k in ("product", "quantity", "unit_price")
            }
            if any(row.values()):
                out.append(row)
        return out


class MilestoneForm(_Form):
    due_on = forms.DateField(label=_("应收日期"), widget=DateInput())
    amount = _money(_("应收金额"))
    description = forms.CharField(label=_("说明"), required=False, max_length=200)
    order_id = forms.ChoiceField(label=_("所属订单"), required=False)
    contract_id = forms.ChoiceField(label=_("所属合同"), required=False)

    def __init__(self, *args, orders=(), contracts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order_id"].choices = [("", "—")] + [(str(o.pk), o.number) for o in orders]
        self.fields["contract_id"].choices = [("", "—")] + [
            (str(c.pk), c.number) for c in contracts
        ]


class OrderEditForm(_Form):
    """Date, contract and notes of an existing order (its amount is fixed once created)."""

    ordered_on = forms.DateField(label=_("下单日期"), widget=DateInput())
    contract_id = forms.ChoiceField(label=_("所属合同"), required=False)
    notes = forms.CharField(label=_("备注"), required=False, max_length=2000, widget=forms.Textarea)

    def __init__(self, *args, contracts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract_id"].choices = [("", "—")] + [
            (str(c.pk), f"{c.number} · {c.title}") for c in contracts
        ]


class MilestoneEditForm(_Form):
    """Due date and description; the amount only while nothing has been received."""

    due_on = forms.DateField(label=_("应收日期"), widget=DateInput())
    amount = _money(_("应收金额"))
    description = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, amount_locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        if amount_locked:
            self.fields["amount"].disabled = True
            self.fields["amount"].help_text = _("已有到账记录，金额不能修改（请先冲销到账）。")


class ReceiptForm(_Form):
    milestone_id = forms.ChoiceField(label=_("收款节点"))
    received_on = forms.DateField(label=_("到账日期"), widget=DateInput())
    amount = _money(_("到账金额"))
    reference = forms.CharField(label=_("流水号"), required=False, max_length=60)

    def __init__(self, *args, milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone_id"].choices = [
            (
                str(m.pk),
                f"{m.due_on:%Y-%m-%d} {m.description} {m.amount - m.paid_amount} {m.currency}",
            )
            for m in milestones
        ]


class ImportForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("导入内容"),
        choices=[
            ("orders", _("订单")),
            ("receipts", _("到账记录")),
            ("milestones", _("收款节点")),
        ],
    )
    mode = forms.ChoiceField(
        label=_("导入方式"),
        choices=[
            ("all", _("全部或全不：任何一行有错，都不导入")),
            ("valid", _("仅导入有效行，其余列入报告")),
        ],
    )
    file = forms.FileField(label=_("文件（CSV 或 Excel）"))

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        assert kind in KINDS
        return kind
