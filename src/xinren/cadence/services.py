"""Tiers and visit cadence: every write, and the one rule for when a visit is due.

Rule: an account's next visit is due ``interval(tier, subsidiary)`` days after its last visit
(or after the account was opened, if it was never visited). ``AccountTier`` keeps the last
visit and the due date, so "who is due" is an indexed range query for the reminder scan.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinren.audit.services import record_change, snapshot
from xinren.core.errors import field_error
from xinren.core.locking import save_versioned
from xinren.customers.models import CustomerAccount
from xinren.customers.selectors import visible_accounts
from xinren.orgs.access import manageable_units, require_action
from xinren.orgs.models import Action, OrgUnit, User

from .models import DEFAULT_VISIT_DAYS, AccountTier, CadencePolicy, Tier, TierChange


# --- the rule -------------------------------------------------------------------------------
def visit_interval_days(business_unit_id: int, tier: str) -> int:
    """The subsidiary's interval for a tier, or the default (S, A monthly; B, C quarterly)."""
    policy = (
        CadencePolicy.objects.filter(business_unit_id=business_unit_id, tier=tier)
        .values_list("visit_every_days", flat=True)
        .first()
    )
    return policy or DEFAULT_VISIT_DAYS[Tier(tier)]


def next_visit_due(last_visit: datetime | None, opened: datetime, interval_days: int) -> date:
    start = last_visit or opened
    return timezone.localtime(start).date() + timedelta(days=interval_days)


def tier_record(account: CustomerAccount) -> AccountTier:
    """The account's tier row, created (tier C, due from the opening date) when missing."""
    record = AccountTier.objects.filter(account=account).first()
    if record is None:
        interval = visit_interval_days(account.business_unit_id, Tier.C)
        record, _created = AccountTier.objects.get_or_create(
            account=account,
            defaults={
                "tier": Tier.C,
                "next_visit_due": next_visit_due(None, account.created_at, interval),
            },
        )
    return record


def ensure_tier_records(batch: int = 5000) -> int:
    """Create the missing tier rows (tier C) of accounts opened without one; returns how many.
    The reminder scan runs this first, so every account has a visit due date."""
    created = 0
    intervals: dict[tuple[int, str], int] = {}
    while True:
        missing = list(
            CustomerAccount.objects.filter(tier_record__isnull=True).values_list(
                "pk", "business_unit_id", "created_at"
            )[:batch]
        )
        if not missing:
            return created
        rows = []
        for pk, unit_id, opened in missing:
            key = (unit_id, Tier.C)
            if key not in intervals:
                intervals[key] = visit_interval_days(unit_id, Tier.C)
            rows.append(
                AccountTier(
                    account_id=pk,
                    tier=Tier.C,
                    next_visit_due=next_visit_due(None, opened, intervals[key]),
                )
            )
        AccountTier.objects.bulk_create(rows, ignore_conflicts=True)
        created += len(rows)


def _require_account(actor: User, account: CustomerAccount, action: str) -> None:
    require_action(actor, action)
    if not visible_accounts(actor).filter(pk=account.pk).exists():
        raise PermissionDenied(_("该客户账户不在您的数据范围内。"))


# --- writes ---------------------------------------------------------------------------------
@transaction.atomic
def set_tier(
    *,
    actor: User,
    account: CustomerAccount,
    tier: str,
    reason: str,
    expected_version: int | None = None,
) -> AccountTier:
    """Set an account's tier by hand; the reason is required and kept with the history."""
    _require_account(actor, account, Action.EDIT)
    if tier not in Tier.values:
        raise field_error("tier", _("客户等级只能是 S、A、B 或 C。"), "choice")
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("请填写调整等级的原因。"), "required")
    if len(reason) > 255:
        raise field_error("reason", _("原因最多 255 个字。"), "max_length")
    record = tier_record(account)
    if record.tier == tier:
        raise field_error("tier", _("客户已经是该等级。"), "unchanged")
    before = snapshot(record)
    previous = record.tier
    record.tier = tier
    record.next_visit_due = next_visit_due(
        record.last_visit_at,
        account.created_at,
        visit_interval_days(account.business_unit_id, tier),
    )
    save_versioned(
        record,
        record.version if expected_version is None else expected_version,
        ["tier", "next_visit_due", "updated_at"],
    )
    TierChange.objects.create(
        account=account, from_tier=previous, to_tier=tier, reason=reason, changed_by=actor
    )
    record_change(
        actor=actor,
        action="update",
        instance=record,
        before=before,
        after={**snapshot(record), "reason": reason},
        company_id=account.company_id,
        account_id=account.pk,
    )
    return record


