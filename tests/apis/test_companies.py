"""Companies through the API: create with field-named errors, read, edit with optimistic
locking, delete, history, masking of sensitive fields."""

from __future__ import annotations

import pytest

from tests.apis.conftest import errors_of
from tests.factories import make_customer, make_user, valid_uscc
from xinren.audit.models import ChangeLog
from xinren.customers.models import Company, CustomerAccount
from xinren.standards.uscc import VALUE

pytestmark = pytest.mark.django_db


def wrong_check_character(uscc: str) -> str:
    other = next(c for c in VALUE if c != uscc[-1])
    return uscc[:-1] + other


def test_create_makes_golden_record_and_account(admin_api, admin):
    uscc = valid_uscc()
    response = admin_api.post(
        "/companies",
        {
            "name": "深圳 市 测试科技有限公司",
            "uscc": " " + uscc.lower() + " ",
            "phone": "0755-12345678",
            "region_code": "440300",
            "industry_code": "65",
            "size_band": "300-500",
            "registered_capital": "1000000.50",
            "account_type": "B2G",
            "status": "needs",
            "source": "展会",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    company, account = body["company"], body["account"]
    assert company["uscc"] == uscc  # normalised by the service
    assert company["name"] == "深圳 市 测试科技有限公司"
    assert company["region_label"]
    assert company["version"] == 1
    assert account["archive_no"].startswith("B2G-")
    assert account["owner_id"] == admin.pk
    assert account["status"] == "needs"
    assert [a["id"] for a in company["accounts"]] == [account["id"]]
    assert Company.objects.get(pk=company["id"]).registered_capital == pytest.approx(1000000.5)
    assert ChangeLog.objects.filter(company_id=company["id"], action="create").count() == 2


@pytest.mark.parametrize(
    "body,field,rule",
    [
        ({"uscc": "CHECK"}, "uscc", "uscc_check"),
        ({"uscc": "12345"}, "uscc", "uscc_length"),
        ({"name": None}, "name", "missing"),
        ({"name": ""}, "name", "blank"),
        ({"phone": "1380013800"}, "phone", "mobile_format"),
        ({"phone": "hello"}, "phone", "phone_format"),
        ({"region_code": "999999"}, "region_code", "region_code"),
        ({"entity_type": "alien"}, "entity_type", "literal_error"),
        ({"founded_on": "2999-01-01"}, "founded_on", "future_date"),
        ({"founded_on": "not-a-date"}, "founded_on", "date_from_datetime_parsing"),
        ({"email": "nope"}, "email", "invalid"),
        ({"registered_capital": "-1"}, "registered_capital", "min_value"),
        ({"name": "bad\x00name"}, "name", "nul_character"),
        ({"uscc": ""}, "uscc", "required"),
    ],
)
def test_bad_input_is_422_naming_field_and_rule_and_stores_nothing(
    admin_api, admin, body, field, rule
):
    data = {"name": "坏数据有限公司", "uscc": valid_uscc(), **body}
    if data["uscc"] == "CHECK":
        data["uscc"] = wrong_check_character(valid_uscc())
    if data["name"] is None:
        del data["name"]
    before = ChangeLog.objects.count()
    response = admin_api.post("/companies", data)
    assert response.status_code == 422, response.content
    fields_rules = errors_of(response)
    assert (field, fields_rules and dict(fields_rules).get(field)) == (field, rule), fields_rules
    assert response.json()["detail"]
    assert Company.objects.count() == 0
    assert CustomerAccount.objects.count() == 0
    assert ChangeLog.objects.count() == before


def test_error_messages_are_chinese_by_default(admin_api):
    response = admin_api.post(
        "/companies", {"name": "x", "uscc": wrong_check_character(valid_uscc())}
    )
    assert "校验码" in response.json()["errors"][0]["message"]


def test_duplicate_uscc_names_uscc_duplicate_and_does_not_leak_the_other_name(org, api_as):
    other = make_user(org.b_sales, "sales_rep")
    existing = make_customer(other, name="别家的秘密客户有限公司")
    rep = make_user(org.a_sales, "sales_rep")
    response = api_as(rep).post("/companies", {"name": "重复客户", "uscc": existing.company.uscc})
    assert response.status_code == 422
    assert errors_of(response) == {("uscc", "duplicate")}
    assert "别家的秘密客户" not in response.content.decode()
    assert Company.objects.count() == 1


def test_owner_out_of_scope_is_refused_and_nothing_is_stored(org, api_as):
    rep = make_user(org.a_sales, "sales_rep")
    stranger = make_user(org.b_sales, "sales_rep")
    for owner_id in (stranger.pk, 999999):
        response = api_as(rep).post(
            "/companies", {"name": "归属测试", "uscc": valid_uscc(), "owner_id": owner_id}
        )
        assert response.status_code == 422
        assert errors_of(response) == {("owner_id", "out_of_scope")}
    assert Company.objects.count() == 0


def test_create_needs_the_create_right(org, api_as):
    agent = make_user(org.a_service, "service_agent")
    response = api_as(agent).post("/companies", {"name": "无权新建", "uscc": valid_uscc()})
    assert response.status_code == 403
    assert errors_of(response) == {("", "forbidden")}
    assert Company.objects.count() == 0


def test_patch_with_current_version_saves_and_bumps_it(admin_api, admin):
    company = make_customer(admin).company
    response = admin_api.patch(
        f"/companies/{company.pk}",
        {"version": 1, "main_business": "云计算", "phone": "13800138000"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    assert response.json()["main_business"] == "云计算"
    company.refresh_from_db()
    assert company.main_business == "云计算"


def test_patch_with_stale_version_is_409_and_changes_nothing(admin_api, admin):
    company = make_customer(admin, name="原名有限公司").company
    first = admin_api.patch(f"/companies/{company.pk}", {"version": 1, "name": "甲改的名"})
    assert first.status_code == 200
    second = admin_api.patch(f"/companies/{company.pk}", {"version": 1, "name": "乙改的名"})
    assert second.status_code == 409
    assert errors_of(second) == {("version", "conflict")}
    assert second.json()["current_version"] == 2
    company.refresh_from_db()
    assert company.name == "甲改的名"


def test_patch_needs_a_version(admin_api, admin):
    company = make_customer(admin).company
    response = admin_api.patch(f"/companies/{company.pk}", {"name": "没有版本"})
    assert response.status_code == 422
    assert ("version", "missing") in errors_of(response)


def test_patch_with_invalid_value_is_422_and_keeps_the_record(admin_api, admin):
    company = make_customer(admin, name="保持不变有限公司").company
    response = admin_api.patch(
        f"/companies/{company.pk}", {"version": 1, "name": "新名", "phone": "12"}
    )
    assert response.status_code == 422
    assert ("phone", "mobile_format") in errors_of(response)
    company.refresh_from_db()
    assert (company.name, company.version) == ("保持不变有限公司", 1)


def test_unknown_company_is_404(admin_api):
    response = admin_api.get("/companies/424242")
    assert response.status_code == 404
    assert errors_of(response) == {("", "not_found")}


def test_delete_company(admin_api, admin):
    company = make_customer(admin).company
    assert admin_api.delete(f"/companies/{company.pk}").status_code == 204
    assert not Company.objects.filter(pk=company.pk).exists()
    assert admin_api.get(f"/companies/{company.pk}").status_code == 404


def test_subsidiary_cannot_delete_a_company_another_subsidiary_also_serves(org, api_as):
    a_admin = make_user(org.sub_a, "subsidiary_admin")
    b_rep = make_user(org.b_sales, "sales_rep")
    account = make_customer(a_admin)
    from xinren.customers.services import open_account

    open_account(actor=b_rep, company=account.company, owner=b_rep)
    response = api_as(a_admin).delete(f"/companies/{account.company_id}")
    assert response.status_code == 403
    assert Company.objects.filter(pk=account.company_id).exists()


def test_company_shows_only_accounts_in_scope(org, api_as):
    a_rep = make_user(org.a_sales, "sales_rep")
    b_rep = make_user(org.b_sales, "sales_rep")
    account = make_customer(a_rep)
    from xinren.customers.services import open_account

    open_account(actor=b_rep, company=account.company, owner=b_rep)
    shown = api_as(a_rep).get(f"/companies/{account.company_id}").json()["accounts"]
    assert [a["id"] for a in shown] == [account.pk]


def test_sensitive_fields_are_masked_without_the_right(org, api_as):
    rep = make_user(org.a_sales, "sales_rep")
    auditor = make_user(org.hq_office, "auditor")
    company = make_customer(
        rep, phone="13812345678", legal_rep="张三", legal_rep_id_number="11010519491231002X"
    ).company
    shown = api_as(rep).get(f"/companies/{company.pk}").json()
    assert shown["phone"] == "13812345678"
    assert shown["legal_rep_id_number"] == "11010519491231002X"
    for path in (f"/companies/{company.pk}", "/companies"):
        body = api_as(auditor).get(path).json()
        masked = body if "id" in body else body["items"][0]
        assert masked["phone"] == "138****5678"
        assert "19491231" not in masked["legal_rep_id_number"]
        assert masked["legal_rep_id_number"]


def test_history_lists_changes_with_before_and_after_and_masks_for_auditors(org, api_as):
    rep = make_user(org.a_sales, "sales_rep")
    auditor = make_user(org.hq_office, "auditor")
    company = make_customer(rep, name="历史有限公司", phone="13812345678").company
    api_as(rep).patch(f"/companies/{company.pk}", {"version": 1, "phone": "13987654321"})
    history = api_as(rep).get(f"/companies/{company.pk}/history").json()["items"]
    update = next(h for h in history if h["action"] == "update")
    assert update["entity"] == "customers.company"
    assert update["changes"]["phone"] == {"before": "13812345678", "after": "13987654321"}
    seen = api_as(auditor).get(f"/companies/{company.pk}/history").json()["items"]
    update = next(h for h in seen if h["action"] == "update")
    assert update["changes"]["phone"] == {"before": "138****5678", "after": "139****4321"}
    assert "13812345678" not in str(seen)


def test_history_out_of_scope_is_404(org, api_as):
    rep = make_user(org.a_sales, "sales_rep")
    other = make_user(org.b_sales, "sales_rep")
    company = make_customer(other).company
    assert api_as(rep).get(f"/companies/{company.pk}/history").status_code == 404


def test_unknown_patch_field_is_ignored_by_schema_not_stored(admin_api, admin):
    company = make_customer(admin).company
    response = admin_api.patch(f"/companies/{company.pk}", {"version": 1, "created_by": 99})
    assert response.status_code == 200
    company.refresh_from_db()
    assert company.created_by_id == admin.pk
