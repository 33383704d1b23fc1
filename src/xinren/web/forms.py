"""Form plumbing shared by every page: Bootstrap styling, and the bridge from a service's
field-named errors and version conflicts back onto the form. The forms themselves live with
their domain (``customers/forms.py``, ``orgs/forms.py``); they parse and type-check what the
browser sends, and every business rule is applied by the services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from xinren.core.errors import ConflictError


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


def blank_choice(choices):
    return [("", "—")] + list(choices)
