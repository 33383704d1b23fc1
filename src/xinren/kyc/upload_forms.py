"""Forms of the customer's upload link: the public upload form and staff's new-link form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xinren.web.forms import BootstrapMixin

from . import upload_links


class LinkUploadForm(BootstrapMixin, forms.Form):
    """One document through the link; the choices are the application's required types."""

    # checked by the service (only the types the standard requires), which names the rule
    doc_type = forms.CharField(label=_("证照类型"), max_length=24, widget=forms.Select)
    file = forms.FileField(
        label=_("文件（PDF、JPG 或 PNG）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    issued_on = forms.DateField(
        label=_("签发日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label=_("有效期至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("长期有效可留空。"),
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doc_type"].widget.choices = list(choices)
        self.fields["file"].widget.attrs["data-max-bytes"] = str(upload_links.max_bytes())


class NewLinkForm(BootstrapMixin, forms.Form):
    days = forms.IntegerField(
        label=_("有效天数"),
        min_value=1,
        max_value=upload_links.MAX_DAYS,
        initial=upload_links.DEFAULT_DAYS,
    )
    max_files = forms.IntegerField(
        label=_("最多文件数"),
        min_value=1,
        max_value=upload_links.MAX_MAX_FILES,
        initial=upload_links.DEFAULT_MAX_FILES,
    )
