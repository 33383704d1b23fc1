from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    company_id: int | None
    account_id: int | None
    created_at: datetime
    read_at: datetime | None
    emailed_at: datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class ReadAllOut(Schema):
    marked: int


class PreferenceOut(Schema):
    kind: str
    label: str
    in_app: bool
    email: bool
    digest: bool


class PreferenceIn(Schema):
    kind: str
    in_app: bool | None = None
    email: bool | None = None
    digest: bool | None = None


class ReminderSettingsOut(Schema):
    business_unit_id: int
    renewal_days_before: int
    payment_days_before: int
    version: int


class ReminderSettingsIn(Schema):
    renewal_days_before: int | None = Field(None, ge=1, le=365)
    payment_days_before: int | None = Field(None, ge=0, le=90)
    version: int | None = Field(None, ge=1, description="optimistic lock: the version you read")
