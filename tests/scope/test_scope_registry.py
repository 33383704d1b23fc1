"""Scope of the registry views, generated: every built-in role × where the customer sits.
Registry records are public registry data (the 工商登记 page and API answer every role with the
view right); what links a record to a customer — the lookup's list of matching customers, the
company panel and the application page's side-by-side view — is shown only inside the user's
data scope."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.apis.conftest import ApiClient
from tests.kyc.conftest import register
from xinren.kyc import certification as cert
from xinren.orgs.auth import issue_token
from xinren.orgs.models import User

from .world import BUILTIN, POSITIONS, REACH, build_world

ROLES = sorted(BUILTIN)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_registry_views_scope(role):
    world = build_world(role)
    preparer = User.objects.create_superuser("preparer", password="x")
    app_of, rep_of = {}, {}
    for i, position in enumerate(POSITIONS):
        company = world.accounts[position].company
        rep_of[position] = f"登记法人{i}号"
        register(company, legal_rep=rep_of[position], lawsuit_count=i)
        app_of[position] = cert.open_application(
            actor=preparer, account_id=world.accounts[position].pk
        )
    user = world.user
    reach = REACH[BUILTIN[role][0]]
    page = Client()
    page.force_login(user)
    client = ApiClient(issue_token(user)[0])
    # public registry data: every role reads it, and it names no customer account
    registry_page = page.get("/kyc/registry/", {"q": "登记"})
    assert registry_page.status_code == 200
    listed = client.get("/kyc/registry", limit=200).json()["items"]
    assert {r["legal_rep"] for r in listed} == set(rep_of.values())
    for position in POSITIONS:
        company, seen = world.accounts[position].company, position in reach
        panel = page.get(f"/customers/{company.pk}/list-hits/").content.decode()
        assert ('data-testid="company-registry"' in panel) is seen, position
        assert (rep_of[position] in panel) is seen, position
        # the lookup names the customers the record describes: only those in scope
        found = page.get("/kyc/registry/", {"q": company.uscc}).content.decode()
        assert found.count('data-testid="registry-record"') == 1, position
        link = f'href="/customers/{company.pk}/" data-testid="registry-customer"'
        assert (link in found) is seen, position
        assert ('data-testid="registry-no-customer"' in found) is not seen, position
        answer = page.get(f"/kyc/applications/{app_of[position].pk}/")
        assert answer.status_code == (200 if seen else 404), position
        if seen:
            assert rep_of[position] in answer.content.decode()
