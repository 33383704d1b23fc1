"""Every write of the notification centre: preferences, reading, reminder settings, and the
two delivery steps (the e-mail outbox and the daily digest).

E-mail is delivered through an outbox: the reminder scan only records ``wants_email`` on the
notification (in the transaction that creates it); ``flush_outbox`` hands each pending
message to Django's mail backend and then marks it ``emailed_at``, one message at a time.
That is *at-least-once*: a worker killed between the backend accepting a message and the
mark (a window of one UPDATE) sends that one message again on the next flush. Exactly-once
is impossible with an SMTP server that is not part of our transaction; marking before sending
would instead lose the message (at-most-once), and a missed payment reminder is worse than a
repeated one. Notifications themselves are exactly-once (unique recipient + event key).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xinren.audit.services import record_change, snapshot
from xinren.core.errors import field_error
from xinren.core.locking import save_versioned
from xinren.orgs.access import manageable_units, require_action
from xinren.orgs.models import Action, OrgUnit, User

from .models import Notification, NotificationKind, NotificationPreference, ReminderSettings

CHANNELS = ("in_app", "email", "digest")
DEFAULT_CHANNELS = tuple(NotificationPreference._meta.get_field(c).default for c in CHANNELS)


# --- preferences ----------------------------------------------------------------------------
def channels_for(user_ids: set[int]) -> Callable[[int, str], tuple[bool, bool, bool]]:
    """``(user_id, kind) -> (in_app, email, digest)`` for many users, in one query."""
    rows = {
        (p.user_id, p.kind): (p.in_app, p.email, p.digest)
        for p in NotificationPreference.objects.filter(user_id__in=user_ids)
    }
    return lambda user_id, kind: rows.get((user_id, kind), DEFAULT_CHANNELS)


def notification_for(user: User, channels: tuple[bool, bool, bool], now, **fields) -> Notification:
    """A notification row for ``user`` (unsaved, for a bulk insert) delivered through the
    channels they chose, ``(in_app, email, digest)`` from :func:`channels_for`: not shown in
    the app → already read; e-mail only when they have an address; not in the digest →
    already digested. ``fields``: kind, event_key, title, url, company_id, account_id …"""
    in_app, email, digest = channels
    return Notification(
        recipient_id=user.pk,
        read_at=None if in_app else now,
        wants_email=bool(email and user.email),
        digested_at=None if digest else now,
        **fields,
    )


def set_preferences(*, actor: User, choices: dict[str, dict[str, bool]]) -> None:
    """A user's own channels per kind: ``{kind: {"in_app": bool, "email": bool, "digest":
    bool}}`` (kinds and channels left out keep their value)."""
    for kind, channels in choices.items():
        if kind not in NotificationKind.values:
            raise field_error("kind", _("未知的通知类型：%(kind)s") % {"kind": kind}, "choice")
        for name, value in channels.items():
            if name not in CHANNELS:
                raise field_error(name, _("未知的通知方式：%(name)s") % {"name": name}, "choice")
            if not isinstance(value, bool):
                raise field_error(name, _("只能是开或关。"), "boolean")
    with transaction.atomic():
        for kind, channels in choices.items():
            pref, _created = NotificationPreference.objects.get_or_create(
                user=actor, kind=kind, defaults=dict(zip(CHANNELS, DEFAULT_CHANNELS, strict=True))
            )
            for name, value in channels.items():
                setattr(pref, name, value)
            pref.save()


# --- reading --------------------------------------------------------------------------------
def mark_read(*, actor: User, notification_id: int) -> Notification:
    """Mark one of one's own notifications read (another user's answers DoesNotExist)."""
    notification = Notification.objects.get(pk=notification_id, recipient=actor)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- reminder settings ----------------------------------------------------------------------
def _require_configurable(actor: User, unit: OrgUnit) -> None:
    require_action(actor, Action.CONFIGURE)
    if not unit.is_business_unit():
        raise field_error(
            "business_unit", _("提醒设置按子公司（或集团）设置。"), "not_business_unit"
        )
    if not manageable_units(actor).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("您无权配置该公司的提醒设置。"))


def reminder_settings(unit: OrgUnit) -> ReminderSettings:
    """The subsidiary's settings (unsaved defaults when never configured)."""
    return ReminderSettings.objects.filter(business_unit=unit).first() or ReminderSettings(
        business_unit=unit
    )


