"""The reminder scan: which events are due today, for whom, created once.

Each kind is one set-based query over an indexed date column:

- contract renewal: active contracts whose ``renewal_on`` lies within the subsidiary's
  ``renewal_days_before`` (default 30) from today, up to the renewal date itself;
- payment due / overdue: open milestones (``paid_on`` is null) due within the subsidiary's
  ``payment_days_before`` (default 3), or already past due (overdue);
- visit due: accounts whose ``AccountTier.next_visit_due`` has come;
- next step due: interactions with an open next step whose due date has come;
- late follow-up log: interactions logged late within the last ``REMINDER_LATE_LOG_DAYS``.

Overdue items count only when they fell due within the last ``REMINDER_OVERDUE_DAYS``
(settings, default 30; late logs ``REMINDER_LATE_LOG_DAYS``, default 7): the scan runs
hourly, so on a running system every item is announced on the day it falls due, and the
window only keeps the *first* scan of an existing database (say right after ``xinren demo``
or an ERP import of old milestones) from announcing years of backlog at once. Each event is
still announced exactly once (its ``event_key``).

Every reminder has an ``event_key`` naming the event and its date (a moved due date is a new
event). Recipients are the account's owner and its service team, each re-checked against
their *current* data scope (``customers.selectors.visible_accounts``): a user who moved or
lost the right is not told about a customer they can no longer see. Notifications are
inserted per batch with one ``INSERT … ON CONFLICT DO NOTHING`` on (recipient, event_key),
in a transaction per batch: a scan that crashes and runs again creates nothing twice.
"""

from __future__ import annotations

import os
import time as clock
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xinren.activities.models import Interaction
from xinren.cadence.models import AccountTier
from xinren.customers.models import CustomerAccount, ServiceAssignment
from xinren.customers.selectors import visible_accounts
from xinren.orgs.models import User
from xinren.sales.models import Contract, ContractStatus, PaymentMilestone

from .models import Notification, NotificationKind, ReminderSettings
from .services import channels_for, notification_for


def overdue_since(today: date) -> date:
    """The oldest due date an overdue reminder still announces."""
    return today - timedelta(days=max(0, settings.REMINDER_OVERDUE_DAYS))


BATCH = int(os.environ.get("XINREN_REMINDER_BATCH", "1000"))
# Test hook: seconds to sleep after each committed batch (the crash test kills the worker
# during one of these pauses). Never set in production.
PAUSE = float(os.environ.get("XINREN_REMINDER_PAUSE", "0") or 0)

_DEFAULT_RENEWAL = ReminderSettings._meta.get_field("renewal_days_before").default
_DEFAULT_PAYMENT = ReminderSettings._meta.get_field("payment_days_before").default


@dataclass(frozen=True)
class Due:
    """One due event of one account (recipients are found later)."""

    kind: str
    event_key: str
    account_id: int
    params: tuple  # what the title needs, besides the customer


def _lead_q(field: str, default: int, date_field: str, today: date, unit_field: str) -> Q:
    """``date_field <= today + lead(subsidiary)``: one OR term per distinct configured lead
    (a handful), so the database reads the date range once instead of joining settings."""
    groups: dict[int, list[int]] = defaultdict(list)
    for unit_id, days in ReminderSettings.objects.values_list("business_unit_id", field):
        if days != default:
            groups[days].append(unit_id)
    q = Q(**{f"{date_field}__lte": today + timedelta(days=default)})
    special = [u for units in groups.values() for u in units]
    if special:
        q &= ~Q(**{f"{unit_field}__in": special})
    for days, units in groups.items():
        q |= Q(**{f"{unit_field}__in": units, f"{date_field}__lte": today + timedelta(days=days)})
    return q


def due_payment_items(today: date):
    """Open payment milestones due within the subsidiary's lead days, or overdue, as
    ``(id, account_id, due_on, amount, paid_amount, currency)`` rows."""
    return (
        PaymentMilestone.objects.filter(paid_on__isnull=True, due_on__gte=overdue_since(today))
        .filter(
            _lead_q(
                "payment_days_before",
                _DEFAULT_PAYMENT,
                "due_on",
                today,
                "account__business_unit_id",
            )
        )
        .order_by()
        .values_list("pk", "account_id", "due_on", "amount", "paid_amount", "currency")
    )


