"""Page forms. They parse and type-check what the browser sends; every business rule (USCC
check, duplicates, phone formats, scope) is applied by the services, whose field-named
errors are put back on the form by :func:`add_service_errors`."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import fields_for_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xinren.core.errors import ConflictError
from xinren.customers.models import Company, Contact, CustomerAccount, DocumentType
from xinren.customers.services import ACCOUNT_FIELDS, COMPANY_FIELDS, CONTACT_FIELDS
from xinren.orgs.models import Action, OrgUnit, Role, Scope, User
from xinren.standards.codes import industry_choices, region_choices


class BootstrapMixin:
    """Bootstrap classes and sensible autocomplete on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)
            widget.attrs.setdefault("id", f"id_{name}")
            if isinstance(widget, forms.Textarea):
                widget.attrs["rows"] = 3


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names when the form has
    it, otherwise as a form-wide error that still says which field and why."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        if field in form.fields:
            form.add_error(field, errors)
        else:
            label = field
            form.add_error(None, [f"{label}: {m}" for e in errors for m in e.messages])


def conflict_message() -> str:
    return _(
        "保存失败：此记录已被其他人修改。您的输入保留在下方；请重新打开页面查看最新内容后再修改。"
    )


def posted_version(request, obj) -> int | None:
    """The version the user's form was built from (optimistic locking). A missing or garbled
    value counts as stale (0), so it can only ever cause a conflict, never a lost update."""
    if obj is None:
        return None
    if request.method != "POST":
        return obj.version
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else 0


def run_service(form: forms.Form, call) -> bool:
    """Run a service write for a bound, valid form. Field-named errors and a lost-update
    conflict end up on the form (``form.conflict`` says which); True when it saved.
    PermissionDenied is not caught: the page answers 403."""
    form.conflict = False
    try:
        call()
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    except ConflictError:
        form.conflict = True
        form.add_error(None, conflict_message())
        return False
    return True


def _blank_choice(choices):
    return [("", "—")] + list(choices)


class CodeChoiceField(forms.ChoiceField):
    """A select over a shipped code table. The choices are read when the form is built, so
    labels follow the active language; the model's validator names the table when a code is
    unknown (one rule, one message), so the field itself accepts any value."""

    def __init__(self, choices_fn, **kwargs):
        super().__init__(choices=_blank_choice(choices_fn()), required=False, **kwargs)
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

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda u: f"{u} · {u.org_unit}"

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
        choices=_blank_choice(CustomerAccount._meta.get_field("status").choices),
    )
    account_type = forms.ChoiceField(
        required=False,
        choices=_blank_choice(CustomerAccount._meta.get_field("account_type").choices),
    )
    mine = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _blank_choice(region_choices(level=1))
        self.fields["industry"].choices = _blank_choice(industry_choices(level=1))


# --- administration ------------------------------------------------------------------------
class OrgUnitForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    name_en = forms.CharField(label=_("英文名称"), max_length=100, required=False)
    code = forms.CharField(label=_("编码"), max_length=30)
    kind = forms.ChoiceField(label=_("类型"), choices=OrgUnit.Kind.choices)
    parent = forms.ModelChoiceField(
        queryset=OrgUnit.objects.none(), label=_("上级"), required=False
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["parent"].queryset = units
        self.fields["parent"].label_from_instance = lambda u: "　" * u.depth + u.name


class UserForm(BootstrapMixin, forms.Form):
    username = forms.CharField(label=_("登录名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)
    work_phone = forms.CharField(label=_("工作电话"), max_length=20, required=False)
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("所属组织"))
    role = forms.ModelChoiceField(queryset=Role.objects.none(), label=_("角色"))
    is_active = forms.BooleanField(label=_("在职（可登录）"), required=False, initial=True)
    password = forms.CharField(
        label=_("初始密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        required=False,
    )

    def __init__(self, *args, units=None, roles=None, creating=True, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["org_unit"].queryset = units
        if roles is not None:
            self.fields["role"].queryset = roles
        self.fields["org_unit"].label_from_instance = lambda u: "　" * u.depth + u.name
        if creating:
            self.fields["password"].required = True
            del self.fields["is_active"]
        else:
            del self.fields["password"]
            self.fields["username"].disabled = True


class PasswordForm(BootstrapMixin, forms.Form):
    password = forms.CharField(
        label=_("新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class RoleForm(BootstrapMixin, forms.Form):
    code = forms.SlugField(label=_("编码"), max_length=40)
    name = forms.CharField(label=_("名称"), max_length=60)
    name_en = forms.CharField(label=_("英文名称"), max_length=60, required=False)
    description = forms.CharField(label=_("说明"), max_length=255, required=False)
    scope = forms.ChoiceField(label=_("数据范围"), choices=Scope.choices, widget=forms.RadioSelect)
    actions = forms.MultipleChoiceField(
        label=_("权限"), choices=Action.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, creating=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].widget.attrs["class"] = "form-check-input"
        if not creating:
            self.fields["code"].disabled = True


class MyAccountForm(BootstrapMixin, forms.Form):
    """What every user may change about themselves."""

    full_name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    email = forms.EmailField(label=_("邮箱"), required=False)
    work_phone = forms.CharField(label=_("工作电话"), max_length=20, required=False)
    preferred_language = forms.ChoiceField(
        label=_("界面语言"),
        required=False,
        choices=[("", _("跟随浏览器")), ("zh-hans", "简体中文"), ("en", "English")],
    )


class ChangePasswordForm(BootstrapMixin, forms.Form):
    current_password = forms.CharField(
        label=_("当前密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    password = forms.CharField(
        label=_("新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_current_password(self):
        value = self.cleaned_data["current_password"]
        if not self.user.check_password(value):
            raise ValidationError(_("当前密码不正确。"), code="wrong_password")
        return value
