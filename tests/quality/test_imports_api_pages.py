"""The customer import's doors: the pages (upload → mapping → check → import job → report),
the API (check, start) and the ``xinren import`` command."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from tests import factories
from tests.quality.test_imports import HEADER, csv_bytes, two_rows, xlsx_bytes
from xinren.customers.models import Company
from xinren.jobs.models import JobRun
from xinren.orgs.auth import issue_token
from xinren.quality.models import ImportTemplate

BASE = "/api/v1"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _chinese():
    """Start in the site's default language and leave no English behind for later tests
    (a request in English activates it for the thread)."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep", full_name="王小明")


@pytest.fixture
def usccs():
    return [factories.valid_uscc() for _ in range(4)]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _auth(user) -> dict:
    return {"Authorization": f"Bearer {issue_token(user)[0]}"}


# --- pages ------------------------------------------------------------------------------------
def test_page_flow_upload_mapping_check_import_report(rep, usccs):
    client = _client(rep)
    page = client.get("/quality/import/")
    assert page.status_code == 200 and "导入客户" in page.content.decode()
    rows = two_rows(usccs)
    rows[0][4] = "开业时间"  # not a known header: mapped by hand below
    upload = SimpleUploadedFile("客户.xlsx", xlsx_bytes(rows))
    res = client.post(
        "/quality/import/", {"step": "upload", "file": upload, "mode": "all", "on_match": "update"}
    )
    html = res.content.decode()
    assert res.status_code == 200 and 'data-testid="mapping"' in html
    headers = rows[0]
    form = {"step": "check", "header": headers, "template_name": "我的模板"}
    for i, head in enumerate(headers):
        form[f"map-{i}"] = {"开业时间": "founded_on"}.get(head, "")
    from xinren.quality.imports import auto_mapping

    for i, (_head, key) in enumerate(auto_mapping(headers).items()):
        form[f"map-{i}"] = key or form[f"map-{i}"]
    res = client.post("/quality/import/", form)
    html = res.content.decode()
    assert res.status_code == 200 and "新建 2 家" in html and not Company.objects.exists()
    assert (
        ImportTemplate.objects.get(owner=rep, name="我的模板").mapping["开业时间"] == "founded_on"
    )
    report = client.get("/quality/import/report.xlsx")
    assert report.status_code == 200
    sheet = list(load_workbook(io.BytesIO(report.content)).active.values)
    assert sheet[1][-2] == "新建"
    res = client.post("/quality/import/", {"step": "import"})
    assert res.status_code == 200 and 'data-testid="import-job"' in res.content.decode()
    job = JobRun.objects.get(kind="customer_import")
    assert job.status == "done" and job.result["created"] == 2, job.message
    assert Company.objects.get(uscc=usccs[0]).founded_on.isoformat() == "2016-03-01"
    done = client.get(f"/quality/import/report.xlsx?job={job.pk}")
    assert done.status_code == 200
    other = factories.make_user(rep.org_unit, "sales_rep", username="nosy")
    assert _client(other).get(f"/quality/import/report.xlsx?job={job.pk}").status_code == 404


def test_page_refuses_a_bad_file_with_a_message(rep):
    upload = SimpleUploadedFile("客户.xlsx", b"this is not a workbook")
    res = _client(rep).post(
        "/quality/import/", {"step": "upload", "file": upload, "mode": "all", "on_match": "update"}
    )
    assert res.status_code == 422 and "不是 Excel" in res.content.decode()


def test_page_needs_the_create_right(org):
    agent = factories.make_user(org.a_service, "service_agent", username="agent")
    assert _client(agent).get("/quality/import/").status_code == 403


# --- API --------------------------------------------------------------------------------------
def test_api_check_then_start(rep, usccs):
    client = Client()
    res = client.post(
        f"{BASE}/customers/import/check",
        {"file": SimpleUploadedFile("c.csv", csv_bytes(two_rows(usccs), encoding="gbk")),
         "on_match": "fill"},
        headers=_auth(rep),
    )  # fmt: skip
    body = res.json()
    assert res.status_code == 200, body
    assert (body["created"], body["failed_rows"], body["header"][0]) == (2, 0, "客户名称")
    assert not Company.objects.exists()
    res = client.post(
        f"{BASE}/customers/import/start",
        {"token": body["token"], "on_match": "fill"},
        content_type="application/json",
        headers=_auth(rep),
    )
    assert res.status_code == 202 and res.json()["status"] == "done"
    assert Company.objects.count() == 2
    # someone else's token is not theirs to use
    other = factories.make_user(rep.org_unit, "sales_rep", username="nosy")
    res = client.post(
        f"{BASE}/customers/import/start", {"token": body["token"]},
        content_type="application/json", headers=_auth(other),
    )  # fmt: skip
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "token"


@pytest.mark.parametrize(
    ("content", "extra", "field", "rule"),
    [
        (b"", {}, "file", "file"),
        ("客户名称,统一社会信用代码\n".encode(), {}, "file", "file"),
        (b"a,b\n1,2\n", {}, "file", "file"),
        ("客户名称\n甲公司\n".encode(), {"mapping": "[1]"}, "mapping", "json"),
        ("客户名称\n甲公司\n".encode(), {"mode": "some"}, "mode", "literal_error"),
    ],
)
def test_api_errors_name_field_and_rule(rep, content, extra, field, rule):
    res = Client().post(
        f"{BASE}/customers/import/check",
        {"file": SimpleUploadedFile("c.csv", content), **extra},
        headers=_auth(rep),
    )
    assert res.status_code == 422
    error = res.json()["errors"][0]
    assert (error["field"], error["rule"]) == (field, rule) and error["message"]


def test_api_row_errors_in_english(rep, usccs):
    rows = [HEADER[:2], ["甲有限公司", "91330000ABCDEFGH"]]
    res = Client().post(
        f"{BASE}/customers/import/check",
        {"file": SimpleUploadedFile("c.csv", csv_bytes(rows))},
        headers={**_auth(rep), "Accept-Language": "en"},
    )
    [error] = res.json()["errors"]
    assert error["column"] == "统一社会信用代码" and error["row"] == 2
    assert error["message"].isascii()


# --- command line -----------------------------------------------------------------------------
def test_command_line(tmp_path, rep, usccs):
    good = tmp_path / "customers.csv"
    good.write_bytes(csv_bytes(two_rows(usccs), encoding="gb18030"))
    out = io.StringIO()
    call_command("import", str(good), as_user="rep", dry_run=True, stdout=out)
    assert "created 2" in out.getvalue() and not Company.objects.exists()
    call_command("import", str(good), as_user="rep", stdout=out)
    assert Company.objects.count() == 2
    out = io.StringIO()
    call_command("import", str(good), as_user="rep", on_match="skip", stdout=out)
    assert "skipped 2" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([HEADER[:2], ["乙有限公司", "bad"], ["丙有限公司", usccs[3]]]))
    report = tmp_path / "report.xlsx"
    with pytest.raises(CommandError, match="1 行有错误"):
        call_command("import", str(bad), as_user="rep", report=str(report),
                     stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert Company.objects.count() == 2
    assert "统一社会信用代码" in list(load_workbook(report).active.values)[1][-1]
    with pytest.raises(CommandError, match="file not found"):
        call_command("import", str(tmp_path / "nope.csv"), as_user="rep")
    with pytest.raises(CommandError, match="no active user"):
        call_command("import", str(good), as_user="nobody")
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="空"):
        call_command("import", str(empty), as_user="rep")
    with pytest.raises(CommandError, match="模板"):
        call_command("import", str(good), as_user="rep", template="nope")
