"""``xinren demo``: a realistic demo group through the real rules, fast, deterministic."""

from __future__ import annotations

import copy
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from xinren.audit.models import ChangeLog
from xinren.customers import search
from xinren.customers.models import Company, Contact, CustomerAccount
from xinren.customers.selectors import search_companies, visible_companies
from xinren.customers.services import clean_company
from xinren.demo.generator import Generator
from xinren.demo.org import DEMO_PASSWORD, OWNER_ROLES, build_world
from xinren.orgs.access import BUILTIN_ROLES
from xinren.orgs.models import OrgUnit, User
from xinren.standards.phone import normalize_phone
from xinren.standards.uscc import is_valid_uscc

N = 50


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    return run_demo("--companies", str(N))


@pytest.mark.django_db
def test_org_tree_hq_three_subsidiaries_and_departments(demo):
    hq = OrgUnit.objects.get(kind=OrgUnit.Kind.GROUP)
    assert hq.name == "信任集团"
    subsidiaries = OrgUnit.objects.filter(kind=OrgUnit.Kind.SUBSIDIARY, parent=hq)
    assert subsidiaries.count() == 3
    for sub in subsidiaries:
        departments = {u.name for u in OrgUnit.objects.filter(parent=sub)}
        assert {"销售一部", "销售二部", "客户服务部", "风控部"} <= departments
        team = OrgUnit.objects.get(parent__parent=sub, name="大客户组")
        assert team.business_unit_id == sub.pk and team.depth == 3


@pytest.mark.django_db
def test_users_in_every_builtin_role_and_printed_with_passwords(demo):
    roles = Counter(User.objects.exclude(role=None).values_list("role__code", flat=True))
    assert {code for code, *_ in BUILTIN_ROLES} <= set(roles)
    assert 20 <= User.objects.count() <= 30
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(DEMO_PASSWORD)
    for user in User.objects.all():
        assert user.username in demo
        assert user.check_password(DEMO_PASSWORD)
    assert demo.count(DEMO_PASSWORD) >= User.objects.count()


@pytest.mark.django_db
def test_companies_pass_the_company_rules(demo):
    companies = list(Company.objects.all())
    assert len(companies) == N
    assert len({c.uscc for c in companies}) == N
    assert len({c.name for c in companies}) == N
    for company in companies:
        assert is_valid_uscc(company.uscc)
        assert company.uscc[2:8] == company.region_code
        stored = copy.copy(company)
        clean_company(company)  # raises on any broken rule
        assert (company.name, company.uscc, company.phone) == (
            stored.name,
            stored.uscc,
            stored.phone,
        )
        assert company.name.endswith(("有限公司", "有限责任公司", "股份有限公司"))
        assert company.region_code and company.industry_code and company.size_band
        assert company.registered_capital > 0 and company.legal_rep


@pytest.mark.django_db
def test_accounts_contacts_and_history(demo):
    numbers = list(CustomerAccount.objects.values_list("archive_no", flat=True))
    assert len(numbers) == len(set(numbers))
    for company in Company.objects.prefetch_related("accounts", "contacts"):
        accounts = list(company.accounts.all())
        assert 1 <= len(accounts) <= 2
        assert len({a.business_unit_id for a in accounts}) == len(accounts)
        for account in accounts:
            assert account.owner.role.code in OWNER_ROLES
            assert account.owner.org_unit.business_unit_id == account.business_unit_id
            assert account.owner_unit_id == account.owner.org_unit_id
        contacts = list(company.contacts.all())
        assert 1 <= len(contacts) <= 3
        assert sum(c.is_primary for c in contacts) == 1
        for contact in contacts:
            assert normalize_phone(contact.work_phone) == contact.work_phone
            assert contact.phone_digits == contact.work_phone.replace("-", "")
    assert len(set(CustomerAccount.objects.values_list("status", flat=True))) >= 4
    history = ChangeLog.objects.filter(entity="customers.company", action="create")
    assert history.count() == N
    entry = history.first()
    assert entry.actor.username == "admin"
    assert entry.changes["uscc"]["after"] == Company.objects.get(pk=entry.company_id).uscc


@pytest.mark.django_db
def test_search_finds_demo_companies_by_substring_pinyin_and_contact(demo):
    admin = User.objects.get(username="admin")
    company = Company.objects.order_by("id")[N // 2]
    for q in (company.name[2:4], company.name[1:5], company.name):
        assert company in search_companies(admin, q), q
    initials = "".join(s[0] for s in search.pinyin_syllables(company.name))
    assert company in search_companies(admin, initials[:4])
    contact = Contact.objects.filter(company=company).first()
    assert company in search_companies(admin, contact.name)
    # Within scope: the owner of an account finds it, a rep elsewhere does not.
    account = company.accounts.first()
    assert company in search_companies(account.owner, company.name[2:6])
    others = [
        u
        for u in User.objects.filter(role__code="sales_rep")
        if not visible_companies(u).filter(pk=company.pk).exists()
    ]
    assert others and company not in search_companies(others[0], company.name)


@pytest.mark.django_db
def test_if_empty_does_nothing_on_a_non_empty_database(demo):
    before = (Company.objects.count(), User.objects.count(), ChangeLog.objects.count())
    out = run_demo("--if-empty", "--companies", "10")
    assert "already has" in out
    assert (Company.objects.count(), User.objects.count(), ChangeLog.objects.count()) == before


@pytest.mark.django_db
def test_if_empty_loads_an_empty_database():
    run_demo("--if-empty", "--companies", "5")
    assert Company.objects.count() == 5


@pytest.mark.django_db
def test_second_run_adds_customers_and_reuses_users(demo):
    users = User.objects.count()
    out = run_demo("--companies", "20")
    assert Company.objects.count() == N + 20
    assert User.objects.count() == users
    assert "(unchanged)" in out
    assert Company.objects.values("uscc").distinct().count() == N + 20
    assert Company.objects.values("name").distinct().count() == N + 20
    numbers = CustomerAccount.objects.values_list("archive_no", flat=True)
    assert len(numbers) == len(set(numbers))


@pytest.mark.django_db
def test_same_seed_same_names_other_seed_other_names(org):
    world = build_world()
    a, b, c = Generator(world, 7), Generator(world, 7), Generator(world, 8)
    assert [a.identity(k) for k in range(20)] == [b.identity(k) for k in range(20)]
    assert [a.identity(k)[0] for k in range(20)] != [c.identity(k)[0] for k in range(20)]
    assert a.space > 1_000_000


@pytest.mark.django_db
def test_bad_arguments_are_refused(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--companies"):
        run_demo("--companies", "-1")
