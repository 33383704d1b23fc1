"""Notification centre, preferences and reminder settings; rules live in :mod:`.services`."""

from __future__ import annotations

from typing import Literal

from ninja import Router

from xinren.core.pagination import cursor_page
from xinren.orgs.api import ERRORS, Cursor, page_size
from xinren.orgs.schemas import Id
from xinren.orgs.selectors import org_unit_for

from . import selectors, services
from .models import NotificationKind
from .schemas import (
    NotificationOut,
    NotificationPage,
    PreferenceIn,
    PreferenceOut,
    ReadAllOut,
    ReminderSettingsIn,
    ReminderSettingsOut,
)

router = Router(tags=["notifications"])
KindName = Literal[tuple(NotificationKind.values)]  # type: ignore[valid-type]


@router.get("/notifications", response={200: NotificationPage, **ERRORS})
def list_notifications(
    request,
    unread: bool = False,
    kind: KindName | None = None,
    cursor: Cursor = None,
    limit: int = page_size(),
):
    """The caller's own notifications, newest first (cursor pages), and the unread count."""
    user = request.auth
    page = cursor_page(
        selectors.notifications_for(user, unread=unread, kind=kind), cursor=cursor, limit=limit
    )
    return {
        "items": page.items,
        "next_cursor": page.next_cursor,
        "unread": selectors.unread_count(user),
    }


@router.post("/notifications/read-all", response={200: ReadAllOut, **ERRORS})
def read_all(request):
    return {"marked": services.mark_all_read(actor=request.auth)}


@router.post("/notifications/{notification_id}/read", response={200: NotificationOut, **ERRORS})
def read_one(request, notification_id: Id):
    return services.mark_read(actor=request.auth, notification_id=notification_id)


@router.get("/me/notification-preferences", response={200: list[PreferenceOut], **ERRORS})
def get_preferences(request):
    """Per kind: in the app, by e-mail, in the daily digest."""
    return selectors.preferences_of(request.auth)


@router.put("/me/notification-preferences", response={200: list[PreferenceOut], **ERRORS})
def put_preferences(request, payload: list[PreferenceIn]):
    choices = {
        p.kind: {k: v for k, v in p.dict().items() if k != "kind" and v is not None}
        for p in payload
    }
    services.set_preferences(actor=request.auth, choices=choices)
    return selectors.preferences_of(request.auth)


def _settings_out(record) -> dict:
    return {
        "business_unit_id": record.business_unit_id,
        "renewal_days_before": record.renewal_days_before,
        "payment_days_before": record.payment_days_before,
        "version": record.version,
    }


@router.get(
    "/business-units/{unit_id}/reminder-settings", response={200: ReminderSettingsOut, **ERRORS}
)
def get_reminder_settings(request, unit_id: Id):
    """Reminder lead days of a subsidiary (defaults: renewal 30, payment 3)."""
    unit = org_unit_for(request.auth, unit_id)
    return _settings_out(services.reminder_settings(unit))


@router.put(
    "/business-units/{unit_id}/reminder-settings", response={200: ReminderSettingsOut, **ERRORS}
)
def put_reminder_settings(request, unit_id: Id, payload: ReminderSettingsIn):
    unit = org_unit_for(request.auth, unit_id)
    data = payload.dict(exclude={"version"}, exclude_none=True)
    record = services.update_reminder_settings(
        actor=request.auth, business_unit=unit, data=data, expected_version=payload.version
    )
    return _settings_out(record)
