from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xinren.web.forms import BootstrapMixin

from . import fields as F

USE = [(F.REQUIRED, _("必填")), (F.OPTIONAL, _("选填")), (F.OFF, _("不考核"))]


class ProfileForm(BootstrapMixin, forms.Form):
    """One choice per measurable field (required / optional / not measured) and the bar."""

    min_completeness = forms.IntegerField(
        label=_("完整度达标线（%）"), min_value=0, max_value=100, initial=90
    )
    min_validity = forms.IntegerField(
        label=_("合规率达标线（%）"), min_value=0, max_value=100, initial=100
    )

    def __init__(self, *args, profile, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["min_completeness"].initial = profile.min_completeness
        self.fields["min_validity"].initial = profile.min_validity
        for f in F.FIELDS:
            use = (
                F.REQUIRED
                if f.key in profile.required
                else F.OPTIONAL
                if f.key in profile.optional
                else F.OFF
            )
            self.fields[f"use_{f.key}"] = forms.ChoiceField(
                label=f.label, choices=USE, initial=use, widget=forms.RadioSelect
            )

    def field_rows(self):
        return [(f, self[f"use_{f.key}"]) for f in F.FIELDS]

    def chosen(self, use: str) -> list[str]:
        return [f.key for f in F.FIELDS if self.cleaned_data.get(f"use_{f.key}") == use]


class AssignForm(BootstrapMixin, forms.Form):
    limit = forms.IntegerField(label=_("分派数量"), min_value=1, max_value=200, initial=20)
