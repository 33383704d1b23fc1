"""The account's contracts & payments page, contract edit, and the import page (test client)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories
from xinren.sales.models import Contract, Order, Receipt

from .conftest import make_milestone, make_order, pay


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _contract_post(**over):
    data = {
        "form": "contract",
        "c-number": "HT-P-1",
        "c-title": "年度框架合同",
        "c-signed_on": "2026-01-05",
        "c-start_on": "2026-01-10",
        "c-end_on": "2026-12-31",
        "c-amount": "50000.00",
        "c-currency": "CNY",
        "c-payment_terms": "credit",
        "c-credit_days": "30",
        "c-status": "active",
    }
    data.update(over)
    return data


def test_account_page_shows_figures_and_lists(rep, account):
    order = make_order(rep, account, "SO-P1", amount="1000.00")
    m = make_milestone(
        rep, account, dt.date(2026, 4, 1), "1000.00", order=order, description="货款"
    )
    pay(rep, m, dt.date(2026, 3, 20), "400.00", "BK-P1")
    page = _client(rep).get(f"/accounts/{account.pk}/sales/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="overdue">¥600.00' in html
    assert 'data-status="overdue"' in html and "SO-P1" in html and "BK-P1" in html
    assert "chart-data" in html
    detail = _client(rep).get(f"/customers/{account.company_id}/").content.decode()
    assert f"/accounts/{account.pk}/sales/" in detail


def test_create_contract_from_the_page_and_field_errors(rep, account):
    client = _client(rep)
    bad = client.post(f"/accounts/{account.pk}/sales/", _contract_post(**{"c-amount": "1.234"}))
    assert bad.status_code == 422
    assert "金额最多两位小数" in bad.content.decode() and not Contract.objects.exists()
    bad = client.post(f"/accounts/{account.pk}/sales/", _contract_post(**{"c-credit_days": ""}))
    assert "账期付款须填写账期天数" in bad.content.decode()
    ok = client.post(f"/accounts/{account.pk}/sales/", _contract_post())
    assert ok.status_code == 302 and Contract.objects.get().number == "HT-P-1"


def test_order_with_lines_and_receipt_from_the_page(rep, account):
    client = _client(rep)
    ok = client.post(
        f"/accounts/{account.pk}/sales/",
        {"form": "order", "o-number": "SO-L", "o-ordered_on": "2026-03-01", "o-currency": "CNY",
         "o-line0_product": "服务器", "o-line0_quantity": "2", "o-line0_unit_price": "100.50"},
    )  # fmt: skip
    assert ok.status_code == 302
    order = Order.objects.get(number="SO-L")
    assert str(order.amount) == "201.00"
    bad = client.post(
        f"/accounts/{account.pk}/sales/",
        {"form": "order", "o-number": "SO-M", "o-ordered_on": "2026-03-01", "o-currency": "CNY",
         "o-line0_product": "A", "o-line0_quantity": "1", "o-line0_unit_price": "1.001"},
    )  # fmt: skip
    assert bad.status_code == 422 and "金额最多两位小数" in bad.content.decode()
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "201.00", order=order)
    over = client.post(
        f"/accounts/{account.pk}/sales/",
        {"form": "receipt", "r-milestone_id": m.pk, "r-received_on": "2026-03-05",
         "r-amount": "300", "r-reference": "BK-X"},
    )  # fmt: skip
    assert over.status_code == 422 and "超过该节点未收金额" in over.content.decode()
    ok = client.post(
        f"/accounts/{account.pk}/sales/",
        {"form": "receipt", "r-milestone_id": m.pk, "r-received_on": "2026-03-05",
         "r-amount": "201", "r-reference": "BK-X"},
    )  # fmt: skip
    assert ok.status_code == 302 and Receipt.objects.get().reference == "BK-X"


def test_contract_edit_conflict(rep, account):
    client = _client(rep)
    client.post(f"/accounts/{account.pk}/sales/", _contract_post())
    contract = Contract.objects.get()
    form = {k[2:]: v for k, v in _contract_post().items() if k.startswith("c-")}
    ok = client.post(f"/contracts/{contract.pk}/edit/", {**form, "title": "新", "version": "1"})
    assert ok.status_code == 302
    stale = client.post(f"/contracts/{contract.pk}/edit/", {**form, "title": "旧", "version": "1"})
    assert stale.status_code == 409
    contract.refresh_from_db()
    assert contract.title == "新"


def test_reverse_receipt_needs_delete_right(rep, head, account):
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "10.00")
    r = pay(rep, m, dt.date(2026, 3, 1), "5.00")
    assert _client(rep).post(f"/receipts/{r.pk}/reverse/").status_code == 403
    assert _client(head).post(f"/receipts/{r.pk}/reverse/").status_code == 302
    assert not Receipt.objects.exists()


def test_out_of_scope_is_not_found(org, rep, account):
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "10.00")
    r = pay(rep, m, dt.date(2026, 3, 1), "5.00")
    outsider = _client(factories.make_user(org.b_sales, "subsidiary_admin", username="out"))
    assert outsider.get(f"/accounts/{account.pk}/sales/").status_code == 404
    assert outsider.post(f"/accounts/{account.pk}/sales/", _contract_post()).status_code == 404
    assert outsider.post(f"/receipts/{r.pk}/reverse/").status_code == 404
    assert Receipt.objects.exists() and not Contract.objects.exists()


def test_page_queries_do_not_grow_with_rows(rep, account):
    client = _client(rep)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/accounts/{account.pk}/sales/").status_code == 200
        return len(ctx.captured_queries)

    def add(n, tag):
        for i in range(n):
            o = make_order(rep, account, f"SO-{tag}{i}", amount="10.00")
            m = make_milestone(rep, account, dt.date(2026, 4, 1), "10.00", order=o)
            pay(rep, m, dt.date(2026, 3, 1), "1.00")
            client.post(f"/accounts/{account.pk}/sales/",
                        _contract_post(**{"c-number": f"HT-{tag}{i}"}))  # fmt: skip

    add(1, "a")
    few = count()
    add(8, "b")
    assert count() <= few


def _orders_csv(account, bad=False) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["订单号", "档案号", "下单日期", "金额"])
    writer.writerow(["SO-I1", account.archive_no, "2026-03-01", "100"])
    writer.writerow(["SO-I2", account.archive_no, "2026-03-02", "12.345" if bad else "5"])
    return buf.getvalue().encode("gbk")


def test_import_page_check_then_import(rep, account):
    client = _client(rep)
    assert client.get("/sales/import/").status_code == 200
    checked = client.post(
        "/sales/import/",
        {"kind": "orders", "mode": "all", "step": "check",
         "file": SimpleUploadedFile("erp.csv", _orders_csv(account, bad=True))},
    )  # fmt: skip
    html = checked.content.decode()
    assert checked.status_code == 200 and "decimal_places" in html and "金额" in html
    assert "import-now" not in html and not Order.objects.exists()
    report = client.get("/sales/import/report.csv")
    text = report.content.decode("utf-8-sig")
    assert report.status_code == 200 and "行号" in text and "decimal_places" in text
    assert client.get("/sales/import/report.xlsx").status_code == 200
    checked = client.post(
        "/sales/import/",
        {"kind": "orders", "mode": "all", "step": "check",
         "file": SimpleUploadedFile("erp.csv", _orders_csv(account))},
    )  # fmt: skip
    assert "import-now" in checked.content.decode() and not Order.objects.exists()
    done = client.post("/sales/import/", {"step": "import"})
    assert done.status_code == 200 and Order.objects.count() == 2
    # The import ran as a background job (immediate in tests); the page shows its outcome.
    html = done.content.decode()
    assert 'data-testid="import-job"' in html and 'data-status="done"' in html
    assert "已导入 2 行" in html


def test_import_page_bad_file(rep):
    page = _client(rep).post(
        "/sales/import/",
        {"kind": "orders", "mode": "all", "step": "check",
         "file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n")},
    )  # fmt: skip
    assert page.status_code == 422 and "缺少必需的列" in page.content.decode()


def test_import_page_needs_create(org):
    agent = factories.make_user(org.a_service, "service_agent", username="agent")
    assert _client(agent).get("/sales/import/").status_code == 403
