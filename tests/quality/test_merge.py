"""Merging two golden records and undoing it: every linked record moves and comes back."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from xinren.activities.models import Interaction
from xinren.audit.models import ChangeLog
from xinren.cadence.models import AccountTier, TierChange
from xinren.customers.models import Company, Contact, CustomerAccount, Document
from xinren.customers.selectors import search_companies
from xinren.notifications.models import Notification
from xinren.quality.merging import (
    account_links,
    company_links,
    merge_companies,
    move_counts,
    unmerge,
)
from xinren.quality.models import CompanyKey, DuplicatePair, MergedArchiveNo, PairStatus
from xinren.sales.models import Contract, Order, OrderLine, PaymentMilestone, Receipt
from xinren.timeline.models import TimelineEvent

from .merge_data import dump, make_pair_of_companies, pair, reachable

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def test_links_are_found_by_introspection():
    found = {(lk.label, lk.attname) for lk in company_links() + account_links()}
    for expected in [
        ("customers.customeraccount", "company_id"),
        ("customers.contact", "company_id"),
        ("customers.document", "company_id"),
        ("customers.document", "account_id"),
        ("customers.serviceassignment", "account_id"),
        ("activities.interaction", "company_id"),
        ("activities.interaction", "account_id"),
        ("sales.contract", "account_id"),
        ("sales.order", "account_id"),
        ("sales.paymentmilestone", "account_id"),
        ("sales.receipt", "account_id"),
        ("cadence.accounttier", "account_id"),
        ("cadence.tierchange", "account_id"),
        ("quality.companykey", "company_id"),
        ("timeline.timelineevent", "company_id"),
        ("timeline.timelineevent", "account_id"),
        ("audit.changelog", "company_id"),
        ("notifications.notification", "account_id"),
    ]:
        assert expected in found
    # The merge's own records and the pairs (handled by their own rule) are not moved blindly.
    assert not {label for label, _ in found} & {
        "quality.mergerecord",
        "quality.mergedarchiveno",
        "quality.duplicatepair",
    }


def test_merge_moves_every_linked_record_same_business_unit(org):
    steward, head, s_acc, o_acc, s, o = make_pair_of_companies(org, same_unit=True)
    survivor, other = s_acc.company, o_acc.company
    third = factories.make_customer(head, name="宁波云启科技有限公司").company
    third_pair = pair(other, third, status="different")
    between = pair(survivor, other, status="same")
    before = {
        label: reachable(survivor.pk).get(label, set()) | pks
        for label, pks in reachable(other.pk).items()
    }
    counts = dict(move_counts(other))
    for label in ("客户账户", "联系人", "互动记录", "合同", "订单", "收款节点", "到账记录"):
        assert counts[label] == 1, label
    assert counts["附件"] == 2  # one of the company, one of its account
    last_log = ChangeLog.objects.order_by("-pk").first().pk
    last_event = TimelineEvent.objects.order_by("-pk").first().pk
    record = merge_companies(actor=steward, survivor=survivor, other=other)

    assert not Company.objects.filter(pk=other.pk).exists()
    left = reachable(other.pk)
    # Only the merge's own entries stay with the other company's id (its history says where
    # it went); everything it had before moved.
    assert {pk for pk in left.pop("audit.changelog") if pk <= last_log} == set()
    assert {pk for pk in left.pop("timeline.timelineevent") if pk <= last_event} == set()
    assert not any(left.values())
    now = reachable(survivor.pk)
    # Gone on purpose: the emptied account (combined into the survivor's of the same unit),
    # the rows it could not pass on (its tier record: the survivor's account has one), the
    # other company's lookup keys (the survivor has its own) — all kept in the record.
    removed = {
        "customers.customeraccount": {o_acc.pk},
        "cadence.accounttier": {o_acc.pk},
        "quality.companykey": {other.pk},
    }
    for label, pks in before.items():
        assert pks - removed.get(label, set()) <= now.get(label, set()), label
    # One of each, followed by hand.
    assert Contact.objects.get(pk=o["contact"].pk).company_id == survivor.pk
    for doc in (o["company_doc"], o["account_doc"]):
        doc = Document.objects.get(pk=doc.pk)
        assert doc.company_id == survivor.pk
    assert Document.objects.get(pk=o["account_doc"].pk).account_id == s_acc.pk
    inter = Interaction.objects.get(pk=o["interaction"].pk)
    assert (inter.company_id, inter.account_id) == (survivor.pk, s_acc.pk)
    assert list(inter.contacts.values_list("pk", flat=True)) == [o["contact"].pk]
    for model, obj in [
        (Contract, o["contract"]),
        (Order, o["order"]),
        (PaymentMilestone, o["milestone"]),
        (Receipt, o["receipt"]),
    ]:
        assert model.objects.get(pk=obj.pk).account_id == s_acc.pk
    assert OrderLine.objects.filter(order_id=o["order"].pk).count() == 1
    assert Contract.objects.get(pk=o["contract"].pk).documents.get() == o["account_doc"]
    assert TierChange.objects.filter(account_id=s_acc.pk).count() == 2
    assert AccountTier.objects.filter(pk=s_acc.pk).exists()
    n = Notification.objects.get(pk=o["notification"].pk)
    assert (n.company_id, n.account_id) == (survivor.pk, s_acc.pk)
    assert not TimelineEvent.objects.filter(company_id=other.pk, pk__lte=last_event).exists()
    assert CompanyKey.objects.filter(pk=survivor.pk).exists()
    # Pairs: the decided one with a third company is now the survivor's; the pair between
    # the two was marked merged and went with the other company (kept in the record).
    third_pair.refresh_from_db()
    assert {third_pair.company_a_id, third_pair.company_b_id} == {survivor.pk, third.pk}
    assert third_pair.status == PairStatus.DIFFERENT
    assert not DuplicatePair.objects.filter(pk=between.pk).exists()
    assert record.pair_ids == [between.pk]
    # The combined account's archive number stays findable.
    found = MergedArchiveNo.objects.get(archive_no=o_acc.archive_no)
    assert (found.account_ref, found.into_account_ref) == (o_acc.pk, s_acc.pk)
    assert o_acc.archive_no in CustomerAccount.objects.get(pk=s_acc.pk).notes
    # Search and history: the survivor is found by the other's contact name.
    assert survivor in search_companies(steward, "联系人O1")
    assert ChangeLog.objects.filter(company_id=other.pk, action="delete").exists()
    assert ChangeLog.objects.filter(
        company_id=survivor.pk, entity="quality.mergerecord", action="create"
    ).exists()
    assert TimelineEvent.objects.filter(
        company_id=survivor.pk, source="quality.mergerecord"
    ).exists()


def test_account_of_another_unit_moves_whole(org):
    steward, _head, s_acc, o_acc, _s, o = make_pair_of_companies(org, same_unit=False)
    survivor, other = s_acc.company, o_acc.company
    merge_companies(actor=steward, survivor=survivor, other=other)
    moved = CustomerAccount.objects.get(pk=o_acc.pk)
    assert moved.company_id == survivor.pk and moved.archive_no == o_acc.archive_no
    assert Order.objects.get(pk=o["order"].pk).account_id == o_acc.pk
    assert AccountTier.objects.filter(pk=o_acc.pk).exists()
    assert survivor.accounts.count() == 2
    assert not MergedArchiveNo.objects.exists()


def _comparable(state, *, after_merge_ids):
    """A dump without what a merge and its undo legitimately add or bump."""
    out = {}
    for label, rows in state.items():
        if label in ("audit.changelog", "timeline.timelineevent"):
            rows = {pk: r for pk, r in rows.items() if pk < after_merge_ids.get(label, 10**12)}
        out[label] = {pk: dict(r) for pk, r in rows.items()}
    for r in out["customers.company"].values():
        r.pop("version"), r.pop("updated_at")
    for r in out["quality.duplicatepair"].values():
        r.pop("status"), r.pop("decided_by"), r.pop("decided_at")
    return out


@pytest.mark.parametrize("same_unit", [True, False])
def test_unmerge_restores_exact_state(org, same_unit):
    steward, head, s_acc, o_acc, _s, _o = make_pair_of_companies(org, same_unit=same_unit)
    survivor, other = s_acc.company, o_acc.company
    third = factories.make_customer(head, name="宁波云启科技有限公司").company
    pair(other, third, status="different")
    between = pair(survivor, other, status="open")
    before = dump()
    marks = {
        "audit.changelog": ChangeLog.objects.order_by("-pk").first().pk + 1,
        "timeline.timelineevent": TimelineEvent.objects.order_by("-pk").first().pk + 1,
    }
    record = merge_companies(
        actor=steward, survivor=survivor, other=other, choices={"phone": "other"}
    )
    assert Company.objects.get(pk=survivor.pk).phone == "0571-88886666"
    back = unmerge(actor=steward, record=record)
    assert back.pk == other.pk
    after = dump()
    assert _comparable(after, after_merge_ids=marks) == _comparable(before, after_merge_ids=marks)
    # The pair between the two comes back decided "same"; the record is marked undone.
    assert DuplicatePair.objects.get(pk=between.pk).status == PairStatus.SAME
    record.refresh_from_db()
    assert record.undone_at is not None and record.undone_by == steward
    # Search and lookup keys follow.
    assert other in search_companies(steward, "联系人O1")
    assert survivor not in search_companies(steward, "联系人O1")
    assert CompanyKey.objects.filter(pk=other.pk).exists()
    # Both histories say what happened.
    assert ChangeLog.objects.filter(
        company_id=other.pk, action="create", pk__gte=marks["audit.changelog"]
    ).exists()


def test_merge_unmerge_merge_again(org):
    steward, _head, s_acc, o_acc, _s, o = make_pair_of_companies(org, same_unit=True)
    survivor, other = s_acc.company, o_acc.company
    first = merge_companies(actor=steward, survivor=survivor, other=other)
    unmerge(actor=steward, record=first)
    other = Company.objects.get(pk=other.pk)
    second = merge_companies(actor=steward, survivor=survivor, other=other)
    assert second.pk != first.pk
    assert Contact.objects.get(pk=o["contact"].pk).company_id == survivor.pk
    assert Order.objects.get(pk=o["order"].pk).account_id == s_acc.pk
    with pytest.raises(ValidationError) as exc:
        unmerge(actor=steward, record=first)
    assert "merge" in exc.value.error_dict
    unmerge(actor=steward, record=second)
    assert Order.objects.get(pk=o["order"].pk).account_id == o_acc.pk


def test_survivor_takes_the_others_uscc(org):
    head = factories.make_user(org.a_sales, "department_head")
    s_acc = factories.make_customer(head, name="上海甲有限公司")
    o_acc = factories.make_customer(head, name="上海甲有限公司（旧）")
    survivor, other = s_acc.company, o_acc.company
    codes = survivor.uscc, other.uscc
    record = merge_companies(actor=head, survivor=survivor, other=other, choices={"uscc": "other"})
    assert Company.objects.get(pk=survivor.pk).uscc == codes[1]
    assert record.survivor_before["uscc"] == codes[0]
    unmerge(actor=head, record=record)
    assert Company.objects.get(pk=survivor.pk).uscc == codes[0]
    assert Company.objects.get(pk=other.pk).uscc == codes[1]


def test_unmerge_refused_when_survivor_edited_since(org):
    from xinren.customers.services import update_company

    head = factories.make_user(org.a_sales, "department_head")
    survivor = factories.make_customer(head, name="上海乙有限公司").company
    other = factories.make_customer(head, name="上海乙有限公司", phone="021-61234567").company
    record = merge_companies(
        actor=head, survivor=survivor, other=other, choices={"uscc": "survivor"}
    )
    assert record.survivor_after == {"phone": "021-61234567"}  # non-empty over empty
    survivor.refresh_from_db()
    update_company(
        actor=head,
        company=survivor,
        data={"phone": "021-69999999"},
        expected_version=survivor.version,
    )
    with pytest.raises(ValidationError) as exc:
        unmerge(actor=head, record=record)
    assert exc.value.error_dict["phone"][0].code == "changed_since_merge"
    assert not Company.objects.filter(pk=other.pk).exists()  # nothing changed


def test_conflicting_order_numbers_stop_the_merge(org):
    from tests.sales.conftest import make_order

    head = factories.make_user(org.a_sales, "department_head")
    s_acc = factories.make_customer(head, name="上海丙有限公司")
    o_acc = factories.make_customer(head, name="上海丙有限公司")
    make_order(head, s_acc, number="SO-9")
    make_order(head, o_acc, number="SO-9")
    with pytest.raises(ValidationError) as exc:
        merge_companies(actor=head, survivor=s_acc.company, other=o_acc.company)
    assert exc.value.error_dict["other_id"][0].code == "unique_conflict"
    assert Company.objects.filter(pk=o_acc.company_id).exists()
    assert CustomerAccount.objects.filter(pk=o_acc.pk).exists()


def test_merge_rights(org):
    rep = factories.make_user(org.a_sales, "sales_rep")
    head = factories.make_user(org.a_sales, "department_head")
    rep_b = factories.make_user(org.b_sales, "sales_rep")
    survivor = factories.make_customer(head).company
    other = factories.make_customer(head).company
    with pytest.raises(PermissionDenied):
        merge_companies(actor=rep, survivor=survivor, other=other)  # no MERGE right
    elsewhere = factories.make_customer(rep_b).company
    with pytest.raises(Company.DoesNotExist):
        merge_companies(actor=head, survivor=survivor, other=elsewhere)  # not in scope
    with pytest.raises(ValidationError) as exc:
        merge_companies(actor=head, survivor=survivor, other=survivor)
    assert exc.value.error_dict["other_id"][0].code == "same_company"
    # The other company also has an account in subsidiary B, out of the head's reach.
    from xinren.customers.services import open_account

    open_account(actor=rep_b, company=other, owner=rep_b)
    with pytest.raises(PermissionDenied) as denied:
        merge_companies(actor=head, survivor=survivor, other=other)
    assert org.sub_b.name in str(denied.value)
    assert Company.objects.filter(pk=other.pk).exists()


def test_unmerge_refused_when_the_others_uscc_was_reused(org):
    head = factories.make_user(org.a_sales, "department_head")
    survivor = factories.make_customer(head, name="上海丁有限公司").company
    other = factories.make_customer(head, name="上海丁贸易有限公司").company
    record = merge_companies(
        actor=head, survivor=survivor, other=other, choices={"uscc": "survivor"}
    )
    # The other's code was freed by the merge, and someone registered it again.
    factories.make_customer(head, name="上海丁贸易（新）有限公司", uscc=other.uscc)
    with pytest.raises(ValidationError) as exc:
        unmerge(actor=head, record=record)
    assert exc.value.error_dict["uscc"][0].code == "duplicate"
    assert not Company.objects.filter(pk=other.pk).exists()


def test_pairs_with_a_third_company_follow_and_come_back(org):
    head = factories.make_user(org.a_sales, "department_head")
    # Created in this order, the other's pair (other, third) becomes (third, survivor): both
    # columns change, and must change back together.
    other = factories.make_customer(head, name="广州戊有限公司").company
    third = factories.make_customer(head, name="广州戊科技有限公司").company
    survivor = factories.make_customer(head, name="广州戊有限公司").company
    flipped = pair(other, third, status="unsure")
    record = merge_companies(actor=steward_of(org), survivor=survivor, other=other)
    flipped.refresh_from_db()
    assert (flipped.company_a_id, flipped.company_b_id) == (third.pk, survivor.pk)
    unmerge(actor=steward_of(org), record=record)
    flipped.refresh_from_db()
    assert (flipped.company_a_id, flipped.company_b_id, flipped.status) == (
        other.pk,
        third.pk,
        "unsure",
    )


def steward_of(org):
    from xinren.orgs.models import User

    return User.objects.filter(username="steward").first() or factories.make_user(
        org.hq_office, "group_admin", username="steward"
    )
