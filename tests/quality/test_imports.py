"""Customer import: header synonyms, encodings, mapping and templates, dry run, modes,
matching existing companies (USCC, normalised name), on-match choices, idempotence, and
everything written through the customers' rules (history, search, duplicate keys)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from openpyxl import Workbook, load_workbook

from tests import factories
from xinren.audit.models import ChangeLog
from xinren.customers.models import Company, Contact, CustomerAccount
from xinren.customers.selectors import search_companies
from xinren.quality import imports
from xinren.quality.models import CompanyKey, ImportTemplate
from xinren.standards.names import name_key
from xinren.timeline.models import TimelineEvent

HEADER = ["客户名称", "统一社会信用代码", "法定代表人", "注册资本", "成立日期", "地区", "电话",
          "联系人", "联系人电话", "职务", "归属人", "客户类型", "状态", "来源", "备注"]  # fmt: skip


def csv_bytes(rows, encoding="utf-8", bom=False) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "companies": Company.objects.count(),
        "accounts": CustomerAccount.objects.count(),
        "contacts": Contact.objects.count(),
        "history": ChangeLog.objects.count(),
        "keys": CompanyKey.objects.count(),
        "companies_data": list(Company.objects.order_by("pk").values()),
    }


@pytest.fixture(autouse=True)
def _chinese():
    """Messages in Chinese whatever an earlier test left active (the site's default)."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep", full_name="王小明")


@pytest.fixture
def head(org):
    return factories.make_user(org.a_sales, "department_head", username="head")


@pytest.fixture
def usccs():
    return [factories.valid_uscc() for _ in range(5)]


def two_rows(usccs, owner="rep"):
    return [
        list(HEADER),  # a copy: a test may rename a column
        ["杭州云启信息科技有限公司", usccs[0], "张三", "500万", "2016-03-01", "330100",
         "0571-88886666", "李四", "13800138000", "采购经理", owner, "企业客户", "线索", "展会", ""],
        ["宁波海川贸易有限公司", usccs[1], "赵六", "1000000", "2018/5/20", "宁波市",
         "", "", "", "", owner, "B2B", "成交", "", "老客户"],
    ]  # fmt: skip


def test_gbk_csv_with_chinese_headers_creates_companies_accounts_contacts(rep, usccs):
    result = imports.run_import(
        actor=rep, content=csv_bytes(two_rows(usccs), encoding="gbk"), filename="客户.csv"
    )
    assert result.errors == [] and result.applied
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    a = Company.objects.get(uscc=usccs[0])
    assert a.name == "杭州云启信息科技有限公司" and a.legal_rep == "张三"
    assert str(a.registered_capital) == "5000000.00" and a.founded_on.isoformat() == "2016-03-01"
    assert a.region_code == "330100"
    b = Company.objects.get(uscc=usccs[1])
    assert b.region_code == "330200" and b.founded_on.isoformat() == "2018-05-20"
    account = a.accounts.get()
    assert account.owner == rep and account.status == "lead" and account.source == "展会"
    assert account.archive_no.startswith("B2B-")
    contact = a.contacts.get()
    assert (contact.name, contact.title, contact.work_phone) == ("李四", "采购经理", "13800138000")
    assert b.contacts.count() == 0 and b.accounts.get().notes == "老客户"
    # written through the same rules as a form: history, timeline, search, duplicate keys
    assert ChangeLog.objects.filter(company_id=a.pk, action="create").count() == 3
    assert TimelineEvent.objects.filter(company_id=a.pk).count() == 3
    assert CompanyKey.objects.get(company=a).name_key == name_key(a.name)
    assert a.pk in [c.pk for c in search_companies(rep, q="云启")]
    assert a.pk in [c.pk for c in search_companies(rep, q="李四")]


@pytest.mark.parametrize("bom", [True, False])
def test_utf8_with_or_without_bom(rep, usccs, bom):
    result = imports.run_import(actor=rep, content=csv_bytes(two_rows(usccs), bom=bom))
    assert result.created == 2 and result.header[0] == "客户名称"


def test_rerun_is_idempotent(rep, usccs):
    content = xlsx_bytes(two_rows(usccs))
    imports.run_import(actor=rep, content=content, filename="a.xlsx")
    before = snapshot()
    again = imports.run_import(actor=rep, content=content, filename="a.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2) and not again.applied
    assert snapshot() == before


def test_dry_run_stores_nothing(rep, usccs):
    before = snapshot()
    result = imports.run_import(actor=rep, content=csv_bytes(two_rows(usccs)), dry_run=True)
    assert result.created == 2 and not result.applied
    assert snapshot() == before


def test_all_or_nothing_refuses_the_file_with_one_bad_row(rep, usccs):
    rows = two_rows(usccs)
    rows[2][1] = "91330000ABCDEFGH"  # not a USCC
    rows[1][4] = "去年"
    before = snapshot()
    result = imports.run_import(actor=rep, content=csv_bytes(rows))
    assert not result.applied and snapshot() == before
    by_rule = {(e.row, e.column, e.rule) for e in result.errors}
    assert (2, "成立日期", "date") in by_rule
    assert any(e.row == 3 and e.column == "统一社会信用代码" for e in result.errors)
    # the report: every row, a result column and an error column naming column and rule
    book = load_workbook(io.BytesIO(imports.report_xlsx_bytes(result)))
    sheet = list(book.active.values)
    assert sheet[0][0] == "行号" and sheet[0][-1] == "错误" and sheet[0][-2] == "结果"
    assert "成立日期" in sheet[1][-1] and "(date)" in sheet[1][-1].replace("（", "(").replace(
        "）", ")"
    )


def test_valid_mode_keeps_the_good_rows(rep, usccs):
    rows = two_rows(usccs)
    rows[2][1] = "91330000ABCDEFGH"
    result = imports.run_import(actor=rep, content=csv_bytes(rows), mode="valid")
    assert result.applied and result.created == 1 and result.failed_rows == 1
    assert Company.objects.filter(uscc=usccs[0]).exists()
    assert not Company.objects.filter(name="宁波海川贸易有限公司").exists()


def test_match_by_uscc_updates_or_fills_or_skips(rep, usccs):
    existing = factories.make_customer(rep, name="杭州云启信息科技有限公司", uscc=usccs[0],
                                       legal_rep="老法人").company  # fmt: skip
    rows = [HEADER[:4], ["杭州云启信息科技有限公司", usccs[0], "张三", "500万"]]
    skip = imports.run_import(actor=rep, content=csv_bytes(rows), on_match="skip")
    assert skip.skipped == 1
    existing.refresh_from_db()
    assert existing.legal_rep == "老法人" and existing.registered_capital is None
    fill = imports.run_import(actor=rep, content=csv_bytes(rows), on_match="fill")
    existing.refresh_from_db()
    assert fill.updated == 1 and existing.legal_rep == "老法人"
    assert str(existing.registered_capital) == "5000000.00"
    update = imports.run_import(actor=rep, content=csv_bytes(rows), on_match="update")
    existing.refresh_from_db()
    assert update.updated == 1 and existing.legal_rep == "张三"
    assert Company.objects.filter(uscc=usccs[0]).count() == 1
    change = ChangeLog.objects.filter(entity="customers.company", object_id=existing.pk,
                                      action="update").first()  # fmt: skip
    assert change.changes["legal_rep"] == {"before": "老法人", "after": "张三"}


def test_match_by_normalised_name_updates_it_and_fills_the_uscc(rep, usccs):
    from xinren.customers.services import create_customer

    existing = create_customer(
        actor=rep, company={"name": "上海华为技术有限公司", "uscc": "", "entity_type": "foreign"}
    ).company
    rows = [["公司名称", "电话"], ["华为技术（上海）有限公司", "021-55556666"]]
    result = imports.run_import(actor=rep, content=csv_bytes(rows))
    assert result.updated == 1 and result.created == 0
    existing.refresh_from_db()
    assert existing.phone == "021-55556666" and existing.uscc is None
    rows = [["公司名称", "信用代码"], ["华为技术有限公司（上海）", usccs[4]]]
    result = imports.run_import(actor=rep, content=csv_bytes(rows), on_match="fill")
    existing.refresh_from_db()
    assert result.updated == 1 and existing.uscc == usccs[4]
    assert Company.objects.count() == 1


def test_name_match_does_not_override_a_different_uscc(rep, usccs):
    factories.make_customer(rep, name="杭州云启信息科技有限公司", uscc=usccs[0])
    rows = [HEADER[:2], ["杭州云启信息科技有限公司", usccs[1]]]
    result = imports.run_import(actor=rep, content=csv_bytes(rows))
    assert result.created == 1 and result.updated == 0
    assert Company.objects.filter(name="杭州云启信息科技有限公司").count() == 2


def test_matched_company_of_another_subsidiary_in_scope_gets_an_account(org, usccs):
    other = factories.make_user(org.b_sales, "sales_rep", username="other")
    company = factories.make_customer(other, name="深圳前海数据有限公司", uscc=usccs[2]).company
    importer = factories.make_user(org.a_sales, "group_admin", username="groupie")
    rows = [HEADER[:2], ["深圳前海数据有限公司", usccs[2]]]
    result = imports.run_import(actor=importer, content=csv_bytes(rows))
    assert result.updated == 1
    assert set(company.accounts.values_list("business_unit_id", flat=True)) == {
        org.sub_a.pk,
        org.sub_b.pk,
    }
    again = imports.run_import(actor=importer, content=csv_bytes(rows))
    assert again.unchanged == 1


def test_same_company_twice_in_one_file(rep, usccs):
    rows = [HEADER[:2], ["甲有限公司", usccs[0]], ["甲公司", usccs[0]]]
    result = imports.run_import(actor=rep, content=csv_bytes(rows), mode="valid")
    assert result.created == 1
    [error] = result.errors
    assert (error.row, error.rule) == (3, "duplicate_in_file")


def test_owner_by_name_and_out_of_scope_owner(org, rep, head, usccs):
    rows = two_rows(usccs, owner="王小明")
    result = imports.run_import(actor=head, content=csv_bytes(rows))
    assert result.created == 2
    assert CustomerAccount.objects.get(company__uscc=usccs[0]).owner == rep
    factories.make_user(org.b_sales, "sales_rep", username="faraway")
    rows = [HEADER[:2] + ["归属人"], ["丙有限公司", usccs[3], "faraway"]]
    bad = imports.run_import(actor=head, content=csv_bytes(rows))
    assert [(e.column, e.rule) for e in bad.errors] == [("归属人", "out_of_scope")]


def test_bad_choice_names_column_and_allowed_values(rep, usccs):
    rows = [HEADER[:2] + ["客户类型"], ["丁有限公司", usccs[0], "大客户"]]
    result = imports.run_import(actor=rep, content=csv_bytes(rows))
    [error] = result.errors
    assert (error.column, error.rule) == ("客户类型", "choice") and "企业客户" in error.message


def test_mapping_corrections_and_templates(rep, usccs):
    rows = [["单位", "代码", "对接人"], ["戊有限公司", usccs[0], "周八"]]
    with pytest.raises(imports.ImportFileError):
        imports.run_import(actor=rep, content=csv_bytes(rows))  # nothing recognised
    mapping = {"单位": "name", "代码": "uscc", "对接人": "contact_name"}
    imports.save_template(actor=rep, name="ERP 导出", mapping=mapping)
    assert ImportTemplate.objects.get(owner=rep).mapping == mapping
    result = imports.run_import(actor=rep, content=csv_bytes(rows), template="ERP 导出")
    assert result.created == 1 and Contact.objects.get().name == "周八"
    assert result.mapping == mapping
    with pytest.raises(imports.ImportFileError) as err:
        imports.run_import(actor=rep, content=csv_bytes(rows), template="没有这个")
    assert "没有这个" in str(err.value)
    with pytest.raises(imports.ImportFileError) as err:
        imports.run_import(
            actor=rep, content=csv_bytes(rows), mapping={"单位": "name", "代码": "name"}
        )
    assert "两列" in str(err.value)


def test_header_below_a_merged_title_row(rep, usccs):
    book = Workbook()
    sheet = book.active
    sheet.append(["2026 年客户名单"])
    sheet.merge_cells("A1:C1")
    sheet.append(["客户名称", "统一社会信用代码", "归属人"])
    sheet.append(["己有限公司", usccs[0], "rep"])
    sheet.append(["庚有限公司", usccs[1], None])
    sheet.merge_cells("C3:C4")  # one owner merged over two rows
    out = io.BytesIO()
    book.save(out)
    result = imports.run_import(actor=rep, content=out.getvalue(), filename="t.xlsx")
    assert result.created == 2 and result.first_row == 3
    assert {e.row for e in result.errors} == set()
    assert CustomerAccount.objects.get(company__uscc=usccs[1]).owner == rep


def test_excel_dates_as_dates_and_serial_numbers(rep, usccs):
    import datetime as dt

    rows = [["客户名称", "统一社会信用代码", "成立日期"],
            ["辛有限公司", usccs[0], dt.date(2015, 6, 1)],
            ["壬有限公司", usccs[1], 45352]]  # fmt: skip
    result = imports.run_import(actor=rep, content=xlsx_bytes(rows), filename="d.xlsx")
    assert result.created == 2
    assert Company.objects.get(uscc=usccs[0]).founded_on == dt.date(2015, 6, 1)
    assert Company.objects.get(uscc=usccs[1]).founded_on == dt.date(2024, 3, 1)


def test_import_needs_the_create_right(org, usccs):
    agent = factories.make_user(org.a_service, "service_agent", username="agent")
    with pytest.raises(PermissionDenied):
        imports.run_import(actor=agent, content=csv_bytes(two_rows(usccs)))


def test_unknown_mode_or_on_match(rep, usccs):
    with pytest.raises(imports.ImportFileError):
        imports.run_import(actor=rep, content=csv_bytes(two_rows(usccs)), mode="some")
    with pytest.raises(imports.ImportFileError):
        imports.run_import(actor=rep, content=csv_bytes(two_rows(usccs)), on_match="merge")


def test_progress_is_reported(rep, usccs):
    seen = []
    imports.run_import(
        actor=rep, content=csv_bytes(two_rows(usccs)), on_progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (4, 4) and all(d <= t for d, t in seen)
