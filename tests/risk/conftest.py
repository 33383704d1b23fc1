"""Risk fixtures: a sales rep's account, a risk officer of the same subsidiary, and builders for
the records each factor reads (documents, milestones, list hits)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from xinren.customers.models import Document
from xinren.kyc.models import ListEntry, ListHit, WatchList
from xinren.sales import services as sales

ALL_DOCS = ("business_licence", "industry_qualification", "legal_rep_id", "premises_proof")


@pytest.fixture
def rep(org):
    return factories.make_user(org.a_sales, "sales_rep", username="rep")


@pytest.fixture
def officer(org):
    return factories.make_user(org.sub_a, "risk_officer", username="officer")


@pytest.fixture
def account(rep):
    return factories.make_customer(rep, name="杭州云启信息科技有限公司")


def today() -> dt.date:
    return timezone.localdate()


def add_document(account, doc_type, expires_on=None, on_account=False):
    return Document.objects.create(
        company=account.company,
        account=account if on_account else None,
        doc_type=doc_type,
        file=f"documents/x/{doc_type}",
        original_name=f"{doc_type}.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        expires_on=expires_on,
    )


def all_documents(account):
    for doc_type in ALL_DOCS:
        add_document(account, doc_type, today() + dt.timedelta(days=365))


def milestones(actor, account, n_late, n_on_time, days_ago=30, amount="1000.00"):
    """``n_late`` milestones due ``days_ago`` days ago still unpaid, ``n_on_time`` paid on their
    due date."""
    due = today() - dt.timedelta(days=days_ago)
    for i in range(n_late + n_on_time):
        m = sales.create_milestone(
            actor=actor, account=account, data={"due_on": due, "amount": amount}
        )
        if i >= n_late:
            sales.record_receipt(
                actor=actor,
                account=account,
                milestone_id=m.pk,
                data={"received_on": due, "amount": amount, "reference": f"R{i}"},
            )


def list_hit(account, status="new", list_name="失信被执行人名单"):
    watch, _ = WatchList.objects.get_or_create(name=list_name, defaults={"kind": "dishonest"})
    entry = ListEntry.objects.create(
        watch_list=watch, uscc=account.company.uscc, name=account.company.name, name_key="k"
    )
    now = timezone.now()
    return ListHit.objects.create(
        company=account.company,
        entry=entry,
        matched_by="uscc",
        first_seen=now,
        last_seen=now,
        status=status,
    )
