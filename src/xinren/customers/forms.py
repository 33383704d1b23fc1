"""Customer page forms: parse and type-check; the services apply every business rule."""

from __future__ import annotations

from django import forms
from django.db import models
from django.forms.models import fields_for_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xinren.orgs.models import User
from xinren.standards.codes import industry_choices, region_choices
from xinren.web.forms import BootstrapMixin, blank_choice

from .models import Company, Contact, CustomerAccount, DocumentType
from .services import ACCOUNT_FIELDS, COMPANY_FIELDS, CONTACT_FIELDS


class CodeChoiceField(forms.ChoiceField):
    """A select over a shipped code table. The choices are read when the form is built, so
    labels follow the active language; the model's validator names the table when a code is
    unknown (one rule, one message), so the field itself accepts any value."""

    def __init__(self, choices_fn, **kwargs):
        super().__init__(choices=blank_choice(choices_fn()), required=False, **kwargs)
        self.widget.attrs["class"] = "form-select"

    def valid_value(self, value):
        return True


class CompanyForm(BootstrapMixin, forms.Form):
    """The golden-record fields, labels and lengths taken from the model."""

    # Checked as soon as they change (htmx), with the same rule the save applies.
    LIVE_VALIDATED = (
        "name",
        "uscc",
        "entity_type",
        "legal_rep_id_number",
        "founded_on",
        "phone",
        "email",
        "website",
    )
    LONG_FIELDS = ("main_business", "pain_points")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices_fn in (
            ("region_code", region_choices),
            ("industry_code", industry_choices),
        ):
            label = self.fields[name].label
            self.fields[name] = CodeChoiceField(choices_fn, label=label)
            self.fields[name].widget.attrs["id"] = f"id_{name}"
        url = reverse("web:customer-validate")
        for name in self.LIVE_VALIDATED:
            self.fields[name].widget.attrs.update(
                {
                    "hx-post": url,
                    "hx-trigger": "change",
                    "hx-include": "closest form",
                    "hx-target": f"#err-{name}",
                    "aria-describedby": f"err-{name}",
                }
            )

    def profile_fields(self):
        return [self[name] for name in COMPANY_FIELDS if name not in self.LONG_FIELDS]

    def long_fields(self):
        return [self[name] for name in self.LONG_FIELDS]

    def company_data(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in COMPANY_FIELDS if k in self.cleaned_data}


def _formfield(model_field, **kwargs):
    """Model form fields, with a bare domain typed into a URL field taken as https."""
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


for _name, _field in fields_for_model(
    Company, fields=COMPANY_FIELDS, formfield_callback=_formfield
).items():
    _field.required = _name == "name"
    CompanyForm.base_fields[_name] = _field
# The USCC may be typed with spaces or in full width: the form takes it as typed and the
# service normalises and checks it (so the 18-character limit applies after normalising).
CompanyForm.base_fields["uscc"] = forms.CharField(
    label=Company._meta.get_field("uscc").verbose_name,
    required=False,
    max_length=40,
    help_text=_("18 位，大小写、全角、空格会自动规范化"),
    widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
)
CompanyForm.base_fields["founded_on"].widget = forms.DateInput(attrs={"type": "date"})
CompanyForm.base_fields["phone"].widget.attrs.update({"inputmode": "tel", "maxlength": "30"})
CompanyForm.base_fields["legal_rep_id_number"].widget.attrs.update({"maxlength": "30"})


class AccountForm(BootstrapMixin, forms.Form):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), label=_("归属人"), required=False)
    account_type = forms.ChoiceField(
        label=CustomerAccount._meta.get_field("account_type").verbose_name,
        choices=CustomerAccount._meta.get_field("account_type").choices,
    )
    status = forms.ChoiceField(
        label=CustomerAccount._meta.get_field("status").verbose_name,
        choices=CustomerAccount._meta.get_field("status").choices,
    )
    source = forms.CharField(label=_("客户来源"), required=False, max_length=60)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea)
    service_team = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        label=_("服务团队"),
        required=False,
        help_text=_("服务该客户的同事（不改变归属人）；按住 Ctrl 多选"),
    )

    def __init__(self, *args, owners=None, team_candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda u: f"{u} · {u.org_unit}"
        if team_candidates is None:
            del self.fields["service_team"]  # opening an account: the team comes later
        else:
            self.fields["service_team"].queryset = team_candidates
            self.fields["service_team"].label_from_instance = lambda u: f"{u} · {u.org_unit}"
            self.fields["service_team"].widget.attrs["size"] = 6

    def service_data(self) -> dict:
        data = {k: self.cleaned_data[k] for k in ACCOUNT_FIELDS if k in self.cleaned_data}
        if data.get("owner") is None:
            data.pop("owner", None)
        return data


class NewCustomerForm(CompanyForm):
    """A new golden record plus the creator's business unit's account with it."""

    owner = forms.ModelChoiceField(queryset=User.objects.none(), label=_("归属人"), required=False)
    account_type = AccountForm.base_fields["account_type"]
    status = AccountForm.base_fields["status"]
    source = AccountForm.base_fields["source"]

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda u: f"{u} · {u.org_unit}"
        self.fields["owner"].widget.attrs.update({"class": "form-select", "id": "id_owner"})


class ContactForm(BootstrapMixin, forms.Form):
    pass


for _name, _field in fields_for_model(Contact, fields=CONTACT_FIELDS).items():
    ContactForm.base_fields[_name] = _field
ContactForm.base_fields["work_phone"].widget.attrs.update({"inputmode": "tel"})
ContactForm.base_fields["work_phone"].help_text = _(
    "仅限工作电话：手机、座机（区号-号码）或 400 号码"
)


class DocumentForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("文件"))
    doc_type = forms.ChoiceField(label=_("文件类型"), choices=DocumentType.choices)
    title = forms.CharField(label=_("标题"), required=False, max_length=200)
    issued_on = forms.DateField(
        label=_("签发日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label=_("有效期至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    account = forms.ModelChoiceField(
        queryset=CustomerAccount.objects.none(), label=_("所属账户"), required=False
    )

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if accounts is not None:
            self.fields["account"].queryset = accounts


class CustomerFilterForm(forms.Form):
    """The customer list's filters (GET). Unknown values simply match nothing."""

    q = forms.CharField(required=False, max_length=100)
    region = forms.ChoiceField(required=False)
    industry = forms.ChoiceField(required=False)
    status = forms.ChoiceField(
        required=False,
        choices=blank_choice(CustomerAccount._meta.get_field("status").choices),
    )
    account_type = forms.ChoiceField(
        required=False,
        choices=blank_choice(CustomerAccount._meta.get_field("account_type").choices),
    )
    mine = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = blank_choice(region_choices(level=1))
        self.fields["industry"].choices = blank_choice(industry_choices(level=1))
