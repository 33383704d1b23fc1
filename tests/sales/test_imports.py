"""Imports of orders, milestones and receipts: encodings, Excel, header synonyms, matching,
all-or-nothing, the error report, re-runs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from tests import factories
from xinren.audit.models import ChangeLog
from xinren.sales import imports
from xinren.sales.models import Order, PaymentMilestone, Receipt
from xinren.timeline.models import TimelineEvent

from .conftest import make_milestone, make_order


def _csv(rows, encoding="utf-8", bom=False) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _snapshot():
    return (
        Order.objects.count(),
        PaymentMilestone.objects.count(),
        Receipt.objects.count(),
        ChangeLog.objects.filter(entity__startswith="sales.").count(),
        TimelineEvent.objects.count(),
    )


@pytest.fixture
def second(rep):
    return factories.make_customer(rep, name="成都蓉信商贸有限公司")


def _orders(account, second):
    return [
        ["订单编号", "档案号", "下单日期", "订单金额", "应收日期", "备注"],
        ["SO-1", account.archive_no, "2026-03-01", "￥1,200.50", "2026-04-01", "首单"],
        ["SO-2", second.archive_no, "2026/3/5", "800", "", ""],
        ["SO-3", account.archive_no, "2026年3月9日", "99.99", "", ""],
    ]


def test_orders_import_gbk_with_synonyms(rep, account, second):
    content = _csv(_orders(account, second), "gbk")
    progress = []
    result = imports.run_import(
        actor=rep, kind="orders", content=content, filename="erp.csv",
        on_progress=lambda done, total: progress.append((done, total)),
    )  # fmt: skip
    assert (result.total, result.created, result.skipped, result.errors) == (3, 3, 0, [])
    assert result.applied and progress[-1] == (3, 3)
    order = Order.objects.get(account=account, number="SO-1")
    assert order.amount == Decimal("1200.50") and order.source == "import"
    assert order.notes == "首单"
    milestone = PaymentMilestone.objects.get(order=order)
    assert milestone.due_on == dt.date(2026, 4, 1) and milestone.amount == Decimal("1200.50")
    assert Order.objects.get(number="SO-3").ordered_on == dt.date(2026, 3, 9)
    # Re-running the same file changes nothing.
    before = _snapshot()
    again = imports.run_import(actor=rep, kind="orders", content=content, filename="erp.csv")
    assert (again.created, again.skipped, again.errors) == (0, 3, [])
    assert _snapshot() == before


def test_utf8_bom_and_uscc_matching(rep, account):
    rows = [
        ["统一社会信用代码", "订单号", "日期", "金额"],
        [account.company.uscc.lower(), "SO-B1", "2026-03-01", "10"],
    ]
    result = imports.run_import(
        actor=rep, kind="orders", content=_csv(rows, bom=True), filename="x.csv"
    )
    assert result.errors == [] and result.created == 1
    assert Order.objects.get(number="SO-B1").account == account


def test_bad_rows_all_or_nothing_leaves_database_unchanged(rep, account, second):
    rows = _orders(account, second)
    rows.append(["SO-4", account.archive_no, "2026-03-01", "12.345", "", ""])
    rows.append(["SO-5", "B2B-2099-999", "2026-03-01", "1", "", ""])
    rows.append(["SO-6", account.archive_no, "2026-02-30", "1", "", ""])
    rows.append(["SO-7", account.archive_no, "2026-03-01", "-1", "", ""])
    before = _snapshot()
    result = imports.run_import(actor=rep, kind="orders", content=_csv(rows), filename="x.csv")
    assert _snapshot() == before and not result.applied
    assert result.created == 3  # would have been written
    got = [(e.row, e.column, e.rule) for e in result.errors]
    assert got == [
        (5, "订单金额", "decimal_places"),
        (6, "档案号", "account_not_found"),
        (7, "下单日期", "date"),
        (8, "订单金额", "not_negative"),
    ]
    # The report names row, column and rule, in CSV and in Excel.
    report = imports.error_report_csv(result).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(report)))
    assert lines[0] == ["行号", *rows[0], "错误"]
    assert lines[4][0] == "5" and "订单金额" in lines[4][-1] and "decimal_places" in lines[4][-1]
    assert lines[1][-1] == ""
    book = load_workbook(io.BytesIO(imports.error_report_xlsx(result)))
    sheet = book.active
    assert sheet.cell(row=1, column=1).value == "行号"
    assert "account_not_found" in sheet.cell(row=6, column=len(rows[0]) + 2).value


def test_valid_rows_only_keeps_the_good_ones(rep, account, second):
    rows = _orders(account, second)
    rows.append(["SO-4", account.archive_no, "2026-03-01", "12.345", "", ""])
    result = imports.run_import(
        actor=rep, kind="orders", content=_csv(rows), filename="x.csv", mode="valid"
    )
    assert result.applied and result.created == 3 and result.failed_rows == 1
    assert set(Order.objects.values_list("number", flat=True)) == {"SO-1", "SO-2", "SO-3"}


def test_dry_run_stores_nothing(rep, account, second):
    before = _snapshot()
    result = imports.run_import(
        actor=rep, kind="orders", content=_csv(_orders(account, second)), dry_run=True
    )
    assert result.created == 3 and not result.errors and not result.applied
    assert _snapshot() == before


def test_receipts_import_from_xlsx(rep, account):
    order = make_order(rep, account, "SO-9", amount="1000.00")
    make_milestone(rep, account, dt.date(2026, 4, 1), "300.00", order=order)
    late = make_milestone(rep, account, dt.date(2026, 5, 1), "700.00", order=order)
    rows = [
        ["流水号", "客户编号", "到账日期", "到账金额", "订单号"],
        ["BK-1", account.archive_no, dt.date(2026, 3, 30), 300, "SO-9"],
        ["BK-2", account.archive_no, dt.datetime(2026, 5, 3), 350.5, "SO-9"],
        ["BK-3", account.archive_no, "2026-05-04", "400", "SO-9"],  # more than is open
    ]
    result = imports.run_import(
        actor=rep, kind="receipts", content=_xlsx(rows), filename="bank.xlsx", mode="valid"
    )
    assert result.created == 2
    assert [(e.row, e.column, e.rule) for e in result.errors] == [(4, "到账金额", "overpayment")]
    late.refresh_from_db()
    assert late.paid_amount == Decimal("350.50") and late.paid_on is None
    again = imports.run_import(
        actor=rep, kind="receipts", content=_xlsx(rows[:3]), filename="bank.xlsx"
    )
    assert (again.created, again.skipped) == (0, 2)


def test_receipts_need_a_reference(rep, account):
    make_milestone(rep, account, dt.date(2026, 4, 1), "300.00")
    rows = [["流水号", "档案号", "日期", "金额"], ["", account.archive_no, "2026-03-01", "1"]]
    result = imports.run_import(actor=rep, kind="receipts", content=_csv(rows))
    assert [(e.column, e.rule) for e in result.errors] == [("流水号", "required")]


def test_milestones_import_and_rerun(rep, account):
    make_order(rep, account, "SO-M", amount="1000.00")
    rows = [
        ["档案号", "订单号", "应收日期", "应收金额", "款项"],
        [account.archive_no, "SO-M", "2026-04-01", "300", "首付款"],
        [account.archive_no, "SO-M", "2026-05-01", "700", "尾款"],
    ]
    assert imports.run_import(actor=rep, kind="milestones", content=_csv(rows)).created == 2
    again = imports.run_import(actor=rep, kind="milestones", content=_csv(rows))
    assert (again.created, again.skipped, again.errors) == (0, 2, [])


def test_uscc_outside_scope_or_subsidiary_is_an_error(org, rep, account):
    outsider = factories.make_user(org.b_sales, "subsidiary_admin", username="outsider")
    rows = [
        ["统一社会信用代码", "订单号", "日期", "金额"],
        [account.company.uscc, "X1", "2026-03-01", "1"],
    ]
    result = imports.run_import(actor=outsider, kind="orders", content=_csv(rows))
    assert [(e.column, e.rule) for e in result.errors] == [
        ("统一社会信用代码", "account_not_found")
    ]
    assert not Order.objects.exists()


def test_archive_and_uscc_must_agree(rep, account, second):
    rows = [
        ["档案号", "统一社会信用代码", "订单号", "日期", "金额"],
        [account.archive_no, second.company.uscc, "X1", "2026-03-01", "1"],
    ]
    result = imports.run_import(actor=rep, kind="orders", content=_csv(rows))
    assert [e.rule for e in result.errors] == ["account_mismatch"]


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "空"),
        (_csv([["名称", "金额"], ["x", "1"]]), "缺少必需的列"),
        (b"\xff\xfe\x00\x00garbage\x81", "编码"),
        (b"PK\x03\x04not really a zip", "Excel"),
    ],
)
def test_unreadable_files(rep, content, message):
    with pytest.raises(imports.ImportFileError) as exc:
        imports.run_import(actor=rep, kind="orders", content=content, filename="x.csv")
    assert message in str(exc.value)


def test_import_needs_create_right(org, account):
    from django.core.exceptions import PermissionDenied

    agent = factories.make_user(org.a_service, "service_agent", username="agent")
    with pytest.raises(PermissionDenied):
        imports.run_import(actor=agent, kind="orders", content=b"a,b\n")


def test_command_line(tmp_path, rep, account, second):
    from django.core.management import CommandError, call_command

    good = tmp_path / "orders.csv"
    good.write_bytes(_csv(_orders(account, second), "gb18030"))
    out = io.StringIO()
    call_command("import-sales", str(good), kind="orders", user="rep", dry_run=True, stdout=out)
    assert "created 3" in out.getvalue() and not Order.objects.exists()
    call_command("import-sales", str(good), kind="orders", user="rep", stdout=out)
    assert Order.objects.count() == 3
    bad = tmp_path / "bad.csv"
    rows = _orders(account, second) + [["SO-9", account.archive_no, "2026-03-01", "x", "", ""]]
    bad.write_bytes(_csv(rows))
    report = tmp_path / "report.xlsx"
    with pytest.raises(CommandError, match="1"):
        call_command(
            "import-sales", str(bad), kind="orders", user="rep", report=str(report),
            stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
    assert load_workbook(report).active.cell(row=5, column=1).value == "5"
    assert Order.objects.count() == 3
    with pytest.raises(CommandError, match="file not found"):
        call_command("import-sales", str(tmp_path / "nope.csv"), kind="orders", user="rep")
    with pytest.raises(CommandError, match="no active user"):
        call_command("import-sales", str(good), kind="orders", user="nobody")