def note_visit(account: CustomerAccount, occurred_at: datetime) -> AccountTier:
    """A visit happened: move the due date on (an older visit logged late changes nothing).
    Called by the interaction services in their transaction."""
    record = tier_record(account)
    if record.last_visit_at is not None and record.last_visit_at >= occurred_at:
        return record
    record.last_visit_at = occurred_at
    record.next_visit_due = next_visit_due(
        occurred_at,
        account.created_at,
        visit_interval_days(account.business_unit_id, record.tier),
    )
    AccountTier.objects.filter(pk=record.pk).update(
        last_visit_at=record.last_visit_at,
        next_visit_due=record.next_visit_due,
        updated_at=timezone.now(),
    )
    return record


def recompute_visit_dues(account_ids: list[int] | None = None) -> int:
    """Recompute due dates after a visit was deleted or a policy changed: the last visit is
    read again from the interactions."""
    from django.apps import apps

    interaction = apps.get_model("activities", "Interaction")
    records = AccountTier.objects.select_related("account")
    if account_ids is not None:
        records = records.filter(account_id__in=account_ids)
    changed = 0
    for record in records.iterator(chunk_size=2000):
        last = (
            interaction.objects.filter(account_id=record.account_id, kind="visit")
            .order_by("-occurred_at")
            .values_list("occurred_at", flat=True)
            .first()
        )
        due = next_visit_due(
            last,
            record.account.created_at,
            visit_interval_days(record.account.business_unit_id, record.tier),
        )
        if (record.last_visit_at, record.next_visit_due) != (last, due):
            AccountTier.objects.filter(pk=record.pk).update(last_visit_at=last, next_visit_due=due)
            changed += 1
    return changed


@transaction.atomic
def set_visit_policy(
    *,
    actor: User,
    business_unit: OrgUnit,
    tier: str,
    visit_every_days: int,
) -> CadencePolicy:
    """A subsidiary's visit interval for a tier (needs configure, on a unit one manages)."""
    require_action(actor, Action.CONFIGURE)
    if not business_unit.is_business_unit():
        raise field_error(
            "business_unit", _("拜访频率按子公司（或集团）设置。"), "not_business_unit"
        )
    if not manageable_units(actor).filter(pk=business_unit.pk).exists():
        raise PermissionDenied(_("您无权配置该公司的拜访频率。"))
    if tier not in Tier.values:
        raise field_error("tier", _("客户等级只能是 S、A、B 或 C。"), "choice")
    if not isinstance(visit_every_days, int) or not 1 <= visit_every_days <= 366:
        raise field_error("visit_every_days", _("拜访周期应为 1 到 366 天。"), "range")
    policy = CadencePolicy.objects.filter(business_unit=business_unit, tier=tier).first()
    before: dict[str, Any] = snapshot(policy) if policy else {}
    if policy is None:
        policy = CadencePolicy(business_unit=business_unit, tier=tier)
    policy.visit_every_days = visit_every_days
    policy.save()
    record_change(
        actor=actor,
        action="update" if before else "create",
        instance=policy,
        before=before,
        after=snapshot(policy),
        org_unit_id=business_unit.pk,
    )
    affected = list(
        AccountTier.objects.filter(account__business_unit=business_unit, tier=tier).values_list(
            "account_id", flat=True
        )
    )
    transaction.on_commit(lambda: recompute_visit_dues(affected) if affected else None)
    return policy
