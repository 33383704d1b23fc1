"""Contracts, orders, milestones and receipts through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError

from tests import factories
from xinren.audit.models import ChangeLog
from xinren.core.errors import ConflictError, error_items
from xinren.sales import services
from xinren.sales.models import Contract, Order, PaymentMilestone, Receipt
from xinren.timeline.models import TimelineEvent

from .conftest import contract_data, make_milestone, make_order, pay


def _rule(exc_info) -> tuple[str, str]:
    item = error_items(exc_info.value)[0]
    return item["field"], item["rule"]


# --- contracts --------------------------------------------------------------------------------
def test_create_contract_writes_history_and_timeline(rep, account):
    contract = services.create_contract(actor=rep, account=account, data=contract_data())
    assert contract.number == "HT-2026-001" and contract.version == 1
    assert ChangeLog.objects.filter(entity="sales.contract", object_id=contract.pk).count() == 1
    event = TimelineEvent.objects.get(source="sales.contract", source_id=contract.pk)
    assert event.kind == "contract" and event.title == "签订合同 HT-2026-001"
    assert event.detail == {
        "number": "HT-2026-001",
        "amount": "120000.00",
        "currency": "CNY",
        "start_on": "2026-01-10",
        "end_on": "2026-12-31",
    }
    assert event.account_id == account.pk and event.company_id == account.company_id


@pytest.mark.parametrize(
    "over,field,rule",
    [
        ({"end_on": dt.date(2026, 1, 1)}, "end_on", "date_order"),
        ({"signed_on": dt.date(2027, 1, 1)}, "signed_on", "date_order"),
        ({"renewal_on": dt.date(2028, 6, 1)}, "renewal_on", "renewal_range"),
        ({"renewal_on": dt.date(2025, 6, 1)}, "renewal_on", "renewal_range"),
        ({"credit_days": None}, "credit_days", "required"),
        ({"credit_days": 400}, "credit_days", "range"),
        ({"payment_terms": "prepayment"}, "credit_days", "prepayment_no_credit"),
        ({"amount": "1.005"}, "amount", "decimal_places"),
        ({"amount": "-5"}, "amount", "not_negative"),
        ({"amount": "0"}, "amount", "positive"),
        ({"amount": 10.5}, "amount", "type"),
        ({"amount": "1e15"}, "amount", "max_value"),
        ({"currency": "RMB"}, "currency", "iso4217"),
        ({"currency": "US"}, "currency", "iso4217"),
        ({"number": ""}, "number", "required"),
        ({"signed_on": "2026-13-01"}, "signed_on", "date"),
    ],
)
def test_contract_rules(rep, account, over, field, rule):
    with pytest.raises(ValidationError) as exc:
        services.create_contract(actor=rep, account=account, data=contract_data(**over))
    assert _rule(exc) == (field, rule)
    assert not Contract.objects.exists() and not TimelineEvent.objects.filter(kind="contract")


def test_prepayment_contract_without_credit_days(rep, account):
    contract = services.create_contract(
        actor=rep,
        account=account,
        data=contract_data(payment_terms="prepayment", credit_days=None, currency="usd"),
    )
    assert contract.credit_days is None and contract.currency == "USD"


def test_contract_number_unique(rep, account):
    services.create_contract(actor=rep, account=account, data=contract_data())
    with pytest.raises(ValidationError) as exc:
        services.create_contract(
            actor=rep, account=account, data=contract_data(number="ht-2026-001")
        )
    assert _rule(exc) == ("number", "unique")


def test_update_contract_versioned(rep, account):
    contract = services.create_contract(actor=rep, account=account, data=contract_data())
    services.update_contract(
        actor=rep, contract=contract, data={"title": "改名"}, expected_version=1
    )
    contract.refresh_from_db()
    assert contract.title == "改名" and contract.version == 2
    with pytest.raises(ConflictError):
        services.update_contract(
            actor=rep, contract=contract, data={"title": "再改"}, expected_version=1
        )
    contract.refresh_from_db()
    assert contract.title == "改名"
    services.update_contract(
        actor=rep, contract=contract, data={"amount": "130000"}, expected_version=2
    )
    event = TimelineEvent.objects.get(source="sales.contract", source_id=contract.pk)
    assert event.detail["amount"] == "130000.00"
    assert ChangeLog.objects.filter(entity="sales.contract", action="update").count() == 2


def test_contract_documents_same_company(rep, account):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from xinren.customers import services as customer_services

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

    def upload(acc):
        return customer_services.upload_document(
            actor=rep,
            company=acc.company,
            account=acc,
            doc_type="contract",
            file=SimpleUploadedFile("c.pdf", pdf, content_type="application/pdf"),
        )

    other = factories.make_customer(rep)
    try:
        mine, theirs = upload(account), upload(other)
    except TypeError:
        pytest.skip("upload_document signature differs")
    contract = services.create_contract(
        actor=rep, account=account, data=contract_data(), document_ids=[mine.pk]
    )
    assert list(contract.documents.all()) == [mine]
    with pytest.raises(ValidationError) as exc:
        services.create_contract(
            actor=rep, account=account, data=contract_data(number="X2"), document_ids=[theirs.pk]
        )
    assert _rule(exc) == ("documents", "same_company")


def test_delete_contract_needs_delete_right(rep, head, account):
    contract = services.create_contract(actor=rep, account=account, data=contract_data())
    with pytest.raises(PermissionDenied):
        services.delete_contract(actor=rep, contract=contract)
    services.delete_contract(actor=head, contract=contract)
    assert not Contract.objects.exists()
    assert not TimelineEvent.objects.filter(source="sales.contract").exists()


def test_out_of_scope_account_is_not_found(org, account):
    outsider = factories.make_user(org.b_sales, "subsidiary_admin", username="outsider")
    with pytest.raises(ObjectDoesNotExist):
        services.create_contract(actor=outsider, account=account, data=contract_data())


# --- orders -----------------------------------------------------------------------------------
def test_order_amount_from_lines(rep, account):
    order = services.create_order(
        actor=rep,
        account=account,
        data={"number": "SO-9", "ordered_on": dt.date(2026, 3, 1)},
        lines=[
            {"product": "服务器", "quantity": "2", "unit_price": "15000.00"},
            {"product": "交换机", "quantity": "0.5", "unit_price": "333.33"},
        ],
    )
    assert order.amount == Decimal("30166.67")  # 166.665 rounds half up to 166.67
    assert order.lines.count() == 2
    event = TimelineEvent.objects.get(source="sales.order", source_id=order.pk)
    assert event.title == "订单 SO-9 ¥30,166.67"
    assert event.detail == {"number": "SO-9", "amount": "30166.67", "currency": "CNY", "lines": 2}


def test_order_lines_must_sum_to_amount(rep, account):
    with pytest.raises(ValidationError) as exc:
        services.create_order(
            actor=rep,
            account=account,
            data={"number": "SO-9", "ordered_on": dt.date(2026, 3, 1), "amount": "100"},
            lines=[{"product": "A", "quantity": "1", "unit_price": "99"}],
        )
    assert _rule(exc) == ("amount", "lines_sum")
    with pytest.raises(ValidationError) as exc:
        services.create_order(
            actor=rep,
            account=account,
            data={"number": "SO-9", "ordered_on": dt.date(2026, 3, 1)},
            lines=[{"product": "A", "quantity": "1", "unit_price": "9.999"}],
        )
    assert _rule(exc) == ("lines.0.unit_price", "decimal_places")
    assert not Order.objects.exists()


def test_order_number_unique_per_account(rep, account):
    make_order(rep, account, "SO-1")
    with pytest.raises(ValidationError) as exc:
        make_order(rep, account, "SO-1")
    assert _rule(exc) == ("number", "unique")
    make_order(rep, factories.make_customer(rep), "SO-1")  # another account may reuse it


def test_service_agent_cannot_create(org, rep, account):
    from xinren.customers.models import ServiceAssignment

    agent = factories.make_user(org.a_service, "service_agent", username="agent")
    ServiceAssignment.objects.create(account=account, user=agent)
    with pytest.raises(PermissionDenied):
        make_order(agent, account)


# --- milestones and receipts ------------------------------------------------------------------
def test_partial_payments_and_paid_on(rep, head, account):
    order = make_order(rep, account, amount="1000.00")
    m = make_milestone(
        rep, account, dt.date(2026, 4, 1), "1000.00", order=order, description="货款"
    )
    assert m.contract is None and m.order == order
    event = TimelineEvent.objects.get(source="sales.paymentmilestone", source_id=m.pk)
    assert event.title == "收款节点 货款 ¥1,000.00，2026-04-01 到期"
    assert event.detail == {"due_on": "2026-04-01", "amount": "1000.00", "currency": "CNY"}
    r1 = pay(rep, m, dt.date(2026, 3, 20), "400.00", "BK1")
    m.refresh_from_db()
    assert (m.paid_amount, m.paid_on) == (Decimal("400.00"), None)
    r2 = pay(rep, m, dt.date(2026, 4, 5), "600.00", "BK2")
    m.refresh_from_db()
    assert (m.paid_amount, m.paid_on) == (Decimal("1000.00"), dt.date(2026, 4, 5))
    event = TimelineEvent.objects.get(source="sales.receipt", source_id=r2.pk)
    assert event.title == "到账 ¥600.00（货款）"
    assert event.detail == {
        "amount": "600.00",
        "currency": "CNY",
        "reference": "BK2",
        "days_late": 4,
    }
    services.reverse_receipt(actor=head, receipt=r2)
    m.refresh_from_db()
    assert (m.paid_amount, m.paid_on) == (Decimal("400.00"), None)
    assert not TimelineEvent.objects.filter(source="sales.receipt", source_id=r2.pk).exists()
    services.reverse_receipt(actor=head, receipt=r1)
    m.refresh_from_db()
    assert (m.paid_amount, m.paid_on) == (Decimal("0.00"), None)


def test_backdated_receipt_paid_on_is_latest(rep, account):
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "100.00")
    pay(rep, m, dt.date(2026, 4, 10), "50.00")
    pay(rep, m, dt.date(2026, 3, 1), "50.00")  # entered later, dated earlier
    m.refresh_from_db()
    assert m.paid_on == dt.date(2026, 4, 10)


def test_overpayment_refused(rep, account):
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "100.00")
    pay(rep, m, dt.date(2026, 3, 1), "60.00")
    with pytest.raises(ValidationError) as exc:
        pay(rep, m, dt.date(2026, 3, 2), "40.01")
    assert _rule(exc) == ("amount", "overpayment")
    pay(rep, m, dt.date(2026, 3, 2), "40.00")
    with pytest.raises(ValidationError) as exc:
        pay(rep, m, dt.date(2026, 3, 3), "1.00")
    assert _rule(exc) == ("milestone_id", "already_paid")
    assert Receipt.objects.count() == 2


@pytest.mark.parametrize(
    "data,field,rule",
    [
        ({"received_on": dt.date(2026, 3, 1), "amount": "0"}, "amount", "positive"),
        ({"received_on": dt.date(2026, 3, 1), "amount": "-1"}, "amount", "not_negative"),
        ({"received_on": dt.date(2026, 3, 1), "amount": "1.234"}, "amount", "decimal_places"),
        ({"received_on": dt.date(2026, 3, 1), "amount": 0.1}, "amount", "type"),
        ({"received_on": dt.date(2026, 3, 1), "amount": "abc"}, "amount", "type"),
        ({"received_on": dt.date(2026, 3, 1), "amount": "5", "currency": "USD"}, "currency",
         "currency_mismatch"),
        ({"received_on": dt.date(2999, 1, 1), "amount": "5"}, "received_on", "date_range"),
        ({"amount": "5"}, "received_on", "required"),
    ],
)  # fmt: skip
def test_receipt_rules(rep, account, data, field, rule):
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "100.00")
    with pytest.raises(ValidationError) as exc:
        services.record_receipt(actor=rep, account=account, milestone_id=m.pk, data=data)
    assert _rule(exc) == (field, rule)
    m.refresh_from_db()
    assert m.paid_amount == 0 and not Receipt.objects.exists()


def test_receipt_future_date_refused(rep, account):
    from django.utils import timezone

    m = make_milestone(rep, account, dt.date(2026, 4, 1), "100.00")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        pay(rep, m, tomorrow, "1.00")
    assert _rule(exc) == ("received_on", "future")


def test_receipt_reference_unique_per_account(rep, account):
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "100.00")
    pay(rep, m, dt.date(2026, 3, 1), "10.00", "BK-1")
    with pytest.raises(ValidationError) as exc:
        pay(rep, m, dt.date(2026, 3, 1), "10.00", "BK-1")
    assert _rule(exc) == ("reference", "unique")


def test_receipt_milestone_of_other_account(rep, account):
    other = factories.make_customer(rep)
    m = make_milestone(rep, other, dt.date(2026, 4, 1), "100.00")
    with pytest.raises(ValidationError) as exc:
        services.record_receipt(
            actor=rep,
            account=account,
            milestone_id=m.pk,
            data={"received_on": dt.date(2026, 3, 1), "amount": "1"},
        )
    assert _rule(exc) == ("milestone_id", "same_account")


def test_milestones_cannot_exceed_order(rep, account):
    order = make_order(rep, account, amount="1000.00")
    make_milestone(rep, account, dt.date(2026, 4, 1), "300.00", order=order)
    with pytest.raises(ValidationError) as exc:
        make_milestone(rep, account, dt.date(2026, 5, 1), "700.01", order=order)
    assert _rule(exc) == ("amount", "exceeds_order")
    assert PaymentMilestone.objects.count() == 1


def test_delete_order_with_receipts_refused(rep, head, account):
    order = make_order(rep, account, amount="1000.00")
    m = make_milestone(rep, account, dt.date(2026, 4, 1), "1000.00", order=order)
    r = pay(rep, m, dt.date(2026, 3, 1), "10.00")
    with pytest.raises(ValidationError):
        services.delete_order(actor=head, order=order)
    services.reverse_receipt(actor=head, receipt=r)
    services.delete_order(actor=head, order=order)
    assert not PaymentMilestone.objects.exists() and not Order.objects.exists()
    assert not TimelineEvent.objects.filter(kind__in=["order", "payment"]).exists()


def test_unique_number_race_is_a_field_error(rep, account, monkeypatch):
    """The check before the insert passes (another request took the number meanwhile): the
    constraint's IntegrityError becomes the same field error."""
    services.create_contract(actor=rep, account=account, data=contract_data())
    real_filter = Contract.objects.filter

    def blind_filter(*args, **kwargs):
        if "number" in kwargs:
            return real_filter(pk__in=[])
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Contract.objects, "filter", blind_filter)
    with pytest.raises(ValidationError) as exc:
        services.create_contract(actor=rep, account=account, data=contract_data())
    assert _rule(exc) == ("number", "unique")
