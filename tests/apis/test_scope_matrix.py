"""The data-scope matrix through the API: every built-in role × where the customer sits ×
resource × verb. Expected answers come from the role's scope and actions (tests/scope/world)
— out of scope is always 404 (never revealing the record exists), in scope without the right
is 403. Lists, search and export never include a row out of scope."""

from __future__ import annotations

import io
import itertools

import pytest

from tests import factories
from tests.scope.world import BUILTIN, POSITIONS, REACH, build_world
from xinren.customers import services
from xinren.orgs.auth import issue_token

from .conftest import ApiClient

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + bytes(16)
RESOURCES = ["company", "account", "contact", "document"]
# The action each verb needs, per resource (deleting a contact is an edit of the customer).
NEEDS = {
    "company": {"GET": "view", "PATCH": "edit", "DELETE": "delete"},
    "account": {"GET": "view", "PATCH": "edit", "DELETE": "delete"},
    "contact": {"GET": "view", "PATCH": "edit", "DELETE": "edit"},
    "document": {"GET": "view", "DOWNLOAD": "view", "DELETE": "delete"},
}
OK = {"GET": 200, "DOWNLOAD": 200, "PATCH": 200, "DELETE": 204}


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def furnish(world):
    """A contact and a document on every customer of the world."""
    admin = factories.make_user(world.org.hq, "group_admin", username="worldadmin")
    world.contacts, world.documents = {}, {}
    for position, account in world.accounts.items():
        company = account.company
        world.contacts[position] = services.create_contact(
            actor=admin,
            company=company,
            data={"name": f"{position}联系人", "work_phone": "13800138000"},
        )
        upload = io.BytesIO(PNG)
        upload.name, upload.size = f"{position}.png", len(PNG)
        world.documents[position] = services.upload_document(
            actor=admin, company=company, file=upload, doc_type="contract"
        )
    world.api = ApiClient(issue_token(world.user)[0])
    return world


def expected(role: str, position: str, resource: str, verb: str) -> int:
    scope, actions = BUILTIN[role]
    if position not in REACH[scope] or "view" not in actions:
        return 404
    return OK[verb] if NEEDS[resource][verb] in actions else 403


def call(world, position: str, resource: str, verb: str) -> int:
    api = world.api
    if resource == "company":
        obj, path = world.accounts[position].company, "/companies/{}"
        body = {"version": 1, "main_business": "矩阵"}
    elif resource == "account":
        obj, path = world.accounts[position], "/accounts/{}"
        body = {"version": 1, "notes": "矩阵"}
    elif resource == "contact":
        obj, path = world.contacts[position], "/contacts/{}"
        body = {"version": 1, "title": "矩阵"}
    else:
        obj, path = world.documents[position], "/documents/{}"
        body = None
    path = path.format(obj.pk)
    if verb == "GET":
        return api.get(path).status_code
    if verb == "DOWNLOAD":
        return api.get(path + "/download").status_code
    if verb == "PATCH":
        return api.patch(path, body).status_code
    return api.delete(path).status_code


CELLS = [
    (role, position, resource)
    for role, position, resource in itertools.product(sorted(BUILTIN), POSITIONS, RESOURCES)
]


@pytest.mark.parametrize("role,position,resource", CELLS, ids=["-".join(c) for c in CELLS])
def test_scope_cell(role, position, resource):
    world = furnish(build_world(role))
    verbs = list(NEEDS[resource])  # reads first, the delete last
    got = {verb: call(world, position, resource, verb) for verb in verbs}
    want = {verb: expected(role, position, resource, verb) for verb in verbs}
    assert got == want


@pytest.mark.parametrize("role", sorted(BUILTIN))
def test_lists_search_and_export_hold_only_rows_in_scope(role):
    world = furnish(build_world(role))
    scope, actions = BUILTIN[role]
    reach = REACH[scope]
    company_of = {p: a.company_id for p, a in world.accounts.items()}
    inside = {company_of[p] for p in reach}
    api = world.api

    listed = {c["id"] for c in api.get("/companies", limit=200).json()["items"]}
    assert listed & set(company_of.values()) == inside
    searched = {c["id"] for c in api.get("/companies", q="矩阵", limit=200).json()["items"]}
    assert searched == inside
    by_pinyin = {c["id"] for c in api.get("/companies", q="juzhen", limit=200).json()["items"]}
    assert by_pinyin == inside
    accounts = {a["id"] for a in api.get("/accounts", limit=200).json()["items"]}
    assert accounts == {world.accounts[p].pk for p in reach}
    # Filters never widen the scope, even when they name a row outside it.
    for position, account in world.accounts.items():
        filtered = api.get("/companies", owner_id=account.owner_id, limit=200).json()["items"]
        assert {c["id"] for c in filtered} <= inside
        docs = api.get(f"/companies/{account.company_id}/documents")
        contacts = api.get(f"/companies/{account.company_id}/contacts")
        history = api.get(f"/companies/{account.company_id}/history")
        status = 200 if position in reach else 404
        assert (docs.status_code, contacts.status_code, history.status_code) == (status,) * 3

    export = api.get("/companies/export.csv")
    if "export" in actions:
        assert export.status_code == 200
        text = b"".join(export.streaming_content).decode("utf-8-sig")
        for position, account in world.accounts.items():
            assert (account.company.name in text) is (position in reach)
    else:
        assert export.status_code == 403
