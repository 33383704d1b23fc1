"""Org units, users and roles through the API, scoped to what the caller manages, and
their change history."""

from __future__ import annotations

import pytest

from tests.apis.conftest import errors_of
from tests.factories import PASSWORD, make_user
from xinren.orgs.models import OrgUnit, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_admin(org):
    return make_user(org.sub_a, "subsidiary_admin", username="a_admin")


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["items"]}


def test_subsidiary_admin_sees_and_manages_only_its_subtree(org, a_admin, api_as):
    api = api_as(a_admin)
    assert ids(api.get("/org-units")) == {
        org.sub_a.pk,
        org.a_sales.pk,
        org.a_east.pk,
        org.a_service.pk,
    }
    assert api.get(f"/org-units/{org.sub_b.pk}").status_code == 404
    created = api.post(
        "/org-units",
        {"name": "华东二组", "code": "SA-S2", "kind": "department", "parent_id": org.a_sales.pk},
    )
    assert created.status_code == 201, created.content
    assert created.json()["path"].startswith(org.a_sales.path)
    outside = api.post(
        "/org-units",
        {"name": "越权", "code": "X1", "kind": "department", "parent_id": org.sub_b.pk},
    )
    assert outside.status_code == 422
    assert errors_of(outside) == {("parent_id", "not_found")}
    assert not OrgUnit.objects.filter(code="X1").exists()


def test_org_unit_patch_move_conflict_and_delete(org, admin_api):
    unit = admin_api.post(
        "/org-units",
        {"name": "临时部", "code": "TMP", "kind": "department", "parent_id": org.sub_a.pk},
    ).json()
    moved = admin_api.patch(
        f"/org-units/{unit['id']}", {"version": unit["version"], "parent_id": org.sub_b.pk}
    )
    assert moved.status_code == 200
    assert moved.json()["business_unit_id"] == org.sub_b.pk
    stale = admin_api.patch(f"/org-units/{unit['id']}", {"version": unit["version"], "name": "x"})
    assert stale.status_code == 409
    cycle = admin_api.patch(
        f"/org-units/{org.a_sales.pk}", {"version": org.a_sales.version, "parent_id": org.a_east.pk}
    )
    assert cycle.status_code == 422
    assert errors_of(cycle) == {("parent_id", "cycle")}
    upside_down = admin_api.patch(
        f"/org-units/{org.sub_a.pk}", {"version": org.sub_a.version, "parent_id": org.b_sales.pk}
    )
    assert errors_of(upside_down) == {("parent_id", "subsidiary_under_department")}
    busy = admin_api.delete(f"/org-units/{org.sub_a.pk}")
    assert busy.status_code == 422
    assert errors_of(busy) == {("unit", "has_children")}
    assert admin_api.delete(f"/org-units/{unit['id']}").status_code == 204
    assert not OrgUnit.objects.filter(pk=unit["id"]).exists()


def test_users_create_patch_deactivate_and_password(org, a_admin, api_as, client):
    api = api_as(a_admin)
    sales_rep = Role.objects.get(code="sales_rep")
    created = api.post(
        "/users",
        {
            "username": "newrep",
            "password": "Another-pass-2026",
            "org_unit_id": org.a_east.pk,
            "role_id": sales_rep.pk,
            "full_name": "新销售",
            "work_phone": "13800138000",
        },
    )
    assert created.status_code == 201, created.content
    user = created.json()
    assert (user["role_code"], user["org_unit_id"]) == ("sales_rep", org.a_east.pk)
    assert "password" not in user
    patched = api.patch(f"/users/{user['id']}", {"version": user["version"], "full_name": "改名"})
    assert patched.json()["full_name"] == "改名"
    assert (
        api.post(f"/users/{user['id']}/password", {"password": "Third-pass-2026x"}).status_code
        == 204
    )
    assert User.objects.get(pk=user["id"]).check_password("Third-pass-2026x")
    assert api.delete(f"/users/{user['id']}").status_code == 204
    assert User.objects.get(pk=user["id"]).is_active is False


