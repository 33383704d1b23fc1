from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Schema


class JobOut(Schema):
    id: UUID
    kind: str
    status: str
    done: int
    total: int
    percent: int
    message: str
    result: dict
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
