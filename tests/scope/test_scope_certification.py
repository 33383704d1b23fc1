"""Scope of certification applications, generated: every built-in role × where the customer's
account sits. An application follows its account's scope: listed, read and decided only inside
the user's data scope; outside it the API and the pages answer 404, as for any customer."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.apis.conftest import ApiClient
from xinren.kyc import certification as cert
from xinren.kyc.models import Application
from xinren.kyc.selectors import visible_applications
from xinren.orgs.auth import issue_token
from xinren.orgs.models import Role, User

from .world import BUILTIN, POSITIONS, REACH, build_world

ROLES = sorted(BUILTIN)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_applications_scope(role):
    world = build_world(role)
    preparer = User.objects.create_superuser("preparer", password="x")
    app_of = {}
    for position in POSITIONS:
        app = cert.open_application(actor=preparer, account_id=world.accounts[position].pk)
        cert.submit(actor=preparer, application_id=app.pk)
        app_of[position] = cert.start_review(actor=preparer, application_id=app.pk)
    user = world.user
    reach = REACH[BUILTIN[role][0]]
    approves = "approve" in Role.objects.get(code=role).actions
    expected = {app_of[p].pk for p in POSITIONS if p in reach}

    assert set(visible_applications(user).values_list("pk", flat=True)) == expected
    client = ApiClient(issue_token(user)[0])
    body = client.get("/kyc/applications", limit=200).json()
    assert {a["id"] for a in body["items"]} == expected
    page = Client()
    page.force_login(user)
    queue = page.get("/kyc/applications/").content.decode()
    for position in POSITIONS:
        app, seen = app_of[position], position in reach
        assert (world.accounts[position].company.name in queue) is seen, position
        assert client.get(f"/kyc/applications/{app.pk}").status_code == (200 if seen else 404)
        assert page.get(f"/kyc/applications/{app.pk}/").status_code == (200 if seen else 404)
        answer = client.post(
            f"/kyc/applications/{app.pk}/decision", {"outcome": "rejected", "reason": "矩阵"}
        )
        if not approves:
            assert answer.status_code == 403, position
        else:
            assert answer.status_code == (200 if seen else 404), position
        status = Application.objects.get(pk=app.pk).status
        assert status == ("rejected" if seen and approves else "in_review"), position


# Every write of an application, with the right it needs (checks: edit or approve).
STEPS = [
    ("patch", "", {"licence_uscc": None}, {"edit"}),  # a valid USCC, set below
    ("post", "/submit", {}, {"edit"}),
    ("post", "/review", {}, {"approve"}),
    ("post", "/return", {"note": "矩阵"}, {"approve"}),
    ("post", "/checks", {}, {"edit", "approve"}),
    (
        "post",
        "/references",
        {"name": "甲", "contact": "1", "contacted_on": "2026-11-01", "outcome": "positive"},
        {"edit"},
    ),  # fmt: skip
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_application_steps_and_checks_scope(role):
    """Steps, checks, references and the licence USCC, through the API and the page: outside
    the data scope 404 (with the right; 403 without it), inside never 404."""
    world = build_world(role)
    preparer = User.objects.create_superuser("preparer", password="x")
    app_of = {
        p: cert.open_application(actor=preparer, account_id=world.accounts[p].pk) for p in POSITIONS
    }
    user = world.user
    reach = REACH[BUILTIN[role][0]]
    actions = set(Role.objects.get(code=role).actions)
    client = ApiClient(issue_token(user)[0])
    page = Client()
    page.force_login(user)
    for position in POSITIONS:
        app, seen = app_of[position], position in reach
        for method, path, body, needs in STEPS:
            if "licence_uscc" in body:
                body = {"licence_uscc": world.accounts[position].company.uscc}
            answer = getattr(client, method)(f"/kyc/applications/{app.pk}{path}", body)
            code = answer.status_code
            if not needs & actions:
                assert code == 403, (position, path)
            elif seen:
                assert code not in (403, 404), (position, path, code)
            else:
                assert code == 404, (position, path)
        posted = page.post(f"/kyc/applications/{app.pk}/", {"action": "checks"})
        assert (posted.status_code == 404) is (not seen), position
        opened = page.post("/kyc/applications/new/", {"account": world.accounts[position].pk})
        if "create" not in actions:
            assert opened.status_code == 403, position
        else:
            assert opened.status_code == (302 if seen else 404), position
    outside = [app_of[p].pk for p in POSITIONS if p not in reach]
    # nothing of an application outside the scope changed
    assert not Application.objects.filter(pk__in=outside).exclude(status="draft").exists()
    assert not Application.objects.filter(pk__in=outside, licence_uscc__gt="").exists()
