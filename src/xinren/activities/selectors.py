"""Scoped reads of interactions and of the customer timelines.

The timeline reads live here rather than in :mod:`xinren.timeline`: that package sits below
the customer packages (the change history writes to it) and knows customers only by id, while
a scoped read needs :mod:`xinren.customers.selectors`.

Timelines are keyset-paginated on ``(occurred_at, id)`` newest first: a page is one query on
the ``timeline_account`` / ``timeline_company`` index, whatever the history's length, and the
scope test is folded into that query (a second query runs only when the page comes back
empty, to tell "no events" from "not yours").
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from xinren.core.errors import field_error
from xinren.customers.models import Company, CustomerAccount
from xinren.customers.selectors import (
    account_scope_q,
    visible_accounts,
    visible_companies,
)
from xinren.orgs.access import has_action, user_scope
from xinren.orgs.models import Action, User
from xinren.timeline.models import EventKind, TimelineEvent

from .models import Interaction, InteractionKind

DEFAULT_LIMIT = 20
MAX_LIMIT = 200
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MAX_ID = 2**63 - 1


@dataclass
class Page:
    """One keyset page: ``items`` newest first and the cursor of the next page (or None)."""

    items: list = field(default_factory=list)
    next_cursor: str | None = None


# --- the keyset cursor ----------------------------------------------------------------------
def encode_cursor(occurred_at: dt.datetime, pk: int) -> str:
    micros = (occurred_at - _EPOCH) // dt.timedelta(microseconds=1)
    raw = f"t:{micros}:{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    """``(occurred_at, id)`` of the last row seen, or a field error naming ``cursor``."""
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii"))
        tag, micros, pk = raw.decode("ascii").split(":")
        at = _EPOCH + dt.timedelta(microseconds=int(micros))
        if tag != "t" or not 0 < int(pk) <= _MAX_ID or encode_cursor(at, int(pk)) != cursor:
            raise ValueError(cursor)
    except (ValueError, OverflowError, binascii.Error, UnicodeError):
        raise field_error(
            "cursor", _("分页游标无效，请从第一页重新开始。"), "invalid_cursor"
        ) from None
    return at, int(pk)


def keyset_page(queryset: QuerySet, *, cursor: str | None, limit: int) -> Page:
    """Newest first on ``(occurred_at, id)``. The redundant ``occurred_at <= t`` bound lets
    the index range start at the cursor instead of filtering every newer row."""
    limit = max(1, min(int(limit), MAX_LIMIT))
    if cursor:
        at, pk = decode_cursor(cursor)
        queryset = queryset.filter(occurred_at__lte=at).filter(Q(occurred_at__lt=at) | Q(pk__lt=pk))
    rows = list(queryset.order_by("-occurred_at", "-pk")[: limit + 1])
    items = rows[:limit]
    more = len(rows) > limit
    return Page(
        items=items,
        next_cursor=encode_cursor(items[-1].occurred_at, items[-1].pk) if more else None,
    )


def _check_kind(kind: str | None, choices: list[str]) -> None:
    if kind and kind not in choices:
        raise field_error(
            "kind", _("类型无效，可选：%(c)s。") % {"c": "、".join(choices)}, "choice"
        )


# --- interactions ---------------------------------------------------------------------------
def visible_interactions(
    user: User,
    *,
    account: CustomerAccount | int | None = None,
    kind: str | None = None,
    open_next_steps: bool = False,
) -> QuerySet[Interaction]:
    """Interactions of the accounts the user may see (optionally of one account / kind, or
    only those with a next step still to do)."""
    if not has_action(user, Action.VIEW):
        return Interaction.objects.none()
    qs = Interaction.objects.filter(account_scope_q(user_scope(user), prefix="account__"))
    if account is not None:
        qs = qs.filter(account_id=getattr(account, "pk", account))
    _check_kind(kind, InteractionKind.values)
    if kind:
        qs = qs.filter(kind=kind)
    if open_next_steps:
        qs = qs.exclude(next_step="").filter(next_step_done=False)
    return qs


def interaction_for(user: User, interaction_id: int) -> Interaction:
    """One interaction the user may see, with its account, staff and contacts; otherwise
    ``Interaction.DoesNotExist`` (also when out of scope)."""
    return (
        visible_interactions(user)
        .select_related("account", "account__company", "created_by")
        .prefetch_related("staff", "contacts")
        .get(pk=interaction_id)
    )


def account_interactions(
    user: User,
    account: CustomerAccount | int,
    *,
    kind: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """A page of one account's interactions, newest first (DoesNotExist when out of scope).
    Staff and contacts are prefetched: three queries per page, whatever its size."""
    pk = getattr(account, "pk", account)
    if not visible_accounts(user).filter(pk=pk).exists():
        raise CustomerAccount.DoesNotExist(pk)
    qs = visible_interactions(user, account=pk, kind=kind)
    page = keyset_page(qs, cursor=cursor, limit=limit)
    if page.items:
        from django.db.models import prefetch_related_objects

        prefetch_related_objects(page.items, "staff", "contacts")
    return page


# --- timelines ------------------------------------------------------------------------------
def account_timeline(
    user: User,
    account: CustomerAccount | int,
    kind: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """One account's timeline, newest first; ``CustomerAccount.DoesNotExist`` when the account
    is outside the user's scope. The first page is one query on ``timeline_account``."""
    pk = getattr(account, "pk", account)
    _check_kind(kind, EventKind.values)
    in_scope = visible_accounts(user).filter(pk=pk).values("pk")
    events = TimelineEvent.objects.filter(account_id=pk, account_id__in=in_scope)
    if kind:
        events = events.filter(kind=kind)
    page = keyset_page(events, cursor=cursor, limit=limit)
    if not page.items and not visible_accounts(user).filter(pk=pk).exists():
        raise CustomerAccount.DoesNotExist(pk)
    return page


