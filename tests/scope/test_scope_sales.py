"""Data scope of contracts, orders, payment milestones and receipts as a generated matrix:
every built-in role × where the customer sits × {list, read, create, edit, delete, import by
archive number, import by USCC} × each kind of record.

The expected outcome is computed from the role's scope and actions (world.BUILTIN), never
listed; each cell runs the real selector, service or import. Milestones and receipts are not
edited (a receipt is reversed = delete), and contracts are not imported: those cells do not
exist. A USCC in an import resolves only to an account of the importer's own subsidiary, so
the USCC column additionally needs the account to sit in subsidiary A (the world user's)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import transaction

from xinren.sales import imports, selectors, services
from xinren.sales.models import Contract, Order, PaymentMilestone, Receipt

from .world import BUILTIN, POSITIONS, REACH, build_world

KINDS = ["contract", "order", "milestone", "receipt"]
ACTIONS = ["list", "read", "create", "edit", "delete", "import_archive", "import_uscc"]
NEEDS = {
    "list": "view",
    "read": "view",
    "create": "create",
    "edit": "edit",
    "delete": "delete",
    "import_archive": "create",
    "import_uscc": "create",
}
NOT_APPLICABLE = {
    ("milestone", "edit"),
    ("receipt", "edit"),
    ("contract", "import_archive"),
    ("contract", "import_uscc"),
}
OWN_SUBSIDIARY = {"own", "same_department", "child_department", "sibling_department"}


def expected(role: str, position: str, kind: str, action: str) -> bool:
    scope, actions = BUILTIN[role]
    ok = position in REACH[scope] and NEEDS[action] in actions
    if action == "import_uscc":
        ok = ok and position in OWN_SUBSIDIARY
    return ok


def _records(account, tag: str) -> dict:
    contract = Contract.objects.create(
        account=account, number=f"HT-{tag}", title="矩阵合同", signed_on=dt.date(2026, 1, 1),
        start_on=dt.date(2026, 1, 1), end_on=dt.date(2026, 12, 31), amount=Decimal("1000"),
        credit_days=30,
    )  # fmt: skip
    order = Order.objects.create(
        account=account, number=f"SO-{tag}", ordered_on=dt.date(2026, 2, 1), amount=Decimal("500")
    )
    milestone = PaymentMilestone.objects.create(
        account=account, order=order, due_on=dt.date(2026, 3, 1), amount=Decimal("200"),
        paid_amount=Decimal("50"),
    )  # fmt: skip
    bare_order = Order.objects.create(
        account=account, number=f"SO-{tag}-2", ordered_on=dt.date(2026, 2, 2), amount=Decimal("5")
    )
    spare = PaymentMilestone.objects.create(
        account=account, due_on=dt.date(2026, 4, 1), amount=Decimal("100")
    )
    receipt = Receipt.objects.create(
        account=account, milestone=milestone, received_on=dt.date(2026, 2, 20),
        amount=Decimal("50"), reference=f"BK-{tag}",
    )  # fmt: skip
    return {
        "contract": contract,
        "order": order,
        "milestone": milestone,
        "spare": spare,
        "bare_order": bare_order,
        "receipt": receipt,
    }


def _csv(rows) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode()


READ = {
    "contract": (selectors.visible_contracts, selectors.contract_for),
    "order": (selectors.visible_orders, selectors.order_for),
    "milestone": (selectors.visible_milestones, selectors.milestone_for),
    "receipt": (selectors.visible_receipts, selectors.receipt_for),
}


def attempt(kind: str, action: str, user, account, rec: dict) -> bool:
    obj = rec[kind]
    try:
        if action == "list":
            return READ[kind][0](user).filter(pk=obj.pk).exists()
        if action == "read":
            READ[kind][1](user, obj.pk)
            return True
        if action == "create":
            if kind == "contract":
                services.create_contract(
                    actor=user, account=account,
                    data={"number": "HT-NEW", "title": "新合同", "signed_on": "2026-01-01",
                          "start_on": "2026-01-01", "end_on": "2026-06-30", "amount": "10",
                          "credit_days": 30},
                )  # fmt: skip
            elif kind == "order":
                services.create_order(
                    actor=user, account=account,
                    data={"number": "SO-NEW", "ordered_on": "2026-02-01", "amount": "10"},
                )  # fmt: skip
            elif kind == "milestone":
                services.create_milestone(
                    actor=user, account=account, data={"due_on": "2026-05-01", "amount": "10"}
                )
            else:
                services.record_receipt(
                    actor=user, account=account, milestone_id=rec["spare"].pk,
                    data={"received_on": "2026-03-01", "amount": "10", "reference": "BK-NEW"},
                )  # fmt: skip
            return True
        if action == "edit":
            if kind == "contract":
                services.update_contract(
                    actor=user, contract=obj, data={"title": "改"}, expected_version=obj.version
                )
            else:
                services.update_order(
                    actor=user, order=obj, data={"notes": "改"}, expected_version=obj.version
                )
            return True
        if action == "delete":
            if kind == "contract":
                services.delete_contract(actor=user, contract=obj)
            elif kind == "order":
                services.delete_order(actor=user, order=rec["bare_order"])
            elif kind == "milestone":
                services.delete_milestone(actor=user, milestone=rec["spare"])
            else:
                services.reverse_receipt(actor=user, receipt=obj)
            return True
        if action.startswith("import_"):
            key = (
                ["档案号", account.archive_no]
                if action == "import_archive"
                else ["统一社会信用代码", account.company.uscc]
            )
            header, value = [key[0]], [key[1]]
            if kind == "order":
                rows = [header + ["订单号", "日期", "金额"], value + ["SO-IMP", "2026-02-02", "9"]]
            elif kind == "milestone":
                rows = [header + ["应收日期", "金额"], value + ["2026-06-01", "9"]]
            else:
                rows = [header + ["流水号", "日期", "金额"], value + ["BK-IMP", "2026-03-02", "9"]]
            result = imports.run_import(actor=user, kind=f"{kind}s", content=_csv(rows))
            if result.errors:
                assert not result.applied
                assert result.errors[0].rule in ("account_not_found", "forbidden"), result.errors
                return False
            return result.created == 1 and result.applied
    except (PermissionDenied, ObjectDoesNotExist):
        return False
    raise AssertionError(action)


PAIRS = list(itertools.product(sorted(BUILTIN), POSITIONS))


@pytest.mark.django_db
@pytest.mark.parametrize("role,position", PAIRS, ids=["-".join(p) for p in PAIRS])
def test_sales_scope(role, position):
    world = build_world(role)
    account = world.accounts[position]
    rec = _records(account, position)
    pks = {k: o.pk for k, o in rec.items()}
    counts = (Contract.objects.count(), Order.objects.count(), PaymentMilestone.objects.count(),
              Receipt.objects.count())  # fmt: skip
    wrong = []
    for kind, action in itertools.product(KINDS, ACTIONS):
        if (kind, action) in NOT_APPLICABLE:
            continue
        want = expected(role, position, kind, action)
        with transaction.atomic():
            got = attempt(kind, action, world.user, account, rec)
            if not want:  # a refused attempt wrote nothing
                now = (Contract.objects.count(), Order.objects.count(),
                       PaymentMilestone.objects.count(), Receipt.objects.count())  # fmt: skip
                if now != counts:
                    wrong.append((kind, action, "wrote although refused"))
            transaction.set_rollback(True)
        rec = {k: type(o).objects.get(pk=pks[k]) for k, o in rec.items()}  # delete() cleared pk
        if got is not want:
            wrong.append((kind, action, f"expected {want}, got {got}"))
    assert wrong == []
