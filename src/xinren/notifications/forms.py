from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xinren.web.forms import BootstrapMixin

from .services import CHANNELS


class PreferencesForm(forms.Form):
    """One checkbox per kind × channel, named ``<kind>__<channel>``."""

    def __init__(self, *args, rows: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            for channel in CHANNELS:
                self.fields[f"{row['kind']}__{channel}"] = forms.BooleanField(
                    required=False, initial=row[channel], label=f"{row['label']} {channel}"
                )

    def choices(self) -> dict[str, dict[str, bool]]:
        out: dict[str, dict[str, bool]] = {}
        for name, value in self.cleaned_data.items():
            kind, channel = name.split("__")
            out.setdefault(kind, {})[channel] = bool(value)
        return out


class ReminderSettingsForm(BootstrapMixin, forms.Form):
    renewal_days_before = forms.IntegerField(label=_("续签提前天数"), min_value=1, max_value=365)
    payment_days_before = forms.IntegerField(label=_("收款提前天数"), min_value=0, max_value=90)