def test_no_one_grants_more_than_they_hold(org, a_admin, api_as):
    api = api_as(a_admin)
    group_admin = Role.objects.get(code="group_admin")
    response = api.post(
        "/users",
        {
            "username": "boss",
            "password": "Another-pass-2026",
            "org_unit_id": org.a_sales.pk,
            "role_id": group_admin.pk,
        },
    )
    assert response.status_code == 422
    assert errors_of(response) == {("role_id", "escalation")}
    assert not User.objects.filter(username="boss").exists()
    colleague = make_user(org.a_sales, "sales_rep")
    raise_ = api.patch(
        f"/users/{colleague.pk}", {"version": colleague.version, "role_id": group_admin.pk}
    )
    assert errors_of(raise_) == {("role_id", "escalation")}
    grantable = {r["code"] for r in api.get("/roles").json()["items"] if r["grantable"]}
    assert "group_admin" not in grantable and "sales_rep" in grantable


def test_users_outside_the_subtree_are_invisible(org, a_admin, api_as):
    stranger = make_user(org.b_sales, "sales_rep")
    api = api_as(a_admin)
    assert stranger.pk not in ids(api.get("/users"))
    assert api.get(f"/users/{stranger.pk}").status_code == 404
    assert (
        api.post(f"/users/{stranger.pk}/password", {"password": "Whatever-2026x"}).status_code
        == 404
    )
    assert api.patch(f"/users/{stranger.pk}", {"version": 1, "full_name": "x"}).status_code == 404


def test_weak_password_names_the_field(org, admin_api):
    rep = make_user(org.a_sales, "sales_rep")
    response = admin_api.post(f"/users/{rep.pk}/password", {"password": "123"})
    assert response.status_code == 422
    assert {field for field, _rule in errors_of(response)} == {"password"}
    rep.refresh_from_db()
    assert rep.check_password(PASSWORD)


def test_roles_are_defined_by_group_configurers_only(org, a_admin, admin_api, api_as):
    created = admin_api.post(
        "/roles",
        {
            "code": "kyc_clerk",
            "name": "认证专员",
            "scope": "subsidiary",
            "actions": ["view", "approve"],
        },
    )
    assert created.status_code == 201, created.content
    role = created.json()
    assert (
        api_as(a_admin)
        .post("/roles", {"code": "x", "name": "x", "scope": "own", "actions": []})
        .status_code
        == 403
    )
    bad = admin_api.post("/roles", {"code": "y", "name": "y", "scope": "own", "actions": ["fly"]})
    assert bad.status_code == 422
    assert ("actions.0", "literal_error") in errors_of(bad)
    builtin = Role.objects.get(code="auditor")
    locked = admin_api.patch(f"/roles/{builtin.pk}", {"version": builtin.version, "scope": "own"})
    assert errors_of(locked) == {("scope", "builtin")}
    renamed = admin_api.patch(f"/roles/{role['id']}", {"version": 1, "name": "KYC 专员"})
    assert renamed.json()["name"] == "KYC 专员"
    assert admin_api.delete(f"/roles/{builtin.pk}").status_code == 422
    assert admin_api.delete(f"/roles/{role['id']}").status_code == 204


def test_without_configure_everything_is_empty_or_forbidden(org, api_as):
    rep = api_as(make_user(org.a_sales, "sales_rep"))
    assert ids(rep.get("/org-units")) == set()
    assert ids(rep.get("/users")) == set()
    assert ids(rep.get("/roles")) == set()
    assert ids(rep.get("/changes", entity="user")) == set()
    assert rep.get(f"/org-units/{org.a_sales.pk}").status_code == 404


def test_change_history_of_users_and_roles(org, a_admin, admin_api, api_as):
    rep = make_user(org.a_sales, "sales_rep")
    admin_api.patch(f"/users/{rep.pk}", {"version": rep.version, "full_name": "新名字"})
    rows = admin_api.get("/changes", entity="user", object_id=rep.pk).json()["items"]
    update = next(r for r in rows if r["action"] == "update")
    assert update["changes"]["full_name"] == {"before": "", "after": "新名字"}
    assert update["actor_name"] == "admin"
    # A subsidiary admin reads the history of its own subtree only.
    stranger = make_user(org.b_sales, "sales_rep")
    scoped = api_as(a_admin)
    assert ids(scoped.get("/changes", entity="user", object_id=rep.pk))
    assert ids(scoped.get("/changes", entity="user", object_id=stranger.pk)) == set()
    bad = admin_api.get("/changes", entity="company")
    assert bad.status_code == 422
