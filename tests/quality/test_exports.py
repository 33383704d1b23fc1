"""Exports of the list pages: masking, formula neutralising (CSV and xlsx, read back with
openpyxl), Chinese text, filters, the export right, the audit record, the API's errors, the
background job for a large export, and the ``xinren export`` command."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from tests import factories
from tests.apis.conftest import ApiClient
from xinren.activities.models import Interaction
from xinren.orgs.auth import issue_token
from xinren.quality import exporting
from xinren.quality.models import ExportRecord
from xinren.sales.models import Contract

PHONE, ID_NUMBER = "13812345678", "11010519491231002X"
HOSTILE = ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep", full_name="李销售")


@pytest.fixture
def auditor(org):
    return factories.make_user(org.a_sales, "auditor", username="auditor")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _csv(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def _book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def _contract(account, number: str, **extra) -> Contract:
    data = {
        "title": "年度服务合同", "signed_on": dt.date(2026, 1, 1), "start_on": dt.date(2026, 1, 1),
        "end_on": dt.date(2026, 12, 31), "amount": Decimal("12345.67"), **extra,
    }  # fmt: skip
    return Contract.objects.create(account=account, number=number, **data)


# --- masking -------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_masked_fields_stay_masked_without_view_sensitive(rep, auditor, fmt, tmp_path):
    factories.make_customer(
        rep, name="深圳市敏感信息有限公司", phone=PHONE, legal_rep="张三",
        legal_rep_id_number=ID_NUMBER,
    )  # fmt: skip
    rows = {}
    for user in (rep, auditor):  # rep may see sensitive data, the auditor may not
        path = tmp_path / f"{user.username}.{fmt}"
        exporting.write_file(exporting.prepare(user, "customers", fmt, {}), path)
        if fmt == "csv":
            body = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))
        else:
            body = [list(r) for r in openpyxl.load_workbook(path).active.values]
        rows[user.username] = dict(zip(body[0], body[1], strict=True))
    assert rows["rep"]["公司电话"] == PHONE and rows["rep"]["法定代表人证件号"] == ID_NUMBER
    masked = rows["auditor"]
    assert PHONE not in str(masked) and ID_NUMBER not in str(masked)
    assert masked["公司电话"].startswith("138") and "*" in masked["公司电话"]
    assert "*" in masked["法定代表人证件号"]
    assert masked["客户名称"] == "深圳市敏感信息有限公司"


@pytest.mark.django_db
def test_contact_phones_stay_masked_without_view_sensitive(rep, auditor):
    from xinren.customers.models import Contact

    account = factories.make_customer(rep, name="联系人导出有限公司")
    Contact.objects.create(company=account.company, name="王经理", work_phone=PHONE)
    query = f"/exports/contacts.csv?company_id={account.company_id}"
    mine = dict(zip(*_csv(_client(rep).get(query)), strict=True))
    theirs = dict(zip(*_csv(_client(auditor).get(query)), strict=True))
    assert mine["工作电话"] == PHONE and mine["姓名"] == theirs["姓名"] == "王经理"
    assert theirs["工作电话"] != PHONE and "*" in theirs["工作电话"]
    sheet = _book(b"".join(_client(auditor).get(query.replace(".csv", ".xlsx")).streaming_content))
    assert PHONE not in str(list(sheet.values))


# --- formula injection, types, Chinese --------------------------------------------------------
@pytest.mark.django_db
def test_formula_cells_are_neutralised_in_csv_and_xlsx(rep):
    for i, bad in enumerate(HOSTILE):
        account = factories.make_customer(rep, name=f"公式{i}号有限公司")
        _contract(account, f"HT-{i}", title=bad, notes=bad)
    client = _client(rep)
    rows = _csv(client.get("/exports/contracts.csv"))
    titles = [r[1] for r in rows[1:]]
    assert sorted(titles) == sorted("'" + bad for bad in HOSTILE)

    response = client.get("/exports/contracts.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = _book(b"".join(response.streaming_content))
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        by = dict(zip(header, row, strict=True))
        assert by["合同名称"].data_type == "s" and by["合同名称"].value.startswith("'")
        # XML reads a carriage return back as a line feed: compare the text modulo that
        assert by["合同名称"].value[1:] in {bad.replace("\r", "\n") for bad in HOSTILE}
        assert by["合同金额"].data_type == "n" and by["合同金额"].value == 12345.67
        assert by["签订日期"].is_date and by["签订日期"].value == dt.datetime(2026, 1, 1)
    assert len(list(sheet.iter_rows(min_row=2))) == len(HOSTILE)


@pytest.mark.django_db
def test_text_that_looks_like_another_type_stays_text_in_xlsx(rep):
    looks_like = ["#N/A", "#REF!", "007", "2026-01-01", "1e5", "TRUE"]
    account = factories.make_customer(rep, name="类型测试有限公司")
    for i, text in enumerate(looks_like):
        _contract(account, f"HT-T{i}", notes=text, signed_on=dt.date(2026, 1, 1 + i))
    client = _client(rep)
    sheet = _book(b"".join(client.get("/exports/contracts.xlsx").streaming_content))
    header = [c.value for c in sheet[1]]
    notes = [dict(zip(header, row, strict=True))["备注"] for row in sheet.iter_rows(min_row=2)]
    assert sorted(c.value for c in notes) == sorted(looks_like)
    assert {c.data_type for c in notes} == {"s"}
    rows = _csv(client.get("/exports/contracts.csv"))
    assert sorted(r[rows[0].index("备注")] for r in rows[1:]) == sorted(looks_like)


@pytest.mark.django_db
def test_chinese_text_round_trips_in_both_formats(rep):
    name = "北京中关村（海淀）信息技术股份有限公司·测试"
    account = factories.make_customer(rep, name=name, legal_rep="欧阳娜娜")
    now = timezone.now()
    Interaction.objects.create(
        account=account, company=account.company, kind="visit", occurred_at=now, logged_at=now,
        subject="拜访：讨论续约", summary="客户希望增加“售后”条款；下一步报价。",
    )  # fmt: skip
    client = _client(rep)
    rows = _csv(client.get("/exports/customers.csv"))
    assert rows[0][0] == "客户名称" and rows[1][0] == name and "欧阳娜娜" in rows[1]
    sheet = _book(b"".join(client.get("/exports/interactions.xlsx").streaming_content))
    header, row = (list(r) for r in sheet.values)
    got = dict(zip(header, row, strict=True))
    assert got["客户名称"] == name and got["主题"] == "拜访：讨论续约"
    assert got["纪要"] == "客户希望增加“售后”条款；下一步报价。"
    assert isinstance(got["发生时间"], dt.datetime)


# --- filters ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_pages_filters_apply_to_the_export(rep):
    beijing = factories.make_customer(rep, name="北京前海科技有限公司", region_code="110101")
    factories.make_customer(rep, name="上海浦东贸易有限公司", region_code="310115")
    _contract(beijing, "HT-OLD", signed_on=dt.date(2025, 3, 1), status="expired")
    _contract(beijing, "HT-NEW", signed_on=dt.date(2026, 3, 1))
    client = _client(rep)

    def names(url):
        return [r[0] for r in _csv(client.get(url))[1:]]

    assert names("/exports/customers.csv?region=110000") == ["北京前海科技有限公司"]
    assert names("/exports/customers.csv?q=上海浦东") == ["上海浦东贸易有限公司"]
    assert names("/customers/export.csv?q=上海浦东") == ["上海浦东贸易有限公司"]
    assert names("/exports/contracts.csv?date_from=2026-01-01") == ["HT-NEW"]
    assert names("/exports/contracts.csv?status=expired") == ["HT-OLD"]
    assert names(f"/exports/contracts.csv?account_id={beijing.pk}") == ["HT-NEW", "HT-OLD"]


@pytest.mark.django_db
def test_the_list_page_export_buttons_carry_the_current_filters(rep):
    factories.make_customer(rep, name="北京前海科技有限公司")
    page = _client(rep).get("/customers/?q=前海", headers={"HX-Request": "true"})
    html = page.content.decode()
    assert 'hx-swap-oob="true"' in html
    assert "/exports/customers.xlsx?q=%E5%89%8D%E6%B5%B7" in html


# --- the right, the audit --------------------------------------------------------------------
@pytest.mark.django_db
def test_without_the_export_right_every_door_is_closed(org):
    agent = factories.make_user(org.a_sales, "service_agent", username="agent")
    factories.make_customer(factories.make_user(org.a_sales, "sales_rep"), name="某某有限公司")
    for url in ("/exports/customers.csv", "/exports/contracts.xlsx", "/customers/export.csv"):
        assert _client(agent).get(url).status_code == 403
    api = ApiClient(issue_token(agent)[0])
    response = api.get("/exports/customers", format="xlsx")
    assert response.status_code == 403
    assert response.json()["errors"][0]["rule"] == "forbidden"
    with pytest.raises(CommandError, match="导出"):
        call_command("export", "customers", "--as", "agent", "--output", "/tmp/never.csv")
    assert not ExportRecord.objects.exists()


@pytest.mark.django_db
def test_each_export_is_recorded_with_list_filters_and_rows(rep):
    factories.make_customer(rep, name="审计一号有限公司")
    factories.make_customer(rep, name="审计二号有限公司")
    response = _client(rep).get("/exports/customers.xlsx?q=审计&status=lead")
    assert response.status_code == 200
    entry = ExportRecord.objects.get()
    assert (entry.created_by, entry.actor_name, entry.list_name) == (rep, "李销售", "customers")
    assert (entry.format, entry.via, entry.rows) == ("xlsx", "web", 2)
    assert entry.filters == {"filters": {"q": "审计", "status": "lead"}}


# --- the API ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_api_exports_the_scoped_list_and_names_bad_input(org, rep):
    factories.make_customer(rep, name="接口导出有限公司")
    other = factories.make_user(org.b_sales, "sales_rep", username="b")
    factories.make_customer(other, name="别人家的有限公司")
    api = ApiClient(issue_token(rep)[0])
    ok = api.get("/exports/customers", format="xlsx")
    assert ok.status_code == 200
    values = [r[0] for r in _book(b"".join(ok.streaming_content)).values]
    assert values == ["客户名称", "接口导出有限公司"]
    text = b"".join(api.get("/exports/customers").streaming_content).decode("utf-8-sig")
    assert "接口导出有限公司" in text and "别人家" not in text
    for params, field, rule in [
        ({"format": "pdf"}, "format", "choice"),
        ({"status": "nonsense"}, "status", "choice"),
        ({"owner_id": "abc"}, "owner_id", "integer"),
    ]:
        bad = api.get("/exports/customers", **params)
        assert bad.status_code == 422, params
        assert (bad.json()["errors"][0]["field"], bad.json()["errors"][0]["rule"]) == (field, rule)
    unknown = api.get("/exports/planets")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["rule"] == "unknown_list"
    out = api.get("/exports/contracts", account_id=str(other.pk + 10_000))
    assert out.status_code == 422 and out.json()["errors"][0]["rule"] == "out_of_scope"
    dates = api.get("/exports/receipts", date_from="2026-02-30")
    assert dates.status_code == 422 and dates.json()["errors"][0]["field"] == "date_from"
    assert ExportRecord.objects.filter(via="api").count() == 2


# --- a large export runs in the background ----------------------------------------------------
@pytest.mark.django_db
def test_a_large_export_runs_as_a_job_with_a_download_link(rep, org, monkeypatch):
    monkeypatch.setattr(exporting, "BACKGROUND_ROWS", 2)
    for i in range(3):
        factories.make_customer(rep, name=f"大批量{i}号有限公司")
    client = _client(rep)
    response = client.get("/exports/customers.xlsx")
    entry = ExportRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/runs/{entry.pk}/"
    assert entry.job is not None and entry.job.kind == "export"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert 'data-status="done"' in html and "已导出 3 行" in html
    assert f"/exports/runs/{entry.pk}/download/" in html
    fragment = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert 'id="export-run"' in fragment and "<html" not in fragment
    download = client.get(f"/exports/runs/{entry.pk}/download/")
    assert download.status_code == 200
    sheet = _book(b"".join(download.streaming_content))
    assert sorted(r[0] for r in list(sheet.values)[1:]) == [
        f"大批量{i}号有限公司" for i in range(3)
    ]
    entry.refresh_from_db()
    assert entry.rows == 3 and entry.file.endswith(".xlsx")
    # someone else's export does not exist for them
    colleague = factories.make_user(org.a_sales, "sales_rep", username="colleague")
    assert _client(colleague).get(f"/exports/runs/{entry.pk}/download/").status_code == 404
    assert _client(colleague).get(f"/exports/runs/{entry.pk}/").status_code == 404


@pytest.mark.django_db
def test_background_export_files_are_removed_after_a_day(rep, monkeypatch):
    import os
    import time

    monkeypatch.setattr(exporting, "BACKGROUND_ROWS", 0)
    factories.make_customer(rep, name="过期文件有限公司")
    client = _client(rep)
    client.get("/exports/customers.csv")
    first = ExportRecord.objects.get()
    path = exporting.export_dir() / first.file
    assert path.is_file()
    day_old = time.time() - exporting.KEEP_FILES.total_seconds() - 60
    os.utime(path, (day_old, day_old))
    client.get("/exports/customers.csv")  # the next background export sweeps
    assert not path.exists()
    assert client.get(f"/exports/runs/{first.pk}/download/").status_code == 404
    assert len(list(exporting.export_dir().iterdir())) == 1


@pytest.mark.django_db
def test_a_small_export_streams_directly(rep):
    factories.make_customer(rep, name="小批量有限公司")
    response = _client(rep).get("/exports/customers.csv")
    assert response.status_code == 200 and response.streaming
    assert ExportRecord.objects.get().job is None


# --- the command ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_cli_exports_what_the_user_sees(org, rep, tmp_path, capsys):
    account = factories.make_customer(rep, name="命令行导出有限公司", region_code="110101")
    factories.make_customer(rep, name="命令行另一家有限公司", region_code="310115")
    _contract(account, "HT-CLI")
    other = factories.make_user(org.b_sales, "sales_rep", username="b")
    factories.make_customer(other, name="看不见的有限公司")
    out = tmp_path / "customers.xlsx"
    call_command("export", "customers", "--as", "rep", "--output", str(out), "region=110000")
    printed = capsys.readouterr().out
    assert "1 rows" in printed and str(out) in printed
    values = list(openpyxl.load_workbook(out).active.values)
    assert [r[0] for r in values[1:]] == ["命令行导出有限公司"]
    csv_out = tmp_path / "contracts.csv"
    call_command("export", "contracts", "--as", "rep", "--format", "csv", "-o", str(csv_out))
    assert "HT-CLI" in csv_out.read_text("utf-8-sig")
    entry = ExportRecord.objects.filter(via="cli").first()
    assert entry is not None and entry.rows == 1


@pytest.mark.django_db
def test_cli_bad_input_exits_non_zero_with_a_clear_message(rep, tmp_path):
    target = str(tmp_path / "x.csv")
    cases = [
        (["planets", "--as", "rep", "-o", target], "planets"),
        (["customers", "--as", "nobody", "-o", target], "nobody"),
        (["customers", "--as", "rep", "--format", "pdf", "-o", target], "csv"),
        (["customers", "--as", "rep", "-o", "/nonexistent/dir/x.csv"], "/nonexistent/dir"),
        (["customers", "--as", "rep", "-o", str(tmp_path)], "cannot write"),
        (["customers", "--as", "rep", "-o", target, "status=nonsense"], "status"),
        (["customers", "--as", "rep", "-o", target, "garbled"], "KEY=VALUE"),
    ]
    for argv, needle in cases:
        with pytest.raises(CommandError, match=needle) as caught:
            call_command("export", *argv)
        assert caught.value.returncode != 0
    assert not (tmp_path / "x.csv").exists()
    assert not ExportRecord.objects.exists()


@pytest.mark.django_db
def test_bad_filters_answer_422_naming_the_field_in_the_users_language(rep):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from xinren.core.errors import error_items

    response = _client(rep).get("/exports/interactions.csv?kind=telepathy")
    assert response.status_code == 422
    assert "kind" in response.content.decode() and "可选" in response.content.decode()
    assert not ExportRecord.objects.exists()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        exporting.prepare(rep, "customers", "pdf", {})
    (item,) = error_items(caught.value)
    assert (item["field"], item["rule"]) == ("format", "choice")
    assert "choose one of: csv、xlsx" in item["message"]


@pytest.mark.django_db
def test_interaction_and_receipt_exports_apply_their_filters(rep):
    from xinren.sales.models import PaymentMilestone, Receipt

    first = factories.make_customer(rep, name="互动筛选一号有限公司")
    second = factories.make_customer(rep, name="互动筛选二号有限公司")
    when = timezone.make_aware(dt.datetime(2026, 3, 10, 9, 30))
    for account, kind in ((first, "call"), (first, "visit"), (second, "call")):
        Interaction.objects.create(
            account=account, company=account.company, kind=kind, occurred_at=when,
            logged_at=when, subject=f"{account.company.name}-{kind}",
        )  # fmt: skip
    milestone = PaymentMilestone.objects.create(
        account=first, due_on=timezone.localdate() - dt.timedelta(days=10), amount=Decimal("100")
    )
    for day in (1, 20):
        Receipt.objects.create(
            account=first, milestone=milestone, received_on=dt.date(2026, 3, day),
            amount=Decimal("10"), reference=f"BK-{day}",
        )  # fmt: skip
    client = _client(rep)

    def column(url, name):
        rows = _csv(client.get(url))
        at = rows[0].index(name)
        return sorted(r[at] for r in rows[1:])

    assert column(f"/exports/interactions.csv?account_id={first.pk}&kind=call", "主题") == [
        "互动筛选一号有限公司-call"
    ]
    assert column(f"/exports/interactions.csv?company_id={second.company_id}", "主题") == [
        "互动筛选二号有限公司-call"
    ]
    assert column("/exports/interactions.csv?date_from=2026-03-11", "主题") == []
    assert (
        column("/exports/interactions.csv?date_to=2026-03-10", "发生时间")
        == ["2026-03-10 09:30"] * 3
    )
    assert column("/exports/receipts.csv?date_from=2026-03-10", "流水号") == ["BK-20"]
    assert column("/exports/milestones.csv", "状态") == ["逾期"]
