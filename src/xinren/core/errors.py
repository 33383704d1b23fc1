"""Errors services raise, and the one shape every interface shows them in.

Services raise Django's ``ValidationError`` with a dict ``{field: [ValidationError(message,
code=rule)]}`` so the field and the rule travel together to forms, the API and the CLI.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _


class ConflictError(Exception):
    """Someone else saved the record after this user loaded it (optimistic locking)."""

    default_message = _("该记录已被他人修改，请刷新后重新编辑。您的修改未保存。")

    def __init__(self, message=None, *, current_version: int | None = None):
        self.message = str(message or self.default_message)
        self.current_version = current_version
        super().__init__(self.message)


def field_error(field: str, message, rule: str) -> ValidationError:
    return ValidationError({field: [ValidationError(message, code=rule)]})


def error_items(exc: ValidationError) -> list[dict[str, str]]:
    """Flatten a ValidationError into ``[{"field", "rule", "message"}]``."""
    items: list[dict[str, str]] = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for err in errors:
                for message in err.messages:
                    items.append(
                        {
                            "field": "" if field == NON_FIELD_ERRORS else field,
                            "rule": err.code or "invalid",
                            "message": str(message),
                        }
                    )
    else:
        for err in exc.error_list:
            for message in err.messages:
                items.append({"field": "", "rule": err.code or "invalid", "message": str(message)})
    return items
