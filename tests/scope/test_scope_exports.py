"""Data scope of every exported list as a generated matrix: every built-in role × every list
(customers, contacts, contracts, orders, milestones, receipts, interactions, risk, applications) × both
formats (CSV, xlsx),
with a record of each kind on the customer in each position around the user.

The expected rows are computed from the role's scope and export right (world.BUILTIN), never
listed: a role with the right gets exactly the rows of the positions its scope reaches, in
either format; a role without it is refused (PermissionDenied) before anything is written.
Rows are told apart by the 档案编号 column (contacts: by their name)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from xinren.activities.models import Interaction
from xinren.customers.models import Contact
from xinren.kyc.models import Application
from xinren.quality import exporting
from xinren.risk.models import RiskAssessment
from xinren.sales.models import Contract, Order, PaymentMilestone, Receipt

from .world import BUILTIN, REACH, build_world

LISTS = [
    "customers",
    "contacts",
    "contracts",
    "orders",
    "milestones",
    "receipts",
    "interactions",
    "risk",
    "applications",
]
FORMATS = ["csv", "xlsx"]


def _records(account, tag: str) -> None:
    Contract.objects.create(
        account=account, number=f"HT-{tag}", title="矩阵合同", signed_on=dt.date(2026, 1, 1),
        start_on=dt.date(2026, 1, 1), end_on=dt.date(2026, 12, 31), amount=Decimal("1000"),
    )  # fmt: skip
    order = Order.objects.create(
        account=account, number=f"SO-{tag}", ordered_on=dt.date(2026, 2, 1), amount=Decimal("500")
    )
    milestone = PaymentMilestone.objects.create(
        account=account, order=order, due_on=dt.date(2026, 3, 1), amount=Decimal("200")
    )
    Receipt.objects.create(
        account=account, milestone=milestone, received_on=dt.date(2026, 2, 20),
        amount=Decimal("50"), reference=f"BK-{tag}",
    )  # fmt: skip
    Contact.objects.create(company=account.company, name=f"联系人{tag}", work_phone="13812345678")
    now = timezone.now()
    Interaction.objects.create(
        account=account, company=account.company, kind="call", occurred_at=now, logged_at=now,
        subject=f"矩阵电话{tag}",
    )  # fmt: skip
    RiskAssessment.objects.create(account=account, score=60, level="high", computed_at=now)
    Application.objects.create(account=account, status="submitted")


def _read(fmt: str, path) -> list[dict[str, str]]:
    if fmt == "csv":
        text = path.read_bytes().decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text[1:])))
    else:
        sheet = openpyxl.load_workbook(path).active
        rows = [["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)]
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(BUILTIN))
def test_each_role_exports_exactly_the_rows_in_its_scope(role, tmp_path):
    world = build_world(role)
    for position, account in world.accounts.items():
        _records(account, position)
    scope, actions = BUILTIN[role]
    position_of = {a.archive_no: p for p, a in world.accounts.items()}
    checked = 0
    for name in LISTS:
        for fmt in FORMATS:
            if "export" not in actions:
                with pytest.raises(PermissionDenied):
                    exporting.prepare(world.user, name, fmt, {})
                continue
            prepared = exporting.prepare(world.user, name, fmt, {})
            path = tmp_path / f"{name}.{fmt}"
            written = exporting.write_file(prepared, path)
            rows = _read(fmt, path)
            if name == "contacts":
                seen = [r["姓名"].removeprefix("联系人") for r in rows]
            else:
                seen = [position_of[r["档案编号"]] for r in rows]
            assert sorted(seen) == sorted(REACH[scope]), (name, fmt)
            assert written == prepared.count == len(rows)
            checked += 1
    assert checked == (len(LISTS) * len(FORMATS) if "export" in actions else 0)