def company_timeline(
    user: User,
    company: Company | int,
    kind: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """A company's timeline across the group, within scope: company-level events (golden
    record, contacts, company documents) plus the events of the accounts the user may see —
    never those of another subsidiary's account the user does not reach.
    ``Company.DoesNotExist`` when the company is outside the user's scope."""
    pk = getattr(company, "pk", company)
    _check_kind(kind, EventKind.values)
    events = TimelineEvent.objects.filter(
        company_id=pk, company_id__in=visible_companies(user).filter(pk=pk).values("pk")
    )
    if not user_scope(user).everything:
        accounts = visible_accounts(user).filter(company_id=pk).values("pk")
        events = events.filter(Q(account_id__isnull=True) | Q(account_id__in=accounts))
    if kind:
        events = events.filter(kind=kind)
    page = keyset_page(events, cursor=cursor, limit=limit)
    if not page.items and not visible_companies(user).filter(pk=pk).exists():
        raise Company.DoesNotExist(pk)
    return page


def actor_names(events: list[TimelineEvent]) -> dict[int, str]:
    """Who recorded each event of a page (one query for the whole page; the page query itself
    stays a single-table read of the timeline index)."""
    ids = {e.actor_id for e in events if e.actor_id}
    if not ids:
        return {}
    return {
        pk: full_name or username
        for pk, full_name, username in User.objects.filter(pk__in=ids).values_list(
            "pk", "full_name", "username"
        )
    }


def interactions_by_id(user: User, events: list[TimelineEvent]) -> dict[int, Interaction]:
    """The interactions behind a page of timeline events (one query, scoped), so a page can
    show the summary, the late mark and the next step's state with its "done" button."""
    ids = [e.source_id for e in events if e.source == "activities.interaction"]
    if not ids:
        return {}
    return {i.pk: i for i in visible_interactions(user).filter(pk__in=ids)}


# --- people and next steps ------------------------------------------------------------------
STAFF_CANDIDATES_MAX = 500


def staff_candidates(actor: User, accounts: list[CustomerAccount]) -> list[User]:
    """Whom the log form offers as taking part: the actor first, then the active colleagues
    of the accounts' subsidiaries (the set the account page's service-team picker offers;
    :func:`xinren.activities.services.staff_allowed` is the rule on save). One query."""
    units = {a.business_unit_id for a in accounts}
    users = list(
        User.objects.filter(
            Q(pk=actor.pk) | Q(is_active=True, org_unit__business_unit_id__in=units)
        )
        .select_related("org_unit")
        .order_by("org_unit__name", "full_name", "username")[:STAFF_CANDIDATES_MAX]
    )
    users.sort(key=lambda u: u.pk != actor.pk)  # stable: the actor first, the rest as ordered
    return users


MY_NEXT_STEPS_PAGE = 50


def my_next_steps(user: User) -> QuerySet[Interaction]:
    """Open next steps (not done) of the accounts the user may see, where the user owns or
    serves the account or took part in the interaction."""
    mine = Q(account__owner=user) | Q(account__service_team=user) | Q(staff=user)
    ids = visible_interactions(user, open_next_steps=True).filter(mine).values("pk")
    return Interaction.objects.filter(pk__in=ids)


def _step_cursor(due: dt.date, pk: int) -> str:
    return f"{due.isoformat()}.{pk}"


def next_steps_page(user: User, *, after: str | None, limit: int = MY_NEXT_STEPS_PAGE) -> Page:
    """One page of :func:`my_next_steps`, due date ascending (the most overdue first), keyset
    on ``(next_step_due, id)``; a garbled ``after`` starts at the beginning."""
    qs = my_next_steps(user).filter(next_step_due__isnull=False)  # the service requires one
    if after:
        try:
            day, pk = after.split(".", 1)
            due, last = dt.date.fromisoformat(day), int(pk)
        except ValueError:
            due = None
        if due is not None and _step_cursor(due, last) == after:
            qs = qs.filter(next_step_due__gte=due).filter(Q(next_step_due__gt=due) | Q(pk__gt=last))
    rows = list(
        qs.select_related("account", "account__company").order_by("next_step_due", "pk")[
            : limit + 1
        ]
    )
    items = rows[:limit]
    more = len(rows) > limit
    return Page(
        items=items,
        next_cursor=_step_cursor(items[-1].next_step_due, items[-1].pk) if more else None,
    )
