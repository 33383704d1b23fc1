"""The registry provider (lookup by USCC and by normalised name, the configured provider),
the registry and lawsuits checks with their evidence, the pages and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests import factories
from tests.apis.conftest import ApiClient
from xinren.kyc import certification as cert
from xinren.kyc import registry
from xinren.kyc.models import CheckResult, RegistryRecord
from xinren.orgs.auth import issue_token

from .conftest import csv_bytes, register
from .test_registry_import import HEADER, row

pytestmark = pytest.mark.django_db


def api(user) -> ApiClient:
    return ApiClient(issue_token(user)[0])


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(org):
    return {
        "rep": factories.make_user(org.a_sales, "sales_rep", username="rep"),
        "risk": factories.make_user(org.a_sales, "risk_officer", username="risk"),
        "other": factories.make_user(org.b_sales, "sales_rep", username="other"),
    }


@pytest.fixture
def account(people):
    return factories.make_customer(people["rep"], name="上海云帆贸易有限公司", legal_rep="张三")


def checks_of(people, account) -> dict:
    app = cert.open_application(actor=people["rep"], account_id=account.pk)
    return {c.code: c for c in cert.run_checks(actor=people["rep"], application_id=app.pk)}


# --- provider ---------------------------------------------------------------------------------
def test_lookup_by_uscc_then_by_unique_normalised_name(account):
    company = account.company
    assert registry.lookup(company.uscc, company.name) is None
    record = register(company, name="云帆贸易（上海）有限公司", registered_capital=Decimal("5e6"),
                      shareholders=[{"name": "张三", "share_percent": "100.00"}],
                      source="公示系统", as_of=dt.date(2026, 10, 1))  # fmt: skip
    facts = registry.lookup(company.uscc, "anything")
    assert (facts.uscc, facts.name, facts.legal_rep) == (company.uscc, record.name, "张三")
    assert (facts.source, facts.as_of, facts.status_label) == ("公示系统", dt.date(2026, 10, 1),
                                                               "存续")  # fmt: skip
    assert facts.shareholders_text() == "张三 100.00%"
    # no USCC (or an unknown one): the one record with the same normalised name
    assert registry.lookup("", "上海云帆贸易有限公司").uscc == company.uscc
    assert registry.lookup(factories.valid_uscc(), "云帆贸易有限公司").uscc == company.uscc
    # two records normalising alike: never guessed between
    register(None, uscc=factories.valid_uscc(), name="云帆贸易（杭州）有限公司")
    assert registry.lookup("", "上海云帆贸易有限公司") is None
    assert registry.lookup(company.uscc, "").uscc == company.uscc
    assert registry.lookup("", "") is None


class FakeRemote:
    """A provider standing in for a remote service: it keeps what it fetched."""

    def lookup(self, uscc, name):
        facts = registry.RegistryFacts(uscc=uscc, name=name, legal_rep="远程", lawsuit_count=7)
        record = registry.store_facts(facts, source="远程服务", as_of=dt.date(2026, 9, 1))
        return registry.RegistryFacts.from_record(record)


def test_the_configured_provider_is_used_and_stores_what_it_fetched(settings, people, account):
    settings.XINREN_REGISTRY_PROVIDER = "tests.kyc.test_registry.FakeRemote"
    assert isinstance(registry.provider(), FakeRemote)
    assert isinstance(registry.provider(), registry.RegistryProvider)
    # pages show what is stored: viewing never calls the (paid) remote service
    panel = page(people["rep"]).get(f"/customers/{account.company_id}/list-hits/")
    assert "未找到登记信息" in panel.content.decode() and not RegistryRecord.objects.exists()
    checks = checks_of(people, account)
    assert checks["lawsuits"].result == CheckResult.FAIL and "7 件" in checks["lawsuits"].evidence
    assert "远程服务" in checks["lawsuits"].evidence
    stored = RegistryRecord.objects.get(uscc=account.company.uscc)
    assert (stored.legal_rep, stored.lawsuit_count, stored.snapshot.source) == (
        "远程",
        7,
        "远程服务",
    )
    settings.XINREN_REGISTRY_PROVIDER = ""
    assert isinstance(registry.provider(), registry.SnapshotProvider)


# --- checks -----------------------------------------------------------------------------------
def test_checks_pending_without_a_record(people, account):
    checks = checks_of(people, account)
    for code in ("registry", "lawsuits"):
        assert checks[code].result == CheckResult.PENDING
        assert "工商登记数据中未找到该企业" in checks[code].evidence
        assert account.company.uscc in checks[code].evidence


def test_registry_check_passes_with_full_evidence(people, account):
    register(account.company, registered_capital=Decimal("5000000"),
             established_on=dt.date(2016, 3, 1), lawsuit_count=2, source="公示系统",
             shareholders=[{"name": "张三", "share_percent": "51.00"},
                           {"name": "李四", "share_percent": "49.00"}],
             as_of=dt.date(2026, 10, 1))  # fmt: skip
    checks = checks_of(people, account)
    assert checks["registry"].result == CheckResult.PASS
    evidence = checks["registry"].evidence
    for text in ("与登记一致，登记状态存续", "上海云帆贸易有限公司", account.company.uscc, "法定代表人：张三",
                 "登记状态：存续", "5,000,000.00 元", "2016-03-01", "张三 51.00%、李四 49.00%",
                 "涉诉案件：2 件", "公示系统（2026-10-01）"):  # fmt: skip
        assert text in evidence, text
    assert checks["lawsuits"].result == CheckResult.PASS
    assert "涉诉案件 2 件（3 件及以上不通过）" in checks["lawsuits"].evidence


def test_registry_check_names_each_mismatch(people, account):
    register(account.company, name="上海云帆国际贸易有限公司", legal_rep="王五", status="revoked",
             lawsuit_count=3)  # fmt: skip
    checks = checks_of(people, account)
    assert checks["registry"].result == CheckResult.FAIL
    evidence = checks["registry"].evidence
    assert "登记状态为“吊销”（非存续）" in evidence
    assert "企业名称不一致：档案“上海云帆贸易有限公司”，登记“上海云帆国际贸易有限公司”" in evidence
    assert "法定代表人不一致：档案“张三”，登记“王五”" in evidence
    assert checks["lawsuits"].result == CheckResult.FAIL
    assert "涉诉案件 3 件" in checks["lawsuits"].evidence


def test_same_name_written_differently_passes_and_no_rep_on_record_is_no_mismatch(people, org):
    account = factories.make_customer(people["rep"], name="杭州明远科技有限公司")  # no legal rep
    register(account.company, name="明远科技（杭州）有限公司", legal_rep="赵六")
    assert checks_of(people, account)["registry"].result == CheckResult.PASS


def test_found_by_name_with_another_uscc_fails_on_the_uscc(people, account):
    other = factories.valid_uscc()
    register(None, uscc=other, name=account.company.name, legal_rep="张三")
    check = checks_of(people, account)["registry"]
    assert check.result == CheckResult.FAIL
    assert f"统一社会信用代码不一致：档案“{account.company.uscc}”，登记“{other}”" in check.evidence


def test_default_standard_requires_both_checks():
    standard = cert.default_standard()
    assert {"registry", "lawsuits"} <= set(standard.required_checks)
    assert "工商登记核验" in standard.check_labels() and "涉诉情况" in standard.check_labels()


# --- pages ------------------------------------------------------------------------------------
def test_registry_page_lookup_and_import(configurer, people, account):
    register(account.company, registered_capital=Decimal("5000000"), source="公示系统")
    rep = page(people["rep"])
    text = rep.get("/kyc/registry/").content.decode()
    assert 'data-testid="registry-snapshot"' in text and "公示系统" in text
    assert 'data-testid="registry-import-form"' not in text  # no configure right
    for q in (account.company.uscc, "云帆贸易", account.company.uscc[:8]):
        found = rep.get("/kyc/registry/", {"q": q}).content.decode()
        assert found.count('data-testid="registry-record"') == 1, q
        assert "5000000.00 元" in found
    assert (
        'data-testid="registry-none"'
        in rep.get("/kyc/registry/", {"q": "无此企业"}).content.decode()
    )
    assert rep.post("/kyc/registry/", {}).status_code == 403

    admin = page(configurer)
    uscc = factories.valid_uscc()
    bad = admin.post("/kyc/registry/", {
        "source": "公示系统", "as_of": "2026-10-01", "mode": "all",
        "file": SimpleUploadedFile("r.csv", csv_bytes([HEADER, row("甲公司", uscc),
                                                       row("乙公司", "123")], encoding="gbk")),
    })  # fmt: skip
    assert bad.status_code == 422
    text = bad.content.decode()
    assert 'data-testid="not-applied"' in text and "uscc_length" in text
    assert not RegistryRecord.objects.filter(uscc=uscc).exists()
    ok = admin.post("/kyc/registry/", {
        "source": "公示系统", "as_of": "2026-10-01", "mode": "valid",
        "file": SimpleUploadedFile("r.csv", csv_bytes([HEADER, row("甲公司", uscc),
                                                       row("乙公司", "123")], bom=True)),
    })  # fmt: skip
    assert ok.status_code == 200 and 'data-testid="registry-import-result"' in ok.content.decode()
    assert RegistryRecord.objects.get(uscc=uscc).name == "甲公司"
    nav = rep.get("/kyc/registry/").content.decode()
    assert 'data-testid="nav-registry"' in nav


def test_application_page_compares_registry_with_master(people, account):
    register(account.company, legal_rep="王五", status="cancelled")
    app = cert.open_application(actor=people["rep"], account_id=account.pk)
    text = page(people["rep"]).get(f"/kyc/applications/{app.pk}/").content.decode()
    assert 'data-testid="registry-compare"' in text
    assert 'data-testid="registry-line-legal_rep" class="table-warning" data-differs="1"' in text
    assert 'data-testid="registry-line-name" class' not in text  # the same name
    assert 'data-testid="registry-line-status" class="table-warning"' in text
    RegistryRecord.objects.all().delete()
    text = page(people["rep"]).get(f"/kyc/applications/{app.pk}/").content.decode()
    assert 'data-testid="registry-missing"' in text


def test_company_panel_shows_the_registry_in_scope_only(people, account):
    register(account.company, legal_rep="王五", lawsuit_count=4)
    url = f"/customers/{account.company_id}/list-hits/"
    text = page(people["rep"]).get(url).content.decode()
    assert 'data-testid="company-registry"' in text and "涉诉案件 4" in text
    assert "法定代表人与登记不一致：登记为“王五”" in text
    outsider = page(people["other"]).get(url).content.decode()
    assert 'data-testid="company-registry"' not in outsider and "王五" not in outsider


# --- API --------------------------------------------------------------------------------------
def test_api_lookup_snapshots_and_import(configurer, people, account):
    register(account.company, shareholders=[{"name": "张三", "share_percent": "100.00"}],
             source="公示系统", as_of=dt.date(2026, 10, 1))  # fmt: skip
    rep = api(people["rep"])
    [item] = rep.get("/kyc/registry", uscc=account.company.uscc.lower()).json()["items"]
    assert (item["name"], item["status"], item["status_label"]) == (account.company.name,
                                                                   "active", "存续")  # fmt: skip
    assert item["shareholders"] == [{"name": "张三", "share_percent": "100.00"}]
    assert (item["source"], item["as_of"]) == ("公示系统", "2026-10-01")
    assert [i["uscc"] for i in rep.get("/kyc/registry", q="云帆贸易").json()["items"]] == [
        account.company.uscc
    ]
    assert rep.get("/kyc/registry", q="无此企业").json()["items"] == []
    [snap] = rep.get("/kyc/registry/snapshots").json()["items"]
    assert snap["source"] == "公示系统"

    uscc = factories.valid_uscc()
    content = csv_bytes([HEADER, row("甲公司", uscc), row("乙公司", "123")])
    body = {"source": "接口导入", "as_of": "2026-10-02"}
    file = lambda: SimpleUploadedFile("r.csv", content, content_type="text/csv")  # noqa: E731
    refused = api(configurer).upload("/kyc/registry/import", **body, file=file())
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert (error["field"], error["rule"]) == ("统一社会信用代码", "uscc_length")
    assert not RegistryRecord.objects.filter(uscc=uscc).exists()
    ok = api(configurer).upload("/kyc/registry/import", **body, mode="valid", file=file())
    assert ok.status_code == 200, ok.content
    data = ok.json()
    assert (data["applied"], data["added"], data["failed_rows"]) == (True, 1, 1)
    assert (
        data["snapshot_id"]
        and RegistryRecord.objects.get(uscc=uscc).snapshot_id == data["snapshot_id"]
    )
    assert rep.upload("/kyc/registry/import", **body, file=file()).status_code == 403
    bad_date = api(configurer).upload("/kyc/registry/import", source="x", as_of="2026-13-01",
                                      file=file())  # fmt: skip
    assert bad_date.status_code == 422
    assert [e["field"] for e in bad_date.json()["errors"]] == ["as_of"]


# --- large files as a job ---------------------------------------------------------------------
@pytest.fixture
def as_job(settings, tmp_path, monkeypatch):
    from xinren.kyc import registry_import

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(registry_import, "INLINE_MAX_ROWS", 1)
    return tmp_path / "imports"


def test_page_import_of_a_large_file_shows_the_report_when_the_job_ends(configurer, people, as_job):
    admin = page(configurer)
    uscc = factories.valid_uscc()
    content = csv_bytes([HEADER, row("甲公司", uscc), row("乙公司", "123")])
    answer = admin.post("/kyc/registry/", {
        "source": "公示系统", "as_of": "2026-10-01", "mode": "all",
        "file": SimpleUploadedFile("r.csv", content),
    })  # fmt: skip
    assert answer.status_code == 302 and "?job=" in answer["Location"]
    job_id = answer["Location"].split("?job=")[1]
    # the failed all-or-nothing import's row report is on the page after the job
    text = admin.get(answer["Location"]).content.decode()
    assert 'data-testid="registry-import-job"' in text
    assert 'data-testid="not-applied"' in text and "uscc_length" in text and "第" not in text
    assert not RegistryRecord.objects.filter(uscc=uscc).exists()
    assert list(as_job.iterdir()) == []
    # and on the partial the progress bar polls (htmx), for its creator only
    partial = admin.get(f"/kyc/registry/jobs/{job_id}/")
    assert partial.status_code == 200 and "uscc_length" in partial.content.decode()
    assert page(people["rep"]).get(f"/kyc/registry/jobs/{job_id}/").status_code == 404
    assert page(people["rep"]).get("/kyc/registry/", {"job": job_id}).status_code == 404
    assert admin.get("/kyc/registry/", {"job": "not-a-uuid"}).status_code == 404
    ok = admin.post("/kyc/registry/", {
        "source": "公示系统", "as_of": "2026-10-01", "mode": "valid",
        "file": SimpleUploadedFile("r.csv", content),
    }, follow=True)  # fmt: skip
    text = ok.content.decode()
    assert 'data-testid="registry-import-result"' in text and "已写入" in text
    assert RegistryRecord.objects.get(uscc=uscc).name == "甲公司"


def test_a_running_job_polls_its_own_partial(configurer):
    from xinren.jobs.services import start

    job = start("kyc_registry_import", configurer)
    text = page(configurer).get(f"/kyc/registry/jobs/{job.pk}/").content.decode()
    assert f'hx-get="/kyc/registry/jobs/{job.pk}/"' in text
    other = start("customer_import", configurer)  # another kind of job: not this page's
    assert page(configurer).get(f"/kyc/registry/jobs/{other.pk}/").status_code == 404


def test_api_import_of_a_large_file_answers_202_with_the_job(configurer, people, as_job):
    uscc = factories.valid_uscc()
    content = csv_bytes([HEADER, row("甲公司", uscc), row("乙公司", "123")])
    body = {"source": "接口导入", "as_of": "2026-10-02"}
    file = lambda: SimpleUploadedFile("r.csv", content, content_type="text/csv")  # noqa: E731
    client = api(configurer)
    refused = client.upload("/kyc/registry/import", **body, file=file())
    assert refused.status_code == 202, refused.content
    data = refused.json()
    assert data["status_url"] == f"/api/v1/jobs/{data['id']}" == refused["Location"]
    job = client.get(f"/jobs/{data['id']}").json()
    assert job["status"] == "done" and job["result"]["applied"] is False
    [error] = job["result"]["errors"]
    assert (error["row"], error["column"], error["rule"]) == (3, "统一社会信用代码", "uscc_length")
    assert not RegistryRecord.objects.filter(uscc=uscc).exists()
    ok = client.upload("/kyc/registry/import", **body, mode="valid", file=file())
    result = client.get(f"/jobs/{ok.json()['id']}").json()["result"]
    assert (result["applied"], result["added"], result["failed_rows"]) == (True, 1, 1)
    assert RegistryRecord.objects.get(uscc=uscc).snapshot_id == result["snapshot_id"]
    assert api(people["rep"]).get(f"/jobs/{data['id']}").status_code == 404
    assert api(people["rep"]).upload("/kyc/registry/import", **body, file=file()).status_code == 403


# --- the lookup names the user's customers ---------------------------------------------------
def test_lookup_lists_the_customers_in_scope_by_uscc_else_by_name(people, account):
    register(account.company)
    rep = page(people["rep"])
    text = rep.get("/kyc/registry/", {"q": account.company.uscc}).content.decode()
    assert f'href="/customers/{account.company_id}/" data-testid="registry-customer"' in text
    other = page(people["other"]).get("/kyc/registry/", {"q": account.company.uscc})
    assert 'data-testid="registry-no-customer"' in other.content.decode()
    assert account.company.name not in other.content.decode().split("registry-customers")[1]
    # no USCC on the customer: the same normalised name finds it; another USCC does not
    nameless = factories.make_customer(people["rep"], name="杭州明远科技有限公司").company
    type(nameless).objects.filter(pk=nameless.pk).update(uscc=None)
    register(uscc=factories.valid_uscc(), name="杭州明远科技 有限公司")
    text = rep.get("/kyc/registry/", {"q": "明远科技"}).content.decode()
    assert f'href="/customers/{nameless.pk}/" data-testid="registry-customer"' in text
    coded = factories.make_customer(people["rep"], name="苏州临风贸易有限公司").company
    register(uscc=factories.valid_uscc(), name="苏州临风贸易有限公司")
    text = rep.get("/kyc/registry/", {"q": "临风贸易"}).content.decode()
    assert f"/customers/{coded.pk}/" not in text and 'data-testid="registry-no-customer"' in text
