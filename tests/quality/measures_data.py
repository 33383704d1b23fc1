"""Customer files with a known number of filled, missing and invalid fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests import factories
from xinren.customers import services as customer_services
from xinren.customers.models import Company, Contact

# Every field of the built-in profile's required list, valid.
FULL = {
    "legal_rep": "张三",
    "founded_on": dt.date(2010, 5, 1),
    "registered_capital": Decimal("1000000"),
    "registered_address": "深圳市南山区科技园1号",
    "region_code": "440300",
    "industry_code": "C",
    "size_band": "<300",
    "main_business": "电子元件制造",
    "phone": "0755-12345678",
}
BUILTIN_REQUIRED = 12  # uscc + the nine above + contact + contact work phone


def full_customer(owner, name=None, **override):
    """A customer whose built-in required fields are all filled and valid (with one contact
    that has a work phone); returns the account."""
    account = factories.make_customer(owner, name=name, **(FULL | override))
    customer_services.create_contact(
        actor=owner,
        company=account.company,
        data={"name": "李四", "work_phone": "13812345678"},
    )
    return account


def bare_customer(owner, name=None):
    """Name and USCC only: 1 of the 12 built-in required fields."""
    return factories.make_customer(owner, name=name)


def corrupt(account, **values):
    """Legacy data the entry forms would refuse (as an old import left it)."""
    Company.objects.filter(pk=account.company_id).update(**values)


def corrupt_contacts(account, **values):
    Contact.objects.filter(company_id=account.company_id).update(**values)
