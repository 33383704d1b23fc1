"""What a user is shown of a customer: one place decides masking, for pages, API and exports."""

from __future__ import annotations

from xinren.orgs.access import has_action
from xinren.orgs.models import Action, User
from xinren.standards.idcard import mask_id_number
from xinren.standards.phone import mask_phone

from .models import Company, Contact

SENSITIVE_COMPANY_FIELDS = {"legal_rep_id_number": mask_id_number, "phone": mask_phone}
SENSITIVE_CONTACT_FIELDS = {"work_phone": mask_phone, "phone_digits": mask_phone}


def sees_sensitive(user: User) -> bool:
    return has_action(user, Action.VIEW_SENSITIVE)


def masked(user: User, obj: Company | Contact, field: str) -> str:
    """The value of ``field`` as this user may see it."""
    value = getattr(obj, field) or ""
    maskers = SENSITIVE_COMPANY_FIELDS if isinstance(obj, Company) else SENSITIVE_CONTACT_FIELDS
    if field in maskers and not sees_sensitive(user):
        return maskers[field](value)
    return value


def mask_dict(user: User, data: dict, kind: str) -> dict:
    """Mask the sensitive keys of a serialised company (``kind="company"``) or contact."""
    if sees_sensitive(user):
        return data
    maskers = SENSITIVE_COMPANY_FIELDS if kind == "company" else SENSITIVE_CONTACT_FIELDS
    return {k: (maskers[k](v) if k in maskers and v else v) for k, v in data.items()}
