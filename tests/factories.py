"""Test data built through the real services (so tests exercise the same rules users hit)."""

from __future__ import annotations

import itertools
import random
from types import SimpleNamespace

from xinren.customers import services as customer_services
from xinren.orgs import services as org_services
from xinren.orgs.models import OrgUnit, Role, User
from xinren.standards.uscc import generate_uscc

_seq = itertools.count(1)
_rng = random.Random(20261122)
PASSWORD = "Xinren-test-2026"


def build_org_tree() -> SimpleNamespace:
    """HQ ─ HQ office
    ├─ Subsidiary A ─ Sales ─ Sales East   (child department)
    │               └─ Service            (sibling department)
    └─ Subsidiary B ─ Sales
    """
    mk = org_services.create_org_unit
    hq = mk(actor=None, name="信任集团", code="HQ", kind=OrgUnit.Kind.GROUP)
    hq_office = mk(
        actor=None, name="集团客户部", code="HQ-KA", kind=OrgUnit.Kind.DEPARTMENT, parent=hq
    )
    sub_a = mk(actor=None, name="华东子公司", code="SA", kind=OrgUnit.Kind.SUBSIDIARY, parent=hq)
    a_sales = mk(
        actor=None, name="华东销售部", code="SA-S", kind=OrgUnit.Kind.DEPARTMENT, parent=sub_a
    )
    a_east = mk(
        actor=None, name="销售一组", code="SA-S1", kind=OrgUnit.Kind.DEPARTMENT, parent=a_sales
    )
    a_service = mk(
        actor=None, name="华东客服部", code="SA-C", kind=OrgUnit.Kind.DEPARTMENT, parent=sub_a
    )
    sub_b = mk(actor=None, name="华南子公司", code="SB", kind=OrgUnit.Kind.SUBSIDIARY, parent=hq)
    b_sales = mk(
        actor=None, name="华南销售部", code="SB-S", kind=OrgUnit.Kind.DEPARTMENT, parent=sub_b
    )
    return SimpleNamespace(
        hq=hq,
        hq_office=hq_office,
        sub_a=sub_a,
        a_sales=a_sales,
        a_east=a_east,
        a_service=a_service,
        sub_b=sub_b,
        b_sales=b_sales,
    )


def make_user(unit: OrgUnit, role_code: str, username: str | None = None, **extra) -> User:
    return org_services.create_user(
        actor=None,
        username=username or f"{role_code}{next(_seq)}",
        password=PASSWORD,
        org_unit=unit,
        role=Role.objects.get(code=role_code),
        full_name=extra.pop("full_name", ""),
        **extra,
    )


def make_superuser(username: str = "root") -> User:
    return org_services.create_user(
        actor=None,
        username=username,
        password=PASSWORD,
        org_unit=None,
        role=None,
        is_superuser=True,
    )


def valid_uscc() -> str:
    return generate_uscc(_rng)


def make_customer(owner: User, name: str | None = None, uscc: str | None = None, **company):
    """A company plus the owner's business unit's account with it; returns the account."""
    data = {
        "name": name or f"测试客户{next(_seq)}有限公司",
        "uscc": uscc or valid_uscc(),
        **company,
    }
    return customer_services.create_customer(actor=owner, company=data, owner=owner)
