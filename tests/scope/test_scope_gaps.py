"""Data scope of the gap-closing additions as a generated matrix: every built-in role × where
the customer sits × {edit a milestone (service, API, page), edit an order (page), see a next
step on "My next steps"}. Expected outcomes are computed from world.BUILTIN / REACH; outside
the scope the answer is always "not found" (404), never a 403 that confirms the record."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.test import Client
from django.utils import timezone

from tests.apis.conftest import ApiClient
from xinren.activities import selectors as activity_selectors
from xinren.activities.models import Interaction
from xinren.orgs.auth import issue_token
from xinren.sales import services
from xinren.sales.models import Order, PaymentMilestone

from .world import BUILTIN, POSITIONS, REACH, build_world

ACTIONS = ["milestone_service", "milestone_api", "milestone_page", "order_page", "next_steps"]
NEEDS = {
    "milestone_service": "edit",
    "milestone_api": "edit",
    "milestone_page": "edit",
    "order_page": "edit",
    "next_steps": "view",
}


def expected(role: str, position: str, action: str) -> tuple[bool, bool]:
    """(succeeds, reaches): a refusal is 404 unless the record is within reach."""
    scope, actions = BUILTIN[role]
    reach = position in REACH[scope]
    return reach and NEEDS[action] in actions, reach


def attempt(action: str, user, account) -> tuple[bool, int | None]:
    order = Order.objects.create(
        account=account, number=f"SO-{action}", ordered_on=dt.date(2026, 2, 1),
        amount=Decimal("500"),
    )  # fmt: skip
    m = PaymentMilestone.objects.create(
        account=account, order=order, due_on=dt.date(2026, 3, 1), amount=Decimal("200")
    )
    if action == "milestone_service":
        try:
            services.update_milestone(
                actor=user, milestone=m, data={"description": "改"}, expected_version=1
            )
        except (PermissionDenied, ObjectDoesNotExist):
            return False, None
        return True, None
    if action == "milestone_api":
        res = ApiClient(issue_token(user)[0]).patch(
            f"/milestones/{m.pk}", {"version": 1, "description": "改"}
        )
        return res.status_code == 200, res.status_code
    client = Client()
    client.force_login(user)
    if action == "milestone_page":
        res = client.post(
            f"/milestones/{m.pk}/edit/",
            {"due_on": "2026-03-02", "amount": "200.00", "description": "改", "version": "1"},
        )
        return res.status_code == 302, res.status_code
    if action == "order_page":
        res = client.post(
            f"/orders/{order.pk}/edit/", {"ordered_on": "2026-02-03", "notes": "改", "version": "1"}
        )
        return res.status_code == 302, res.status_code
    step = Interaction.objects.create(
        account=account, company_id=account.company_id, kind="call", subject="矩阵",
        occurred_at=timezone.now(), logged_at=timezone.now(), next_step="矩阵下一步",
        next_step_due=timezone.localdate(),
    )  # fmt: skip
    step.staff.set([user])  # took part: "mine" wherever the account sits — scope decides
    page = activity_selectors.next_steps_page(user, after=None)
    shown = step in page.items
    html = client.get("/me/next-steps/").content.decode()
    assert shown == ("矩阵下一步" in html)
    return shown, None


CELLS = list(itertools.product(sorted(BUILTIN), POSITIONS, ACTIONS))


@pytest.mark.django_db
@pytest.mark.parametrize("role,position,action", CELLS, ids=["-".join(c) for c in CELLS])
def test_scope_cell(role, position, action, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_world(role)
    account = world.accounts[position]
    want, reach = expected(role, position, action)
    got, status = attempt(action, world.user, account)
    assert got is want
    if status is not None and not want:
        assert status == (403 if reach else 404)
    if not want and action.startswith("milestone"):
        assert PaymentMilestone.objects.get(account=account).version == 1
    if not want and action == "order_page":
        assert Order.objects.get(account=account).notes == ""
