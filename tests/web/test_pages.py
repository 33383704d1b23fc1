"""Pages as a user drives them (Django test client): forms, errors, conflicts, files,
export, administration, language."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests import factories
from xinren.audit.models import ChangeLog
from xinren.customers.models import Company, Contact, Document
from xinren.orgs.models import OrgUnit, Role, User

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _company_post(**overrides):
    data = {
        "name": "杭州云启信息科技有限公司",
        "uscc": factories.valid_uscc(),
        "entity_type": "enterprise",
        "capital_currency": "CNY",
        "account_type": "B2B",
        "status": "lead",
    }
    data.update(overrides)
    return data


def _signs_in(username: str, password: str) -> bool:
    response = Client().post("/login/", {"username": username, "password": password})
    return response.status_code == 302


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep")


# --- sign in --------------------------------------------------------------------------------
def test_login_page_and_sign_in(org, rep):
    client = Client()
    page = client.get("/login/")
    assert page.status_code == 200
    assert "csrfmiddlewaretoken" in page.content.decode()
    response = client.post("/login/", {"username": "rep", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get("/customers/").status_code == 200


def test_pages_require_sign_in(db):
    response = Client().get("/customers/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_wrong_password_is_refused_with_a_message(org, rep):
    response = Client().post("/login/", {"username": "rep", "password": "wrong"})
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()


def test_login_locks_the_username_after_repeated_failures(org, rep, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "rep", "password": "wrong"})
    locked = client.post("/login/", {"username": "rep", "password": factories.PASSWORD})
    assert locked.status_code == 429
    assert "锁定" in locked.content.decode()
    # Another user from the same address is not locked out (we lock names, not IPs).
    other = factories.make_user(org.a_sales, "sales_rep", username="other")
    assert other.is_active
    ok = Client().post("/login/", {"username": "other", "password": factories.PASSWORD})
    assert ok.status_code == 302


def test_logout_needs_post(org, rep):
    client = _client(rep)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/customers/").status_code == 302


# --- list -----------------------------------------------------------------------------------
def test_list_searches_filters_and_pages(org, rep):
    for i in range(25):
        factories.make_customer(rep, name=f"深圳前海{i:02d}号贸易有限公司", region_code="440300")
    factories.make_customer(rep, name="成都锦江物流有限公司", region_code="510100")
    client = _client(rep)
    first = client.get("/customers/").content.decode()
    assert "成都锦江物流有限公司" in first
    assert 'rel="next"' in first
    found = client.get("/customers/", {"q": "锦江"}).content.decode()
    assert "成都锦江物流有限公司" in found and "深圳前海" not in found
    by_initials = client.get("/customers/", {"q": "cdjj"}).content.decode()
    assert "成都锦江物流有限公司" in by_initials
    sichuan = client.get("/customers/", {"region": "510000"}).content.decode()
    assert "成都锦江物流有限公司" in sichuan and "深圳前海" not in sichuan
    # keyset pages: 26 rows, 20 per page, nothing lost or repeated
    import re

    names = re.findall(r'class="fw-semibold">([^<]+)</a>', first)
    after = re.search(r"after=(\d+)", first).group(1)
    second = client.get("/customers/", {"after": after}).content.decode()
    names += re.findall(r'class="fw-semibold">([^<]+)</a>', second)
    assert len(names) == 26 == len(set(names))


def test_list_htmx_returns_only_the_results(org, rep):
    factories.make_customer(rep, name="上海浦江机械有限公司")
    response = _client(rep).get(
        "/customers/", {"q": "浦江"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="customer-results"
    )
    body = response.content.decode()
    assert "上海浦江机械有限公司" in body and "<html" not in body


# --- create, validate, edit -------------------------------------------------------------------
def test_create_customer_through_the_form(org, rep):
    client = _client(rep)
    response = client.post("/customers/new/", _company_post(phone="0571-88886666"))
    assert response.status_code == 302
    company = Company.objects.get(name="杭州云启信息科技有限公司")
    assert response["Location"] == f"/customers/{company.pk}/"
    account = company.accounts.get()
    assert account.owner == rep and account.archive_no.startswith("B2B-")
    detail = client.get(response["Location"]).content.decode()
    assert account.archive_no in detail and "0571-88886666" in detail


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("uscc", "91110000802100433A", "校验码"),
        ("name", "", "必填"),
        ("phone", "12345", "电话"),
        ("founded_on", "2999-01-01", "不能晚于今天"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(org, rep, field, value, message):
    before = (Company.objects.count(), ChangeLog.objects.count())
    response = _client(rep).post("/customers/new/", _company_post(**{field: value}))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-field="{field}"' in body and message in body
    assert (Company.objects.count(), ChangeLog.objects.count()) == before


def test_duplicate_uscc_is_refused(org, rep):
    existing = factories.make_customer(rep)
    response = _client(rep).post("/customers/new/", _company_post(uscc=existing.company.uscc))
    assert 'data-field="uscc"' in response.content.decode()
    assert Company.objects.count() == 1


def test_inline_validation_uses_the_save_rule(org, rep):
    client = _client(rep)
    bad = client.post(
        "/customers/validate/",
        {"uscc": "91110000802100433A", "name": "x", "entity_type": "enterprise"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TRIGGER_NAME="uscc",
    )
    assert bad.status_code == 200 and "校验码" in bad.content.decode()
    good = client.post(
        "/customers/validate/",
        {"uscc": " 91110000802100433b ", "name": "x", "entity_type": "enterprise"},
        HTTP_HX_TRIGGER_NAME="uscc",
    )
    assert good.content.decode().strip() == ""
    # an individual needs no USCC
    individual = client.post(
        "/customers/validate/",
        {"uscc": "", "name": "张三", "entity_type": "individual"},
        HTTP_HX_TRIGGER_NAME="uscc",
    )
    assert individual.content.decode().strip() == ""


def test_edit_conflict_is_refused_with_a_clear_message(org, rep):
    account = factories.make_customer(rep, name="南京紫金软件有限公司")
    company = account.company
    first, second = _client(rep), _client(rep)
    stale_version = company.version
    post = {
        "name": company.name,
        "uscc": company.uscc,
        "entity_type": "enterprise",
        "capital_currency": "CNY",
    }
    assert (
        first.post(
            f"/customers/{company.pk}/edit/",
            {**post, "main_business": "第一人", "version": stale_version},
        ).status_code
        == 302
    )
    response = second.post(
        f"/customers/{company.pk}/edit/",
        {**post, "main_business": "第二人", "version": stale_version},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "已被其他人修改" in body and "第二人" in body  # the user's input is kept
    company.refresh_from_db()
    assert company.main_business == "第一人"


def test_history_shows_who_changed_what(org, rep):
    account = factories.make_customer(rep, name="武汉光谷芯片有限公司")
    company = account.company
    client = _client(rep)
    client.post(
        f"/customers/{company.pk}/edit/",
        {
            "name": company.name,
            "uscc": company.uscc,
            "entity_type": "enterprise",
            "capital_currency": "CNY",
            "main_business": "芯片设计",
            "version": company.version,
        },
    )
    body = client.get(f"/customers/{company.pk}/").content.decode()
    assert "主营业务" in body and "芯片设计" in body and str(rep) in body


# --- accounts, contacts, documents ----------------------------------------------------------
def test_other_subsidiary_opens_its_own_account(org, rep):
    account = factories.make_customer(rep)
    b_admin = factories.make_user(org.sub_b, "subsidiary_admin", username="badmin")
    group_admin = factories.make_user(org.hq, "group_admin", username="gadmin")
    client = _client(group_admin)
    detail = client.get(f"/customers/{account.company_id}/").content.decode()
    assert "/accounts/new/" in detail  # HQ has no account yet
    client = _client(b_admin)
    # B cannot see A's customer, so it cannot open an account on it through the page either
    assert client.get(f"/customers/{account.company_id}/accounts/new/").status_code == 404


def test_contacts_are_added_edited_masked_and_deleted(org, rep):
    account = factories.make_customer(rep)
    client = _client(rep)
    url = f"/customers/{account.company_id}/contacts/new/"
    bad = client.post(url, {"name": "王经理", "work_phone": "999", "decision_role": "purchaser"})
    assert 'data-field="work_phone"' in bad.content.decode()
    assert not Contact.objects.exists()
    assert (
        client.post(
            url, {"name": "王经理", "work_phone": "13800138000", "decision_role": "purchaser"}
        ).status_code
        == 302
    )
    contact = Contact.objects.get()
    assert contact.work_phone == "13800138000"
    auditor = factories.make_user(org.hq, "auditor", username="aud")
    body = _client(auditor).get(f"/customers/{account.company_id}/").content.decode()
    assert "13800138000" not in body and "138****8000" in body
    edit = client.post(
        f"/contacts/{contact.pk}/edit/",
        {
            "name": "王总",
            "work_phone": "13800138000",
            "decision_role": "decision_maker",
            "version": contact.version,
        },
    )
    assert edit.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "王总" and contact.decision_role == "decision_maker"
    assert client.post(f"/contacts/{contact.pk}/delete/").status_code == 302
    assert not Contact.objects.exists()


def test_documents_upload_download_and_limits(org, rep, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    account = factories.make_customer(rep)
    client = _client(rep)
    url = f"/customers/{account.company_id}/documents/"
    bad = client.post(
        url,
        {"doc_type": "business_licence", "file": SimpleUploadedFile("x.pdf", b"not a pdf")},
        follow=True,
    )
    assert "文件内容与扩展名" in bad.content.decode()
    assert not Document.objects.exists()
    ok = client.post(
        url,
        {
            "doc_type": "business_licence",
            "title": "营业执照",
            "file": SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert ok.status_code == 302
    doc = Document.objects.get()
    download = client.get(f"/documents/{doc.pk}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    outsider = factories.make_user(org.b_sales, "sales_rep", username="outsider")
    assert _client(outsider).get(f"/documents/{doc.pk}/download/").status_code == 404


# --- export ---------------------------------------------------------------------------------
def test_export_is_scoped_and_neutralises_formulas(org, rep):
    factories.make_customer(rep, name="=HYPERLINK(1)科技有限公司")
    other = factories.make_user(org.b_sales, "sales_rep", username="b")
    factories.make_customer(other, name="重庆山城火锅有限公司")
    response = _client(rep).get("/customers/export.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK(1)科技有限公司" in text and "重庆山城火锅" not in text
    agent = factories.make_user(org.a_sales, "service_agent", username="agent")
    assert _client(agent).get("/customers/export.csv").status_code == 403


# --- administration -------------------------------------------------------------------------
def test_admin_pages_need_configure(org, rep):
    client = _client(rep)
    for url in ("/admin/org/", "/admin/users/", "/admin/roles/"):
        assert client.get(url).status_code == 403


def test_subsidiary_admin_manages_only_their_subsidiary(org):
    a_admin = factories.make_user(org.sub_a, "subsidiary_admin", username="aadmin")
    client = _client(a_admin)
    tree = client.get("/admin/org/").content.decode()
    assert org.a_sales.name in tree and org.b_sales.name not in tree
    assert client.get(f"/admin/org/{org.b_sales.pk}/").status_code == 404
    created = client.post(
        "/admin/org/new/",
        {"name": "华东大客户部", "code": "A-KA", "kind": "department", "parent": org.sub_a.pk},
    )
    assert created.status_code == 302
    unit = OrgUnit.objects.get(code="A-KA")
    assert unit.business_unit_id == org.sub_a.pk
    # Creating a user with a role wider than one's own is refused on the field.
    group_role = Role.objects.get(code="group_admin")
    response = client.post(
        "/admin/users/new/",
        {
            "username": "x1",
            "password": "Xinren-new-2026",
            "org_unit": unit.pk,
            "role": group_role.pk,
        },
    )
    assert 'data-field="role"' in response.content.decode()
    assert not User.objects.filter(username="x1").exists()
    rep_role = Role.objects.get(code="sales_rep")
    ok = client.post(
        "/admin/users/new/",
        {
            "username": "x2",
            "full_name": "新同事",
            "password": "Xinren-new-2026",
            "org_unit": unit.pk,
            "role": rep_role.pk,
        },
    )
    assert ok.status_code == 302
    assert _signs_in("x2", "Xinren-new-2026")
    # roles are defined group-wide only
    assert client.get("/admin/roles/new/").status_code == 403


def test_group_admin_defines_a_role_and_builtin_roles_stay_fixed(org, admin):
    client = _client(admin)
    ok = client.post(
        "/admin/roles/new/",
        {
            "code": "key_account",
            "name": "大客户经理",
            "scope": "subsidiary",
            "actions": ["view", "create", "edit"],
        },
    )
    assert ok.status_code == 302
    role = Role.objects.get(code="key_account")
    assert role.actions == ["view", "create", "edit"] and role.scope == "subsidiary"
    builtin = Role.objects.get(code="sales_rep")
    renamed = client.post(
        f"/admin/roles/{builtin.pk}/",
        {
            "code": builtin.code,
            "name": "客户经理",
            "scope": builtin.scope,
            "actions": builtin.actions,
            "version": builtin.version,
        },
    )
    assert renamed.status_code == 302
    builtin.refresh_from_db()
    assert builtin.name == "客户经理" and builtin.actions == [
        "view",
        "create",
        "edit",
        "export",
        "view_sensitive",
    ]
    assert client.post(f"/admin/roles/{builtin.pk}/delete/", follow=True).status_code == 200
    assert Role.objects.filter(pk=builtin.pk).exists()


def test_user_is_deactivated_not_erased(org, admin):
    target = factories.make_user(org.a_sales, "sales_rep", username="leaver")
    client = _client(admin)
    response = client.post(
        f"/admin/users/{target.pk}/",
        {
            "username": "leaver",
            "full_name": "离职者",
            "org_unit": org.a_sales.pk,
            "role": target.role_id,
            "version": target.version,
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active and target.full_name == "离职者"
    assert not _signs_in("leaver", factories.PASSWORD)


# --- language -------------------------------------------------------------------------------
def test_chinese_by_default_and_english_on_request(org, rep):
    client = _client(rep)
    zh = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert "新建客户" in zh and 'lang="zh-hans"' in zh
    en = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="en"' in en and "New customer" in en and "新建客户" not in en
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/customers/"})
    assert switched.status_code == 302
    assert "New customer" in client.get("/customers/").content.decode()


def test_error_pages_use_the_layout_and_say_why(org, rep, settings):
    settings.DEBUG = False
    client = _client(rep)
    missing = client.get("/customers/999999/")
    assert missing.status_code == 404
    assert "不在您的数据范围内" in missing.content.decode()
    forbidden = client.get("/admin/org/")
    assert forbidden.status_code == 403
    assert "配置" in forbidden.content.decode()  # names the missing permission


def test_org_tree_is_depth_first_whatever_the_ids(org, admin):
    from xinren.orgs import services as org_services

    # A unit created later (higher id) under an early subsidiary still sits under it.
    late = org_services.create_org_unit(
        actor=admin, name="华东后建部", code="SA-Z", kind="department", parent=org.sub_a
    )
    body = _client(admin).get("/admin/org/").content.decode()
    order = [body.index(u.name) for u in (org.sub_a, late, org.sub_b)]
    assert order == sorted(order)


@pytest.mark.parametrize("page", ["/customers/", "/customers/?q=公司", "/customers/?status=lead"])
def test_list_page_query_count_does_not_grow_with_rows(
    org, rep, page, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(rep)
    factories.make_customer(rep)
    with CaptureQueriesContext(connection) as few:
        client.get(page)
    for _ in range(25):
        factories.make_customer(rep)
    with django_assert_max_num_queries(len(few)):
        assert client.get(page).status_code == 200


def test_customer_page_query_count_does_not_grow_with_contacts(
    org, rep, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinren.customers import services

    account = factories.make_customer(rep)
    client = _client(rep)
    url = f"/customers/{account.company_id}/"

    def add_contacts(n):
        for i in range(n):
            services.create_contact(
                actor=rep,
                company=account.company,
                data={"name": f"联系人{i}", "decision_role": "user"},
            )

    add_contacts(1)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add_contacts(10)
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200


def test_my_account_language_and_password(org, rep):
    client = _client(rep)
    response = client.post(
        "/me/",
        {
            "form": "profile",
            "full_name": "李四",
            "preferred_language": "en",
            "version": rep.version,
        },
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.full_name == "李四" and rep.preferred_language == "en"
    # the saved language wins over a Chinese browser
    page = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "New customer" in page
    wrong = client.post(
        "/me/", {"form": "password", "current_password": "nope", "password": "Xinren-next-2027"}
    )
    assert 'data-field="current_password"' in wrong.content.decode()
    weak = client.post(
        "/me/",
        {"form": "password", "current_password": factories.PASSWORD, "password": "123"},
    )
    assert 'data-field="password"' in weak.content.decode()
    ok = client.post(
        "/me/",
        {
            "form": "password",
            "current_password": factories.PASSWORD,
            "password": "Xinren-next-2027",
        },
    )
    assert ok.status_code == 302, ok.content.decode()[-3000:]
    assert client.get("/customers/").status_code == 200  # still signed in here
    assert _signs_in("rep", "Xinren-next-2027")


def test_service_team_is_set_on_the_account_page(org, rep):
    from xinren.customers.models import ServiceAssignment

    account = factories.make_customer(rep)
    agent = factories.make_user(org.a_service, "service_agent", username="agent")
    outsider = factories.make_user(org.b_sales, "sales_rep", username="bsales")
    client = _client(rep)
    page = client.get(f"/accounts/{account.pk}/edit/").content.decode()
    assert "agent" in page and "bsales" not in page  # only colleagues of the subsidiary
    post = {
        "owner": rep.pk,
        "account_type": "B2B",
        "status": "needs",
        "version": account.version,
        "service_team": [agent.pk],
    }
    assert client.post(f"/accounts/{account.pk}/edit/", post).status_code == 302
    assert list(ServiceAssignment.objects.values_list("user_id", flat=True)) == [agent.pk]
    # the agent now sees the customer
    assert _client(agent).get(f"/customers/{account.company_id}/").status_code == 200
    refused = client.post(
        f"/accounts/{account.pk}/edit/",
        {**post, "version": account.version + 1, "service_team": [outsider.pk]},
    )
    assert 'data-field="service_team"' in refused.content.decode()
    assert list(ServiceAssignment.objects.values_list("user_id", flat=True)) == [agent.pk]
