"""Demo customers in bulk: companies, accounts, service teams, contacts, change history and
search index, written batch by batch (one transaction per batch, bounded memory).

Names are unique by construction, not by remembering them: company number ``k`` is mapped
through a fixed permutation onto the mixed-radix space
``trade name × place × industry word × legal form`` (and, separately, onto the 31⁸ organisation
codes inside the USCC), so a million companies need no set of names in memory and two runs
with the same seed produce the same data.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.db import connection, transaction
from django.utils import timezone
from pypinyin import Style, lazy_pinyin

from xinren.audit.models import ChangeLog
from xinren.audit.services import _plain
from xinren.customers import search
from xinren.customers.models import (
    Company,
    Contact,
    CustomerAccount,
    Lifecycle,
    ServiceAssignment,
    SizeBand,
)
from xinren.customers.services import allocate_archive_block
from xinren.quality.services import index_companies
from xinren.standards import codes
from xinren.standards.uscc import generate_uscc

from . import names as N
from .bulk import Table, reserve_ids
from .org import DemoWorld

DEFAULT_SEED = 2026
BATCH_SIZE = 5000
_USCC_SPACE = 31**8  # organisation-code bodies (8 characters of the USCC alphabet)

STATUS_WEIGHTS = [
    (Lifecycle.LEAD.value, 24),
    (Lifecycle.NEEDS.value, 15),
    (Lifecycle.PROPOSAL.value, 12),
    (Lifecycle.DEAL.value, 10),
    (Lifecycle.FULFILMENT.value, 9),
    (Lifecycle.AFTER_SALES.value, 8),
    (Lifecycle.MAINTENANCE.value, 14),
    (Lifecycle.LOST.value, 8),
]
SIZE_WEIGHTS = [(SizeBand.SMALL.value, 70), (SizeBand.MEDIUM.value, 15), (SizeBand.LARGE.value, 15)]
CAPITAL_WAN = {  # registered capital in units of 10,000 yuan, by size band
    SizeBand.SMALL.value: [50, 100, 200, 300, 500, 1000],
    SizeBand.MEDIUM.value: [1000, 2000, 3000, 5000],
    SizeBand.LARGE.value: [5000, 10000, 20000, 50000, 100000],
}
_EPOCH = dt.date(1992, 1, 1)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Place:
    code: str
    name: str  # 杭州
    name_en: str  # Hangzhou
    full: str  # 浙江省杭州市
    syllables: tuple[str, ...]


@dataclass(frozen=True)
class Word:
    name: str
    name_en: str
    section: str
    divisions: tuple[str, ...]
    syllables: tuple[str, ...]


@cache
def _py(text: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


def _strip_suffix(name: str) -> str:
    for suffix in ("市", "地区", "盟"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def places() -> list[Place]:
    """Municipalities and prefecture-level cities of the installed GB/T 2260 table (mainland
    provinces only), in code order."""
    table = codes.regions()
    out: list[Place] = []
    for c in table.values():
        if not (len(c.code) == 6 and c.code.isdigit()) or c.code[:2] in ("71", "81", "82"):
            continue
        if c.name in codes.GROUPING_NAMES:
            continue
        municipality = c.level == 1 and c.name.endswith("市")
        city = c.level == 2 and c.name.endswith(("市", "地区", "盟"))
        if not (municipality or city):
            continue
        province = table.get(c.parent)
        full = (province.name if province and city else "") + c.name
        short = _strip_suffix(c.name)
        en = c.name_en or "".join(_py(short)).title()
        out.append(Place(c.code, short, en, full, _py(short)))
    if not out:  # a table with provinces only: use them
        out = [
            Place(c.code, c.name, c.name_en, c.name, _py(c.name))
            for c in table.values()
            if c.level == 1 and c.code.isdigit() and c.code[:2] not in ("71", "81", "82")
        ]
    if not out:
        raise RuntimeError("demo: the GB/T 2260 region table has no usable entries")
    return out


def industry_words() -> list[Word]:
    table = codes.industries()
    by_section: dict[str, list[str]] = {}
    for c in table.values():
        if c.level == 2:
            by_section.setdefault(c.parent, []).append(c.code)
    out: list[Word] = []
    for name, name_en, section, preferred in N.INDUSTRY_WORDS:
        divisions = tuple(d for d in preferred if d in table) or tuple(by_section.get(section, ()))
        if divisions:
            out.append(Word(name, name_en, section, divisions, _py(name)))
    if not out:  # no divisions installed: names still need an industry word
        out.append(Word("实业", "Industrial", "", ("",), _py("实业")))
    return out


def trade_names() -> list[tuple[str, tuple[str, ...]]]:
    return [(a + b, _py(a + b)) for a in N.TRADE_FIRST for b in N.TRADE_SECOND if a != b]


class _Digits:
    """A stand-in for ``random.Random`` that makes :func:`generate_uscc` spell out a given
    number in its alphabet, so each company gets a distinct organisation code."""

    def __init__(self, value: int) -> None:
        self.value = value

    def choice(self, alphabet: str) -> str:
        self.value, digit = divmod(self.value, len(alphabet))
        return alphabet[digit]


def _coprime(rng: random.Random, modulus: int) -> int:
    while True:
        a = rng.randrange(modulus // 3, modulus)
        if math.gcd(a, modulus) == 1:
            return a


def _weighted(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _person(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    surname = rng.choice(N.COMPOUND_SURNAMES) if rng.random() < 0.02 else rng.choice(N.SURNAMES)
    given = "".join(rng.choice(N.GIVEN) for _ in range(1 if rng.random() < 0.35 else 2))
    return surname + given, _py(surname) + _py(given)


def _mobile(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}"


class Generator:
    """Deterministic demo customers for one world and seed."""

    def __init__(self, world: DemoWorld, seed: int = DEFAULT_SEED) -> None:
        self.world = world
        self.seed = seed
        self.places = places()
        self.words = industry_words()
        self.trades = trade_names()
        self.radix = (len(self.trades), len(self.places), len(self.words), len(N.LEGAL_FORMS))
        self.space = math.prod(self.radix)
        perm = random.Random(f"xinren-demo-{seed}")
        self.name_a, self.name_b = _coprime(perm, self.space), perm.randrange(self.space)
        self.code_a, self.code_b = _coprime(perm, _USCC_SPACE), perm.randrange(_USCC_SPACE)
        self.today = timezone.localdate()
        self.year = self.today.year
        self.bu_ids = [b for b, _ in world.business_units]
        self.bu_weights = [w for _, w in world.business_units]
        self.tables = _Tables()
        self.changes_field = ChangeLog._meta.get_field("changes")
        self.roles = [r[:3] for r in N.CONTACT_ROLES]
        self.role_weights = [r[3] for r in N.CONTACT_ROLES]

    # --- one company ----------------------------------------------------------------------
    def identity(self, k: int) -> tuple[str, str, Place, Word, tuple[str, ...], str]:
        """Name, English name, place, industry word, pinyin syllables and USCC of company
        number ``k`` (unique for every ``k`` below :attr:`space`)."""
        v = (self.name_a * k + self.name_b) % self.space
        v, t = divmod(v, self.radix[0])
        v, p = divmod(v, self.radix[1])
        f, w = divmod(v, self.radix[2])
        trade, trade_py = self.trades[t]
        place, word = self.places[p], self.words[w]
        form, form_en = N.LEGAL_FORMS[f]
        name = place.name + trade + word.name + form
        name_en = f"{place.name_en} {''.join(trade_py).title()} {word.name_en} {form_en}"
        syllables = place.syllables + trade_py + word.syllables + _py(form)
        body = (self.code_a * k + self.code_b) % _USCC_SPACE
        uscc = generate_uscc(_Digits(body), region=place.code)
        return name, name_en, place, word, syllables, uscc

    def company(self, k: int, rng: random.Random) -> DemoCompany:
        name, name_en, place, word, syllables, uscc = self.identity(k)
        size = _weighted(rng, SIZE_WEIGHTS)
        capital_wan = rng.choice(CAPITAL_WAN[size])
        founded = min(self.today, _EPOCH + dt.timedelta(days=rng.randrange(365 * 33)))
        area = N.AREA_CODES.get(place.code[:2], "0755")
        digits = 7 if len(area) == 4 and rng.random() < 0.3 else 8
        number = str(rng.randint(2, 8)) + f"{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"
        phone = (
            f"400-{rng.randrange(100, 1000)}-{rng.randrange(10000):04d}"
            if rng.random() < 0.1
            else f"{area}-{number}"
        )
        trade_py = "".join(syllables[len(place.syllables) : len(place.syllables) + 2])
        domain = f"{trade_py}{k % 1000:03d}.com.cn"
        name_en = name_en if rng.random() < 0.3 else ""
        values = (
            name,
            name_en,
            uscc,
            _person(rng)[0],  # legal representative
            founded,
            Decimal(capital_wan * 10000).quantize(_CENT),
            f"{place.full}{rng.choice(N.ROADS)}{rng.randint(1, 999)}号",
            place.code,
            rng.choice(word.divisions),
            size,
            word.name + N.MAIN_BUSINESS.get(word.section, "相关业务"),
            phone,
            f"info@{domain}" if rng.random() < 0.6 else "",
            f"https://www.{domain}" if rng.random() < 0.4 else "",
            rng.choice(N.PAIN_POINTS) if rng.random() < 0.3 else "",
            self.world.admin.pk,
        )
        return DemoCompany(values, syllables, domain)

    def accounts(self, company_id: int, rng: random.Random) -> list[list]:
        """Rows ``[company, business unit, owner, owner unit, type, archive no, status,
        source, created by]`` (archive number filled in later)."""
        count = 2 if len(self.bu_ids) > 1 and rng.random() < 0.4 else 1
        chosen: list[int] = []
        while len(chosen) < count:
            bu = rng.choices(self.bu_ids, weights=self.bu_weights)[0]
            if bu not in chosen:
                chosen.append(bu)
        out = []
        for bu in chosen:
            owner = rng.choice(self.world.owners[bu])
            out.append(
                [
                    company_id,
                    bu,
                    owner.pk,
                    owner.org_unit_id,
                    "CHN" if rng.random() < 0.08 else "B2B",
                    "",
                    _weighted(rng, STATUS_WEIGHTS),
                    rng.choice(N.SOURCES),
                    owner.pk,
                ]
            )
        return out

    def contacts(self, company_id: int, company: DemoCompany, rng: random.Random) -> list[tuple]:
        out = []
        for i in range(rng.choice((1, 1, 2, 2, 3))):
            name, py = _person(rng)
            title, department, role = rng.choices(self.roles, weights=self.role_weights)[0]
            phone = _mobile(rng) if rng.random() < 0.8 else company.values[COMPANY_PHONE]
            email = f"{''.join(py[1:])}.{py[0]}@{company.domain}" if rng.random() < 0.7 else ""
            out.append(
                (
                    company_id,
                    name,
                    title,
                    department,
                    phone,
                    phone.replace("-", ""),
                    email,
                    role,
                    i == 0,
                    self.world.admin.pk,
                )
            )
        return out

    # --- one batch ------------------------------------------------------------------------
    def write_batch(
        self, start: int, count: int, skip: Callable[[list[DemoCompany]], set] | None = None
    ) -> int:
        """Create companies number ``start … start+count-1`` with everything hanging off them,
        in one transaction. Returns how many companies were written."""
        rng = random.Random(f"{self.seed}:{start}")
        made = [self.company(k, rng) for k in range(start, start + count)]
        if skip is not None:
            taken = skip(made)
            made = [c for c in made if c.values[2] not in taken and c.values[0] not in taken]
        if not made:
            return 0
        t = self.tables
        admin = self.world.admin
        with transaction.atomic():
            ids = reserve_ids(Company, len(made))
            t.company.insert([(pk, *c.values) for pk, c in zip(ids, made, strict=True)])
            accounts = [a for pk, c in zip(ids, made, strict=True) for a in self.accounts(pk, rng)]
            account_ids = reserve_ids(CustomerAccount, len(accounts))
            by_type: dict[str, list[list]] = {}
            for a in accounts:
                by_type.setdefault(a[4], []).append(a)
            for prefix, group in by_type.items():
                numbers = allocate_archive_block(prefix, self.year, len(group))
                for a, no in zip(group, numbers, strict=True):
                    a[5] = no
            t.account.insert([(pk, *a) for pk, a in zip(account_ids, accounts, strict=True)])
            assignments = []
            for pk, a in zip(account_ids, accounts, strict=True):
                agents = self.world.agents.get(a[1])
                if agents and rng.random() < 0.35:
                    assignments.append((pk, rng.choice(agents).pk))
                    colleagues = [u.pk for u in self.world.owners[a[1]] if u.pk != a[2]]
                    if colleagues and rng.random() < 0.25:
                        assignments.append((pk, rng.choice(colleagues)))
            t.assignment.insert(assignments)
            contacts = [
                p for pk, c in zip(ids, made, strict=True) for p in self.contacts(pk, c, rng)
            ]
            t.contact.insert(contacts)
            actor_name = admin.full_name or admin.get_username()
            t.history.insert(
                [
                    (
                        admin.pk,
                        actor_name,
                        "create",
                        "customers.company",
                        pk,
                        c.values[0][:255],
                        pk,
                        self._changes(pk, c),
                    )
                    for pk, c in zip(ids, made, strict=True)
                ]
            )
            people: dict[int, list[str]] = {}
            for p in contacts:
                people.setdefault(p[0], []).append(p[1])
            search.write_docs(
                [
                    search.build_doc(
                        pk, c.values[0], c.values[1], people.get(pk, ()), syllables=c.syllables
                    )
                    for pk, c in zip(ids, made, strict=True)
                ]
            )
            index_companies(ids)  # duplicate-check keys (xinren.quality)
        return len(made)

    def _changes(self, pk: int, company: DemoCompany):
        """The creation entry, exactly as ``record_change(after=snapshot(company))`` writes it:
        every audited field that is not NULL, before ``None``."""
        after = dict(zip(COMPANY_COLUMNS, company.values, strict=True))
        after.update(_COMPANY_DEFAULTS, id=pk)
        changes = {
            key: {"before": None, "after": _plain(value)}
            for key, value in sorted(after.items())
            if value is not None
        }
        return self.changes_field.get_db_prep_save(changes, connection)


@dataclass(frozen=True)
class DemoCompany:
    values: tuple  # in COMPANY_COLUMNS order
    syllables: tuple[str, ...]
    domain: str


COMPANY_COLUMNS = [
    "name",
    "name_en",
    "uscc",
    "legal_rep",
    "founded_on",
    "registered_capital",
    "registered_address",
    "region_code",
    "industry_code",
    "size_band",
    "main_business",
    "phone",
    "email",
    "website",
    "pain_points",
    "created_by_id",
]
COMPANY_PHONE = COMPANY_COLUMNS.index("phone")
# Audited fields the demo leaves at their model default.
_COMPANY_DEFAULTS = {
    "entity_type": "enterprise",
    "legal_rep_id_number": "",
    "capital_currency": "CNY",
}
ACCOUNT_COLUMNS = [
    "company_id",
    "business_unit_id",
    "owner_id",
    "owner_unit_id",
    "account_type",
    "archive_no",
    "status",
    "source",
    "created_by_id",
]
CONTACT_COLUMNS = [
    "company_id",
    "name",
    "title",
    "department",
    "work_phone",
    "phone_digits",
    "work_email",
    "decision_role",
    "is_primary",
    "created_by_id",
]
HISTORY_COLUMNS = [
    "actor_id",
    "actor_name",
    "action",
    "entity",
    "object_id",
    "object_repr",
    "company_id",
    "changes",
]


class _Tables:
    def __init__(self) -> None:
        self.company = Table(Company, COMPANY_COLUMNS, with_id=True)
        self.account = Table(CustomerAccount, ACCOUNT_COLUMNS, with_id=True)
        self.assignment = Table(ServiceAssignment, ["account_id", "user_id"])
        self.contact = Table(Contact, CONTACT_COLUMNS)
        self.history = Table(ChangeLog, HISTORY_COLUMNS)


def generate(
    world: DemoWorld,
    count: int,
    *,
    seed: int = DEFAULT_SEED,
    offset: int = 0,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int, float], None] | None = None,
) -> int:
    """Write ``count`` demo companies numbered from ``offset``. When ``offset`` is not zero
    (companies existed before), candidates whose USCC or name is already taken are skipped
    and replaced by further numbers. Returns the number written."""
    gen = Generator(world, seed)
    skip = _taken if offset else None
    written, k, began = 0, offset, time.monotonic()
    while written < count:
        n = min(batch_size, count - written)
        if k + n > gen.space:
            raise RuntimeError(
                f"demo: the name space ({gen.space:,} combinations) is exhausted at {k:,}"
            )
        written += gen.write_batch(k, n, skip)
        k += n
        if progress:
            progress(written, count, time.monotonic() - began)
    return written


def _taken(companies: list[DemoCompany]) -> set[str]:
    usccs = [c.values[2] for c in companies]
    names = [c.values[0] for c in companies]
    taken = set(Company.objects.filter(uscc__in=usccs).values_list("uscc", flat=True))
    taken |= set(Company.objects.filter(name__in=names).values_list("name", flat=True))
    return taken
