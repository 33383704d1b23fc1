"""Writes of the credit policy (per subsidiary, group default on the group root)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from xinren.audit.services import record_change, snapshot
from xinren.core.errors import field_error
from xinren.orgs.access import manageable_units, require_action
from xinren.orgs.models import Action, OrgUnit, User

from .models import CreditPolicy, CreditSetting
from .rules import RiskLevel

MAX_CREDIT_DAYS = 365


def configurable_units(actor: User):
    """Subsidiaries (and the group root) whose credit policy the actor may set."""
    return manageable_units(actor).filter(kind__in=(OrgUnit.Kind.GROUP, OrgUnit.Kind.SUBSIDIARY))


def _days(value) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise field_error("max_credit_days", _("最长账期应为整数天数。"), "type")
    days = int(value)
    if not 0 <= days <= MAX_CREDIT_DAYS:
        raise field_error("max_credit_days", _("最长账期应在 0 到 365 天之间。"), "range")
    return days


def _limit(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise field_error("credit_limit", _("信用额度应为金额。"), "type") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e16"):
        raise field_error("credit_limit", _("信用额度应为不小于 0 的金额。"), "range")
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def set_policy(
    *, actor: User, business_unit: OrgUnit, level: str, data: dict[str, Any]
) -> CreditPolicy:
    _check_unit(actor, business_unit)
    if level not in RiskLevel.values:
        raise field_error("level", _("风险等级无效。"), "choice")
    values = {
        "prepayment_only": bool(data.get("prepayment_only")),
        "max_credit_days": _days(data.get("max_credit_days")),
        "credit_limit": _limit(data.get("credit_limit")),
    }
    record = (
        CreditPolicy.objects.select_for_update().filter(business_unit=business_unit, level=level)
    ).first()
    before = snapshot(record) if record else {}
    if record is None:
        record = CreditPolicy.objects.create(business_unit=business_unit, level=level, **values)
    else:
        for name, value in values.items():
            setattr(record, name, value)
        record.version += 1
        record.save()
    record_change(
        actor=actor,
        action="update" if before else "create",
        instance=record,
        before=before,
        after=snapshot(record),
        org_unit_id=business_unit.pk,
    )
    return record


def _check_unit(actor: User, business_unit: OrgUnit) -> None:
    require_action(actor, Action.CONFIGURE)
    if not business_unit.is_business_unit():
        raise field_error(
            "business_unit", _("信用政策按子公司（或集团）设置。"), "not_business_unit"
        )
    if not configurable_units(actor).filter(pk=business_unit.pk).exists():
        raise PermissionDenied(_("您无权配置该公司的信用政策。"))


@transaction.atomic
def set_certificate_required(
    *, actor: User, business_unit: OrgUnit, required: bool
) -> CreditSetting:
    """Turn "签约前须通过认证" on or off for a subsidiary (or, on the group root, for every
    subsidiary without a setting of its own). Configure right, unit in the actor's scope."""
    _check_unit(actor, business_unit)
    record = CreditSetting.objects.select_for_update().filter(business_unit=business_unit).first()
    before = snapshot(record) if record else {}
    if record is None:
        record = CreditSetting.objects.create(
            business_unit=business_unit, certificate_required=bool(required)
        )
    elif record.certificate_required != bool(required):
        record.certificate_required = bool(required)
        record.version += 1
        record.save()
    else:
        return record
    record_change(
        actor=actor,
        action="update" if before else "create",
        instance=record,
        before=before,
        after=snapshot(record),
        org_unit_id=business_unit.pk,
    )
    return record


@transaction.atomic
def set_policies(
    *,
    actor: User,
    business_unit: OrgUnit,
    data: dict[str, dict[str, Any]],
    certificate_required: bool | None = None,
) -> list[CreditPolicy]:
    """Every level's policy at once (the settings page), and the certificate setting when
    given: all saved or none."""
    saved = [
        set_policy(actor=actor, business_unit=business_unit, level=level, data=values)
        for level, values in data.items()
    ]
    if certificate_required is not None:
        set_certificate_required(
            actor=actor, business_unit=business_unit, required=certificate_required
        )
    return saved
