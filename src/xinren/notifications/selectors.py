"""Reads of the notification centre: always the user's own notifications only."""

from __future__ import annotations

from django.db.models import QuerySet

from xinren.orgs.access import manageable_units
from xinren.orgs.models import OrgUnit, User

from .models import Notification, NotificationKind
from .services import CHANNELS, channels_for


def notifications_for(user: User, unread: bool = False, kind: str | None = None) -> QuerySet:
    qs = Notification.objects.filter(recipient_id=user.pk)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def notification_for(user: User, notification_id: int) -> Notification:
    return notifications_for(user).get(pk=notification_id)


def unread_count(user: User) -> int:
    """One indexed count (recipient, read_at)."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def preferences_of(user: User) -> list[dict]:
    """Every kind with its channels (defaults filled in), in display order."""
    channels = channels_for({user.pk})
    return [
        {
            "kind": kind,
            "label": str(label),
            **dict(zip(CHANNELS, channels(user.pk, kind), strict=True)),
        }
        for kind, label in NotificationKind.choices
    ]


def configurable_units(user: User) -> QuerySet[OrgUnit]:
    """Subsidiaries (and the group) whose reminder settings the user may edit."""
    return manageable_units(user).filter(kind__in=[OrgUnit.Kind.GROUP, OrgUnit.Kind.SUBSIDIARY])
