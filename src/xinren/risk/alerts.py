"""Alerts on risk level changes: the account owner and the risk officers (users holding the
built-in risk-officer role) who can see the account, each re-checked against their scope."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xinren.customers.models import CustomerAccount
from xinren.customers.selectors import visible_accounts
from xinren.notifications.models import Notification, NotificationKind
from xinren.notifications.services import channels_for, notification_for
from xinren.orgs.models import User

from .rules import RiskLevel

RISK_OFFICER_ROLE = "risk_officer"


def _title(name: str, change) -> str:
    old = RiskLevel(change.old_level).label if change.old_level else _("未评估")
    return _("%(customer)s 风险等级由%(old)s变为%(new)s（%(score)s 分）") % {
        "customer": name,
        "old": old,
        "new": RiskLevel(change.new_level).label,
        "score": change.new_score,
    }


def notify_level_changes(changes: list) -> int:
    """One notification per recipient and change (RiskChange rows, saved or not); returns how
    many were offered."""
    if not changes:
        return 0
    by_account = {c.account_id: c for c in changes}
    info = {
        pk: (name, owner_id, company_id)
        for pk, name, owner_id, company_id in CustomerAccount.objects.filter(
            pk__in=by_account
        ).values_list("pk", "company__name", "owner_id", "company_id")
    }
    users = {
        u.pk: u
        for u in User.objects.filter(role__code=RISK_OFFICER_ROLE, is_active=True).select_related(
            "role", "org_unit"
        )
    }
    officer_ids = set(users)
    owners = {owner for _, owner, _ in info.values()} - officer_ids
    for user in User.objects.filter(pk__in=owners, is_active=True).select_related(
        "role", "org_unit"
    ):
        users[user.pk] = user
    prefs = channels_for(set(users))
    now = timezone.now()
    rows = []
    for user in users.values():
        in_app, email, digest = prefs(user.pk, NotificationKind.RISK_LEVEL)
        if not (in_app or email or digest):
            continue
        mine = by_account.keys()
        if user.pk not in officer_ids:  # an owner hears about the accounts they own
            mine = [a for a, (_, owner, _) in info.items() if owner == user.pk]
        reachable = visible_accounts(user).filter(pk__in=mine).values_list("pk", flat=True)
        with translation.override(user.preferred_language or None):
            for account_id in reachable:
                change = by_account[account_id]
                rows.append(
                    notification_for(
                        user,
                        (in_app, email, digest),
                        now,
                        kind=NotificationKind.RISK_LEVEL,
                        event_key=f"risk-level:{account_id}:{change.changed_at:%Y%m%d%H%M%S%f}",
                        company_id=info[account_id][2],
                        account_id=account_id,
                        title=_title(info[account_id][0], change)[:255],
                        url=f"/risk/accounts/{account_id}/",
                    )
                )
    with transaction.atomic():
        Notification.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)