@transaction.atomic
def update_reminder_settings(
    *,
    actor: User,
    business_unit: OrgUnit,
    data: dict[str, Any],
    expected_version: int | None = None,
) -> ReminderSettings:
    _require_configurable(actor, business_unit)
    limits = {"renewal_days_before": (1, 365), "payment_days_before": (0, 90)}
    for name, value in data.items():
        if name not in limits:
            raise field_error(name, _("未知字段。"), "unknown")
        low, high = limits[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise field_error(
                name, _("应为 %(low)s 到 %(high)s 天。") % {"low": low, "high": high}, "range"
            )
    current = ReminderSettings.objects.select_for_update().filter(business_unit=business_unit)
    record = current.first()
    before = snapshot(record) if record else {}
    if record is None:
        record = ReminderSettings(business_unit=business_unit, **data)
        record.save()
    else:
        for name, value in data.items():
            setattr(record, name, value)
        save_versioned(
            record, record.version if expected_version is None else expected_version, list(data)
        )
    record_change(
        actor=actor,
        action="update" if before else "create",
        instance=record,
        before=before,
        after=snapshot(record),
        org_unit_id=business_unit.pk,
    )
    return record


# --- delivery -------------------------------------------------------------------------------
def _send(recipient: User, subject: str, body: str, connection) -> None:
    mail.EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        connection=connection,
    ).send()


def _absolute(url: str) -> str:
    base = getattr(settings, "XINREN_BASE_URL", "").rstrip("/")
    return f"{base}{url}" if base else url


def flush_outbox(limit: int = 500) -> int:
    """Send pending notification e-mails; each is marked sent right after the backend took
    it (at-least-once, see the module docstring). Returns how many were sent."""
    pending = list(
        Notification.objects.filter(wants_email=True, emailed_at__isnull=True)
        .select_related("recipient")
        .order_by("pk")[:limit]
    )
    if not pending:
        return 0
    sent = 0
    with mail.get_connection() as connection:
        for n in pending:
            if not n.recipient.email or not n.recipient.is_active:
                Notification.objects.filter(pk=n.pk).update(wants_email=False)
                continue
            with translation.override(n.recipient.preferred_language or None):
                body = f"{n.title}\n\n{n.body}\n{_absolute(n.url)}\n"
                _send(n.recipient, _("【信任】%(title)s") % {"title": n.title}, body, connection)
            Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())
            sent += 1
    return sent


def send_digests(now=None) -> int:
    """One e-mail per user listing their notifications of the last day not yet digested
    (kinds they chose for the digest); returns how many digests were sent."""
    now = now or timezone.now()
    since = now - timedelta(days=1)
    pending = (
        Notification.objects.filter(digested_at__isnull=True, created_at__gte=since)
        .select_related("recipient")
        .order_by("recipient_id", "kind", "pk")
    )
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for n in pending:
        by_user[n.recipient_id].append(n)
    sent = 0
    with mail.get_connection() as connection:
        for items in by_user.values():
            user = items[0].recipient
            if user.email and user.is_active:
                with translation.override(user.preferred_language or None):
                    lines = [
                        f"- [{n.get_kind_display()}] {n.title}  {_absolute(n.url)}" for n in items
                    ]
                    subject = _("【信任】今日提醒摘要（%(n)s 条）") % {"n": len(items)}
                    _send(user, subject, "\n".join(lines) + "\n", connection)
                    sent += 1
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(digested_at=now)
    # Older leftovers (a day the digest did not run) are not mailed a day late.
    Notification.objects.filter(digested_at__isnull=True, created_at__lt=since).update(
        digested_at=now
    )
    return sent
