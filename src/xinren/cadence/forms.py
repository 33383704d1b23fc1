from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xinren.web.forms import BootstrapMixin

from .models import Tier


class TierForm(BootstrapMixin, forms.Form):
    tier = forms.ChoiceField(label=_("客户等级"), choices=Tier.choices)
    reason = forms.CharField(label=_("调整原因"), max_length=255)


class PolicyForm(BootstrapMixin, forms.Form):
    """One interval per tier for a subsidiary."""

    def __init__(self, *args, current: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        for tier, label in Tier.choices:
            self.fields[tier] = forms.IntegerField(
                label=label, min_value=1, max_value=366, initial=current[tier]
            )
            self.fields[tier].widget.attrs.update({"class": "form-control", "id": f"id_{tier}"})
