"""Companies with one of each kind of linked record, built through the real services, and a
dump of every row that can refer to a customer (to compare states before and after)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.apps import apps
from django.core import serializers
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests import factories
from xinren.activities import services as activity_services
from xinren.cadence import services as cadence_services
from xinren.customers import services as customer_services
from xinren.notifications.models import Notification
from xinren.quality.models import DuplicatePair, MergedArchiveNo, MergeRecord
from xinren.sales import services as sales_services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
APPS = {"customers", "activities", "sales", "cadence", "notifications", "quality", "timeline"}
APPS |= {"audit"}


def pair(a, b, status="open", score=90) -> DuplicatePair:
    a, b = sorted((a, b), key=lambda c: c.pk)
    return DuplicatePair.objects.create(
        company_a=a,
        company_b=b,
        score=score,
        reasons=[{"code": "same_name", "score": 90}],
        status=status,
    )


def fill(actor, account, tag: str, *, licence: bool = False):
    """One of each record on ``account`` and its company; ``tag`` keeps numbers unique."""
    company = account.company
    contact = customer_services.create_contact(
        actor=actor,
        company=company,
        data={"name": f"联系人{tag}", "work_phone": "021-6123456" + tag[-1:]},
    )
    company_doc = customer_services.upload_document(
        actor=actor,
        company=company,
        file=SimpleUploadedFile(f"营业执照{tag}.pdf", PDF + tag.encode()),
        doc_type="business_licence" if licence else "other",
    )
    account_doc = customer_services.upload_document(
        actor=actor,
        company=company,
        account=account,
        file=SimpleUploadedFile(f"合同{tag}.pdf", PDF + b"c" + tag.encode()),
        doc_type="contract",
    )
    interaction = activity_services.log_interaction(
        actor=actor,
        account=account,
        kind="visit",
        occurred_at=timezone.now() - dt.timedelta(hours=3),
        subject=f"拜访{tag}",
        contacts=[contact],
    )
    contract = sales_services.create_contract(
        actor=actor,
        account=account,
        data={
            "number": f"HT-{tag}",
            "title": "年度供货合同",
            "signed_on": dt.date(2026, 1, 5),
            "start_on": dt.date(2026, 1, 10),
            "end_on": dt.date(2026, 12, 31),
            "amount": Decimal("120000.00"),
            "payment_terms": "credit",
            "credit_days": 30,
        },
        document_ids=[account_doc.pk],
    )
    order = sales_services.create_order(
        actor=actor,
        account=account,
        data={
            "number": f"SO-{tag}",
            "ordered_on": dt.date(2026, 3, 1),
            "amount": "1000.00",
            "contract_id": contract.pk,
        },
        lines=[{"product": "钢材", "quantity": "2", "unit_price": "500.00"}],
    )
    milestone = sales_services.create_milestone(
        actor=actor,
        account=account,
        data={"due_on": dt.date(2026, 4, 1), "amount": "1000.00", "order_id": order.pk},
    )
    receipt = sales_services.record_receipt(
        actor=actor,
        account=account,
        milestone_id=milestone.pk,
        data={"received_on": dt.date(2026, 4, 2), "amount": "400.00", "reference": f"BK-{tag}"},
    )
    cadence_services.set_tier(actor=actor, account=account, tier="A", reason=f"年采购额 {tag}")
    note = Notification.objects.create(
        recipient=actor,
        kind="visit_due",
        event_key=f"visit-due:{account.pk}:{tag}",
        company_id=company.pk,
        account_id=account.pk,
        title=f"拜访到期 {tag}",
    )
    return {
        "contact": contact,
        "company_doc": company_doc,
        "account_doc": account_doc,
        "interaction": interaction,
        "contract": contract,
        "order": order,
        "milestone": milestone,
        "receipt": receipt,
        "notification": note,
    }


def models_to_dump():
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_label in APPS and m not in (MergeRecord, MergedArchiveNo)
    ]


def dump() -> dict[str, dict]:
    """Every row of every model that can refer to a customer: ``{label: {pk: fields}}``."""
    out = {}
    for model in models_to_dump():
        rows = serializers.serialize("python", model._base_manager.order_by("pk"))
        out[model._meta.label_lower] = {r["pk"]: r["fields"] for r in rows}
    return out


def reachable(company_id: int) -> dict[str, set]:
    """The pks of every row that refers to the company or one of its accounts."""
    from xinren.customers.models import CustomerAccount
    from xinren.quality.merging import account_links, company_links

    account_ids = list(
        CustomerAccount.objects.filter(company_id=company_id).values_list("pk", flat=True)
    )
    found: dict[str, set] = {}
    for link in company_links():
        pks = link.model._base_manager.filter(**{link.attname: company_id}).values_list(
            "pk", flat=True
        )
        found.setdefault(link.label, set()).update(pks)
    for link in account_links():
        pks = link.model._base_manager.filter(**{f"{link.attname}__in": account_ids}).values_list(
            "pk", flat=True
        )
        found.setdefault(link.label, set()).update(pks)
    return found


def make_pair_of_companies(org, *, same_unit: bool = True):
    """Two records of one company: the survivor (owned in subsidiary A) and the other (owned
    in A too when ``same_unit``, else in B), each with one of everything."""
    head = factories.make_user(org.a_sales, "department_head", username="head")
    rep_b = factories.make_user(org.b_sales, "sales_rep", username="repb")
    steward = factories.make_user(org.hq_office, "group_admin", username="steward")
    survivor_account = factories.make_customer(head, name="杭州云启信息科技有限公司")
    other_owner = head if same_unit else rep_b
    other_account = factories.make_customer(
        other_owner, name="杭州云启信息科技（杭州）有限公司", phone="0571-88886666"
    )
    s = fill(head, survivor_account, "S1")
    o = fill(other_owner, other_account, "O1", licence=True)
    return steward, head, survivor_account, other_account, s, o
