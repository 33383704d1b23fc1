"""Search picks a plan by how common a term is (a short id list, or a per-row index test);
both plans must answer exactly the same, within scope."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from xinren.customers import search
from xinren.customers.models import Company, Contact, CustomerAccount
from xinren.customers.selectors import search_companies
from xinren.orgs.models import User


@pytest.mark.django_db
def test_common_term_plan_gives_the_same_answers(monkeypatch):
    call_command("demo", companies=60, stdout=StringIO())
    company = Company.objects.order_by("id")[30]
    contact = Contact.objects.filter(company=company).first()
    account = CustomerAccount.objects.filter(company=company).first()
    queries = [
        "有限",
        "公司",
        company.name[2:4],
        company.name[:5],
        "zzzz",
        "华为",
        "".join(s[0] for s in search.pinyin_syllables(company.name))[:4],
        contact.name,
        company.uscc[:8],
        account.archive_no,
        account.archive_no[:9],
        contact.phone_digits[:5],
        "1",
    ]
    users = [User.objects.get(username=u) for u in ("hq.admin", "east.s1.head", "south.s1.rep")]

    def answers():
        return [
            [list(search_companies(u, q).values_list("pk", flat=True)) for q in queries]
            for u in users
        ]

    short_lists = answers()
    monkeypatch.setattr(search, "CANDIDATE_CAP", 0)  # every kind of match is "common"
    assert answers() == short_lists
    assert any(any(ids) for per_user in short_lists for ids in per_user)
    # and inside a subquery (the expression follows the table alias)
    admin = users[0]
    inner = search_companies(admin, company.name[2:4]).values("pk")
    assert Company.objects.filter(pk__in=inner).filter(pk=company.pk).exists()
