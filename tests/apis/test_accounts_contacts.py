"""Accounts (open, edit, service team, delete) and contacts (work phone only, masking)."""

from __future__ import annotations

import pytest

from tests.apis.conftest import errors_of
from tests.factories import make_customer, make_user
from xinren.customers.models import Contact, CustomerAccount

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org):
    return {
        "a_admin": make_user(org.sub_a, "subsidiary_admin"),
        "a_rep": make_user(org.a_sales, "sales_rep"),
        "a_agent": make_user(org.a_service, "service_agent"),
        "b_rep": make_user(org.b_sales, "sales_rep"),
        "b_admin": make_user(org.sub_b, "subsidiary_admin"),
    }


def test_open_account_for_another_business_unit(people, api_as, admin_api, admin):
    account = make_customer(people["a_rep"])
    response = admin_api.post(
        f"/companies/{account.company_id}/accounts",
        {"owner_id": people["b_rep"].pk, "account_type": "B2B", "status": "deal"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["business_unit_id"] == people["b_rep"].org_unit.business_unit_id
    assert body["status"] == "deal"
    again = admin_api.post(
        f"/companies/{account.company_id}/accounts", {"owner_id": people["b_rep"].pk}
    )
    assert again.status_code == 422
    assert errors_of(again) == {("company", "duplicate_account")}
    assert CustomerAccount.objects.filter(company=account.company).count() == 2


def test_patch_account_owner_and_conflict(people, api_as):
    account = make_customer(people["a_rep"])
    api = api_as(people["a_admin"])
    moved = api.patch(
        f"/accounts/{account.pk}",
        {"version": 1, "owner_id": people["a_agent"].pk, "status": "deal"},
    )
    assert moved.status_code == 200, moved.content
    assert (moved.json()["owner_id"], moved.json()["version"]) == (people["a_agent"].pk, 2)
    stale = api.patch(f"/accounts/{account.pk}", {"version": 1, "status": "lost"})
    assert stale.status_code == 409
    outside = api.patch(f"/accounts/{account.pk}", {"version": 2, "owner_id": people["b_rep"].pk})
    assert outside.status_code == 422
    assert errors_of(outside) == {("owner_id", "out_of_scope")}
    bad = api.patch(f"/accounts/{account.pk}", {"version": 2, "status": "won"})
    assert bad.status_code == 422
    assert ("status", "literal_error") in errors_of(bad)
    account.refresh_from_db()
    assert (account.status, account.owner_id) == ("deal", people["a_agent"].pk)


def test_service_team_grants_the_agent_access(people, api_as):
    account = make_customer(people["a_rep"])
    agent_api = api_as(people["a_agent"])
    assert agent_api.get(f"/accounts/{account.pk}").status_code == 404
    response = api_as(people["a_rep"]).put(
        f"/accounts/{account.pk}/service-team", {"member_ids": [people["a_agent"].pk]}
    )
    assert response.status_code == 200
    assert [m["id"] for m in response.json()["service_team"]] == [people["a_agent"].pk]
    assert agent_api.get(f"/accounts/{account.pk}").status_code == 200
    assert agent_api.get(f"/companies/{account.company_id}").status_code == 200


def test_service_team_members_must_be_of_the_business_unit(people, api_as):
    account = make_customer(people["a_rep"])
    api = api_as(people["a_rep"])
    other = api.put(f"/accounts/{account.pk}/service-team", {"member_ids": [people["b_rep"].pk]})
    assert other.status_code == 422
    assert errors_of(other) == {("member_ids", "other_business_unit")}
    unknown = api.put(f"/accounts/{account.pk}/service-team", {"member_ids": [987654]})
    assert errors_of(unknown) == {("member_ids", "not_found")}
    assert not account.service_team.exists()


def test_delete_account_needs_the_right(people, api_as):
    account = make_customer(people["a_rep"])
    assert api_as(people["a_rep"]).delete(f"/accounts/{account.pk}").status_code == 403
    assert api_as(people["a_admin"]).delete(f"/accounts/{account.pk}").status_code == 204
    assert not CustomerAccount.objects.filter(pk=account.pk).exists()


def test_contact_create_read_patch_delete(people, api_as):
    account = make_customer(people["a_rep"])
    api = api_as(people["a_rep"])
    created = api.post(
        f"/companies/{account.company_id}/contacts",
        {
            "name": "李经理",
            "title": "采购总监",
            "work_phone": "138 0013 8000",
            "work_email": "li@example.com",
            "decision_role": "purchaser",
        },
    )
    assert created.status_code == 201, created.content
    contact = created.json()
    assert contact["work_phone"] == "13800138000"
    assert api.get(f"/contacts/{contact['id']}").json()["decision_role"] == "purchaser"
    patched = api.patch(f"/contacts/{contact['id']}", {"version": 1, "title": "副总"})
    assert patched.json()["title"] == "副总"
    assert api.patch(f"/contacts/{contact['id']}", {"version": 1, "title": "x"}).status_code == 409
    # Search finds the customer by the new contact's name.
    found = api.get("/companies", q="李经理").json()["items"]
    assert [c["id"] for c in found] == [account.company_id]
    assert api.delete(f"/contacts/{contact['id']}").status_code == 204
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "body,field,rule",
    [
        ({"name": "张三", "work_phone": "12345"}, "work_phone", "mobile_format"),
        ({"name": "张三", "work_email": "not-mail"}, "work_email", "invalid"),
        ({"name": "张三", "decision_role": "boss"}, "decision_role", "literal_error"),
        ({"title": "无名"}, "name", "missing"),
        ({"name": "张三", "private_phone": "13800138000"}, None, None),
    ],
)
def test_contact_bad_input(people, api_as, body, field, rule):
    account = make_customer(people["a_rep"])
    response = api_as(people["a_rep"]).post(f"/companies/{account.company_id}/contacts", body)
    if field is None:
        # Fields the schema does not know (a private number) are never stored.
        assert response.status_code == 201
        assert "private_phone" not in response.json()
        return
    assert response.status_code == 422
    assert (field, rule) in errors_of(response)
    assert not Contact.objects.exists()


def test_contact_phone_is_masked_without_the_right(people, org, api_as):
    account = make_customer(people["a_rep"])
    api_as(people["a_rep"]).post(
        f"/companies/{account.company_id}/contacts", {"name": "王工", "work_phone": "13912345678"}
    )
    auditor = api_as(make_user(org.hq_office, "auditor"))
    shown = auditor.get(f"/companies/{account.company_id}/contacts").json()["items"][0]
    assert shown["work_phone"] == "139****5678"
    one = auditor.get(f"/contacts/{shown['id']}").json()
    assert one["work_phone"] == "139****5678"
    # Nor does the history give the number away.
    history = auditor.get(f"/companies/{account.company_id}/history").json()["items"]
    assert "13912345678" not in str(history)


def test_contact_of_out_of_scope_company_is_404(people, api_as):
    account = make_customer(people["b_rep"])
    contact = Contact.objects.create(company=account.company, name="外部联系人")
    api = api_as(people["a_rep"])
    assert api.get(f"/contacts/{contact.pk}").status_code == 404
    assert api.patch(f"/contacts/{contact.pk}", {"version": 1, "name": "x"}).status_code == 404
    assert api.get(f"/companies/{account.company_id}/contacts").status_code == 404
    assert api.post(f"/companies/{account.company_id}/contacts", {"name": "x"}).status_code == 404