def due_renewals(today: date):
    return (
        Contract.objects.filter(status=ContractStatus.ACTIVE, renewal_on__gte=today)
        .filter(
            _lead_q(
                "renewal_days_before",
                _DEFAULT_RENEWAL,
                "renewal_on",
                today,
                "account__business_unit_id",
            )
        )
        .order_by()
        .values_list("pk", "account_id", "renewal_on", "number")
    )


def due_visits(today: date):
    return (
        AccountTier.objects.filter(
            next_visit_due__lte=today, next_visit_due__gte=overdue_since(today)
        )
        .order_by()
        .values_list("account_id", "next_visit_due", "tier")
    )


def due_next_steps(today: date):
    return (
        Interaction.objects.filter(
            next_step_due__lte=today,
            next_step_due__gte=overdue_since(today),
            next_step_done=False,
        )
        .exclude(next_step="")
        .order_by()
        .values_list("pk", "account_id", "next_step_due", "next_step")
    )


def late_logs(today: date):
    days = max(0, settings.REMINDER_LATE_LOG_DAYS)
    since = timezone.make_aware(datetime.combine(today - timedelta(days=days), time.min))
    return (
        Interaction.objects.filter(late=True, logged_at__gte=since)
        .order_by()
        .values_list("pk", "account_id", "subject", "occurred_at")
    )


def due_events(today: date) -> Iterator[Due]:
    """Every due event today, kind by kind (each kind one query, read whole before the first
    batch is written: no cursor stays open across the batch transactions)."""
    for pk, account_id, renewal_on, number in list(due_renewals(today)):
        yield Due(
            NotificationKind.RENEWAL_DUE,
            f"renewal:{pk}:{renewal_on}",
            account_id,
            (number, renewal_on),
        )
    for pk, account_id, due_on, amount, paid, currency in list(due_payment_items(today)):
        kind = NotificationKind.PAYMENT_OVERDUE if due_on < today else NotificationKind.PAYMENT_DUE
        prefix = "payment-overdue" if due_on < today else "payment-due"
        yield Due(
            kind,
            f"{prefix}:{pk}:{due_on}",
            account_id,
            (Decimal(amount) - Decimal(paid), currency, due_on),
        )
    for account_id, due, tier in list(due_visits(today)):
        yield Due(NotificationKind.VISIT_DUE, f"visit:{account_id}:{due}", account_id, (due, tier))
    for pk, account_id, due, step in list(due_next_steps(today)):
        yield Due(NotificationKind.NEXT_STEP_DUE, f"next-step:{pk}:{due}", account_id, (step, due))
    for pk, account_id, subject, occurred in list(late_logs(today)):
        yield Due(NotificationKind.LATE_LOG, f"late-log:{pk}", account_id, (subject, occurred))


def title_for(due: Due, customer: str) -> str:
    """The notification text, in the active language."""
    p = due.params
    if due.kind == NotificationKind.RENEWAL_DUE:
        return _("合同 %(number)s 将于 %(date)s 续签：%(customer)s") % {
            "number": p[0],
            "date": p[1],
            "customer": customer,
        }
    if due.kind == NotificationKind.PAYMENT_DUE:
        return _("应收 %(amount)s %(currency)s 将于 %(date)s 到期：%(customer)s") % {
            "amount": p[0],
            "currency": p[1],
            "date": p[2],
            "customer": customer,
        }
    if due.kind == NotificationKind.PAYMENT_OVERDUE:
        return _("应收 %(amount)s %(currency)s 已于 %(date)s 逾期：%(customer)s") % {
            "amount": p[0],
            "currency": p[1],
            "date": p[2],
            "customer": customer,
        }
    if due.kind == NotificationKind.VISIT_DUE:
        return _("%(customer)s（%(tier)s 级）应于 %(date)s 前拜访") % {
            "tier": p[1],
            "date": p[0],
            "customer": customer,
        }
    if due.kind == NotificationKind.NEXT_STEP_DUE:
        return _("跟进事项“%(step)s”%(date)s 到期：%(customer)s") % {
            "step": p[0],
            "date": p[1],
            "customer": customer,
        }
    return _("跟进记录“%(subject)s”超过 24 小时才补录：%(customer)s") % {
        "subject": p[0],
        "customer": customer,
    }


