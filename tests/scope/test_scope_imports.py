"""Scope of the customer import, generated: every built-in role × where the company a row
matches (by USCC, or by its name alone) sits. A row matching a company inside the importer's
scope updates it; one outside is reported as out of scope — without anything the importer
may not see — and writes nothing; a role without the create right imports nothing."""

from __future__ import annotations

import csv
import io
import itertools

import pytest
from django.core.exceptions import PermissionDenied

from xinren.audit.models import ChangeLog
from xinren.customers.models import Company, CustomerAccount
from xinren.quality import imports

from .world import BUILTIN, POSITIONS, REACH, build_world

ROLES = sorted(BUILTIN)


def _csv(rows) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode()


@pytest.mark.django_db
@pytest.mark.parametrize("by", ["uscc", "name"])
@pytest.mark.parametrize(("role", "position"), list(itertools.product(ROLES, POSITIONS)))
def test_import_scope(role, position, by):
    world = build_world(role)
    company = world.accounts[position].company
    company.phone, company.registered_address = "13812345678", "秘密路1号"
    company.save()
    key = company.uscc if by == "uscc" else company.name.replace("有限公司", "（上海）有限公司")
    header = ["统一社会信用代码" if by == "uscc" else "客户名称", "法定代表人"]
    content = _csv([header, [key, "新法人"]])
    before = list(Company.objects.order_by("pk").values())
    accounts, history = CustomerAccount.objects.count(), ChangeLog.objects.count()
    if "create" not in BUILTIN[role][1]:
        with pytest.raises(PermissionDenied):
            imports.run_import(actor=world.user, content=content)
        assert list(Company.objects.order_by("pk").values()) == before
        return
    result = imports.run_import(actor=world.user, content=content)
    company.refresh_from_db()
    if position in REACH[BUILTIN[role][0]]:
        assert result.errors == [] and result.updated == 1 and company.legal_rep == "新法人"
        assert ChangeLog.objects.count() > history
    else:
        [error] = result.errors
        assert error.rule == "out_of_scope" and error.row == 2
        for secret in ("13812345678", "秘密路1号", world.accounts[position].archive_no,
                       world.accounts[position].owner.username, str(company.pk)):  # fmt: skip
            assert secret not in error.message
        assert result.updated == 0 and not result.applied
        assert list(Company.objects.order_by("pk").values()) == before
        assert CustomerAccount.objects.count() == accounts
        assert ChangeLog.objects.count() == history
