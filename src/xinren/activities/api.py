"""REST endpoints of interactions and customer timelines. Parse → selector / service →
schema; every rule lives in :mod:`.services`, every scoped read in :mod:`.selectors`.
Anything outside the caller's scope answers 404."""

from __future__ import annotations

from django.utils import timezone
from ninja import Query, Router

from xinren.customers.selectors import account_for
from xinren.orgs.api import ERRORS, Cursor, Status, api_field_names
from xinren.orgs.schemas import Id

from . import selectors, services
from .schemas import (
    EventKindName,
    InteractionIn,
    InteractionKindName,
    InteractionOut,
    InteractionPage,
    InteractionPatch,
    TimelinePage,
    VersionIn,
)

router = Router(tags=["interactions"])

API_FIELDS = {"staff": "staff_ids", "contacts": "contact_ids"}


def _named(page: selectors.Page) -> selectors.Page:
    """Put the actor's name on each event (one query per page)."""
    names = selectors.actor_names(page.items)
    for event in page.items:
        event.actor_name = names.get(event.actor_id, "")
    return page


def _limit(default: int = selectors.DEFAULT_LIMIT):
    return Query(default, ge=1, le=selectors.MAX_LIMIT, description="rows per page (max 200)")


@router.get("/accounts/{account_id}/interactions", response={200: InteractionPage, **ERRORS})
def list_interactions(
    request,
    account_id: Id,
    kind: InteractionKindName | None = None,
    cursor: Cursor = None,
    limit: int = _limit(),
):
    """The account's interactions, newest first (keyset: pass ``next_cursor`` as ``cursor``)."""
    return selectors.account_interactions(
        request.auth, account_id, kind=kind, cursor=cursor, limit=limit
    )


@router.post("/accounts/{account_id}/interactions", response={201: InteractionOut, **ERRORS})
def log_interaction(request, account_id: Id, payload: InteractionIn):
    """Log a visit, call, e-mail, meeting or social message. ``late`` is set when it is logged
    more than 24 hours after ``occurred_at``; a visit moves the account's visit due date."""
    user = request.auth
    account = account_for(user, account_id)
    with api_field_names(API_FIELDS):
        interaction = services.log_interaction(
            actor=user,
            account=account,
            kind=payload.kind,
            occurred_at=payload.occurred_at or timezone.now(),
            subject=payload.subject,
            summary=payload.summary,
            next_step=payload.next_step,
            next_step_due=payload.next_step_due,
            staff=payload.staff_ids,
            contacts=payload.contact_ids,
        )
    return Status(201, selectors.interaction_for(user, interaction.pk))


@router.get("/interactions/{interaction_id}", response={200: InteractionOut, **ERRORS})
def get_interaction(request, interaction_id: Id):
    return selectors.interaction_for(request.auth, interaction_id)


@router.patch("/interactions/{interaction_id}", response={200: InteractionOut, **ERRORS})
def update_interaction(request, interaction_id: Id, payload: InteractionPatch):
    """Change what was logged; ``version`` is the one you read (409 when stale)."""
    user = request.auth
    interaction = selectors.interaction_for(user, interaction_id)
    data = payload.dict(exclude_unset=True, exclude={"version"})
    for api_name, field in (("staff_ids", "staff"), ("contact_ids", "contacts")):
        if api_name in data:
            data[field] = data.pop(api_name) or []
    with api_field_names(API_FIELDS):
        services.update_interaction(
            actor=user, interaction=interaction, data=data, expected_version=payload.version
        )
    return selectors.interaction_for(user, interaction_id)


@router.delete("/interactions/{interaction_id}", response={204: None, **ERRORS})
def delete_interaction(request, interaction_id: Id):
    user = request.auth
    services.delete_interaction(
        actor=user, interaction=selectors.interaction_for(user, interaction_id)
    )
    return Status(204, None)


@router.post(
    "/interactions/{interaction_id}/complete-next-step", response={200: InteractionOut, **ERRORS}
)
def complete_next_step(request, interaction_id: Id, payload: VersionIn | None = None):
    """Mark the next step done (``version`` optional; 409 when stale)."""
    user = request.auth
    interaction = selectors.interaction_for(user, interaction_id)
    services.complete_next_step(
        actor=user,
        interaction=interaction,
        expected_version=payload.version if payload else None,
    )
    return selectors.interaction_for(user, interaction_id)


@router.get(
    "/accounts/{account_id}/timeline", response={200: TimelinePage, **ERRORS}, tags=["timeline"]
)
def account_timeline(
    request,
    account_id: Id,
    kind: EventKindName | None = None,
    cursor: Cursor = None,
    limit: int = _limit(),
):
    """Everything that happened with one account, newest first: interactions, contracts,
    orders, payments, documents, changes. Keyset pages: pass ``next_cursor`` as ``cursor``."""
    return _named(
        selectors.account_timeline(request.auth, account_id, kind=kind, cursor=cursor, limit=limit)
    )


@router.get(
    "/companies/{company_id}/timeline", response={200: TimelinePage, **ERRORS}, tags=["timeline"]
)
def company_timeline(
    request,
    company_id: Id,
    kind: EventKindName | None = None,
    cursor: Cursor = None,
    limit: int = _limit(),
):
    """The company's timeline across the group, within the caller's scope: company-level
    events and those of the accounts the caller may see."""
    return _named(
        selectors.company_timeline(request.auth, company_id, kind=kind, cursor=cursor, limit=limit)
    )