def _chunks(items: Iterable[Due], size: int) -> Iterator[list[Due]]:
    chunk: list[Due] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Users:
    """Recipients loaded once per scan (with role and unit, for their scope)."""

    def __init__(self):
        self.cache: dict[int, User | None] = {}

    def load(self, ids: set[int]) -> None:
        missing = ids - self.cache.keys()
        if missing:
            for user in User.objects.filter(pk__in=missing).select_related("role", "org_unit"):
                self.cache[user.pk] = user
            for pk in missing:
                self.cache.setdefault(pk, None)

    def __getitem__(self, pk: int) -> User | None:
        return self.cache.get(pk)


def notify_batch(batch: list[Due], users: _Users, now) -> int:
    """Notifications for one batch of due events, in one transaction; returns how many rows
    were offered to the database (conflicting ones are skipped by it)."""
    account_ids = {d.account_id for d in batch}
    accounts = {
        a["pk"]: a
        for a in CustomerAccount.objects.filter(pk__in=account_ids).values(
            "pk", "owner_id", "company_id", "company__name", "archive_no"
        )
    }
    recipients: dict[int, set[int]] = defaultdict(set)
    for pk, account in accounts.items():
        if account["owner_id"]:
            recipients[pk].add(account["owner_id"])
    for account_id, user_id in ServiceAssignment.objects.filter(
        account_id__in=account_ids
    ).values_list("account_id", "user_id"):
        recipients[account_id].add(user_id)
    by_user: dict[int, set[int]] = defaultdict(set)
    for account_id, user_ids in recipients.items():
        for user_id in user_ids:
            by_user[user_id].add(account_id)
    users.load(set(by_user))
    # The current scope of every recipient, through the one scope rule.
    reachable: dict[int, set[int]] = {}
    for user_id, ids in by_user.items():
        user = users[user_id]
        reachable[user_id] = (
            set(visible_accounts(user).filter(pk__in=ids).values_list("pk", flat=True))
            if user is not None and user.is_active
            else set()
        )
    prefs = channels_for(set(by_user))
    rows = []
    for user_id in by_user:
        user = users[user_id]
        if not reachable[user_id]:
            continue
        with translation.override(user.preferred_language or None):
            for due in batch:
                if due.account_id not in reachable[user_id]:
                    continue
                in_app, email, digest = prefs(user_id, due.kind)
                if not (in_app or email or digest):
                    continue
                account = accounts[due.account_id]
                customer = account["company__name"]
                rows.append(
                    notification_for(
                        user,
                        (in_app, email, digest),
                        now,
                        kind=due.kind,
                        event_key=due.event_key,
                        company_id=account["company_id"],
                        account_id=due.account_id,
                        title=title_for(due, customer)[:255],
                        body=account["archive_no"],
                        url=f"/customers/{account['company_id']}/",
                    )
                )
    with transaction.atomic():
        Notification.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)


def run_scan(
    today: date | None = None,
    on_progress: Callable[..., None] | None = None,
    batch_size: int | None = None,
) -> dict:
    """Create today's reminders. Safe to run again at any time (nothing is created twice)."""
    from xinren.cadence.services import ensure_tier_records

    today = today or timezone.localdate()
    ensure_tier_records()
    now = timezone.now()
    users = _Users()
    due = list(due_events(today))
    done = offered = 0
    for batch in _chunks(due, batch_size or BATCH):
        offered += notify_batch(batch, users, now)
        done += len(batch)
        if on_progress:
            on_progress(done, len(due), _("已处理 %(n)s 个到期事项") % {"n": done})
        if PAUSE:
            clock.sleep(PAUSE)
    return {"events": len(due), "offered": offered}
