"""The quick "log a visit" form and the edit form. They parse what the browser sends; every
rule (future dates, contacts of the same company, the late mark) is the service's."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinren.web.forms import BootstrapMixin

from .models import InteractionKind

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class InteractionForm(BootstrapMixin, forms.Form):
    account = forms.TypedChoiceField(label=_("客户账户"), coerce=int)
    kind = forms.ChoiceField(
        label=_("方式"),
        choices=InteractionKind.choices,
        initial=InteractionKind.VISIT,
        widget=forms.RadioSelect,
    )
    occurred_at = forms.DateTimeField(
        label=_("发生时间"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    subject = forms.CharField(label=_("主题"), max_length=200)
    summary = forms.CharField(label=_("纪要"), required=False, widget=forms.Textarea)
    staff = forms.TypedMultipleChoiceField(
        label=_("我方参与人"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选时为您本人。"),
    )
    contacts = forms.TypedMultipleChoiceField(
        label=_("客户参与人"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    next_step = forms.CharField(label=_("下一步"), max_length=255, required=False)
    next_step_due = forms.DateField(
        label=_("下一步截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, accounts, contacts, staff=(), actor=None, **kwargs):
        """``accounts`` and ``contacts``: the visible accounts and the company's contacts
        (already loaded by the page, so the form costs no query); ``staff``: the colleagues
        who may be named (``selectors.staff_candidates``), ``actor`` ticked by default."""
        kwargs["initial"] = dict(kwargs.get("initial") or {})
        if actor is not None:
            kwargs["initial"].setdefault("staff", [actor.pk])
        kwargs["initial"].setdefault(
            "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
        )
        kwargs["initial"].setdefault("kind", InteractionKind.VISIT)
        if accounts:
            kwargs["initial"].setdefault("account", accounts[0].pk)
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [
            (a.pk, f"{a.archive_no} · {a.business_unit.name}") for a in accounts
        ]
        if len(accounts) <= 1:
            self.fields["account"].widget = forms.HiddenInput()
        self.fields["staff"].choices = [
            (u.pk, f"{u.full_name or u.get_username()} · {u.org_unit.name}" if u.org_unit else
             (u.full_name or u.get_username()))
            for u in staff
        ]  # fmt: skip
        self.fields["staff"].widget.attrs["class"] = "form-check-input"
        self.fields["contacts"].choices = [
            (c.pk, f"{c.name}（{c.title}）" if c.title else c.name) for c in contacts
        ]
        self.fields["kind"].widget.attrs["class"] = "btn-check"
        self.fields["subject"].widget.attrs.update(
            {"accesskey": "v", "placeholder": _("如：季度业务回顾"), "autocomplete": "off"}
        )
        self.fields["next_step"].widget.attrs["placeholder"] = _("如：发送报价单")
        self.fields["summary"].widget.attrs["rows"] = 2
        self.fields["contacts"].widget.attrs["class"] = "form-check-input"


class InteractionEditForm(InteractionForm):
    """The same fields, for an existing interaction (its account does not change)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["account"]
