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

from django.db import transaction
from django.utils import timezone
from pypinyin import Style, lazy_pinyin

from xinren.audit.models import ChangeLog
from xinren.audit.services import diff, snapshot
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
from xinren.standards import codes
from xinren.standards.uscc import generate_uscc

from . import names as N
from .org import DemoWorld

DEFAULT_SEED = 2026
BATCH_SIZE = 5000
_USCC_SPACE = 31**8  # organisation-code bodies (8 characters of the USCC alphabet)

STATUS_WEIGHTS = [
    (Lifecycle.LEAD, 24),
    (Lifecycle.NEEDS, 15),
    (Lifecycle.PROPOSAL, 12),
    (Lifecycle.DEAL, 10),
    (Lifecycle.FULFILMENT, 9),
    (Lifecycle.AFTER_SALES, 8),
    (Lifecycle.MAINTENANCE, 14),
    (Lifecycle.LOST, 8),
]
SIZE_WEIGHTS = [(SizeBand.SMALL, 70), (SizeBand.MEDIUM, 15), (SizeBand.LARGE, 15)]


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

    def company(self, k: int, rng: random.Random) -> tuple[Company, tuple[str, ...]]:
        name, name_en, place, word, syllables, uscc = self.identity(k)
        size = _weighted(rng, SIZE_WEIGHTS)
        capital_wan = {
            SizeBand.SMALL: rng.choice([50, 100, 200, 300, 500, 1000]),
            SizeBand.MEDIUM: rng.choice([1000, 2000, 3000, 5000]),
            SizeBand.LARGE: rng.choice([5000, 10000, 20000, 50000, 100000]),
        }[size]
        founded = dt.date(1992, 1, 1) + dt.timedelta(days=rng.randrange(365 * 33))
        if founded > self.today:
            founded = self.today
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
        legal_rep = _person(rng)[0]
        company = Company(
            name=name,
            name_en=name_en if rng.random() < 0.3 else "",
            uscc=uscc,
            legal_rep=legal_rep,
            founded_on=founded,
            registered_capital=Decimal(capital_wan * 10000).quantize(Decimal("0.01")),
            registered_address=f"{place.full}{rng.choice(N.ROADS)}{rng.randint(1, 999)}号",
            region_code=place.code,
            industry_code=rng.choice(word.divisions),
            size_band=size,
            main_business=word.name + N.MAIN_BUSINESS.get(word.section, "相关业务"),
            phone=phone,
            email=f"info@{domain}" if rng.random() < 0.6 else "",
            website=f"https://www.{domain}" if rng.random() < 0.4 else "",
            pain_points=rng.choice(N.PAIN_POINTS) if rng.random() < 0.3 else "",
            created_by=self.world.admin,
        )
        company.demo_domain = domain  # for the contacts' work e-mail
        return company, syllables

    def accounts(self, company: Company, rng: random.Random) -> list[CustomerAccount]:
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
                CustomerAccount(
                    company_id=company.pk,
                    business_unit_id=bu,
                    owner=owner,
                    owner_unit_id=owner.org_unit_id,
                    account_type="CHN" if rng.random() < 0.08 else "B2B",
                    status=_weighted(rng, STATUS_WEIGHTS),
                    source=rng.choice(N.SOURCES),
                    created_by=owner,
                )
            )
        return out

    def contacts(self, company: Company, rng: random.Random) -> list[Contact]:
        out = []
        domain = getattr(company, "demo_domain", "") or "example.cn"
        for i in range(rng.choice((1, 1, 2, 2, 3))):
            name, py = _person(rng)
            title, department, role = rng.choices(self.roles, weights=self.role_weights)[0]
            phone = _mobile(rng) if rng.random() < 0.8 else company.phone
            out.append(
                Contact(
                    company_id=company.pk,
                    name=name,
                    title=title,
                    department=department,
                    work_phone=phone,
                    phone_digits="".join(ch for ch in phone if ch.isdigit()),
                    work_email=f"{''.join(py[1:])}.{py[0]}@{domain}" if rng.random() < 0.7 else "",
                    decision_role=role,
                    is_primary=i == 0,
                    created_by=self.world.admin,
                )
            )
        return out

    # --- one batch ------------------------------------------------------------------------
    def write_batch(
        self, start: int, count: int, skip: Callable[[list[Company]], set] | None = None
    ) -> int:
        """Create companies number ``start … start+count-1`` with everything hanging off them,
        in one transaction. Returns how many companies were written."""
        rng = random.Random(f"{self.seed}:{start}")
        made = [self.company(k, rng) for k in range(start, start + count)]
        if skip is not None:
            taken = skip([c for c, _ in made])
            made = [(c, s) for c, s in made if c.uscc not in taken and c.name not in taken]
        if not made:
            return 0
        companies = [c for c, _ in made]
        admin = self.world.admin
        with transaction.atomic():
            Company.objects.bulk_create(companies, batch_size=1000)
            accounts = [a for c in companies for a in self.accounts(c, rng)]
            by_type: dict[str, list[CustomerAccount]] = {}
            for a in accounts:
                by_type.setdefault(a.account_type, []).append(a)
            for prefix, group in by_type.items():
                for a, no in zip(
                    group, allocate_archive_block(prefix, self.year, len(group)), strict=True
                ):
                    a.archive_no = no
            CustomerAccount.objects.bulk_create(accounts, batch_size=1000)
            assignments = []
            for a in accounts:
                agents = self.world.agents.get(a.business_unit_id)
                if agents and rng.random() < 0.35:
                    assignments.append(ServiceAssignment(account_id=a.pk, user=rng.choice(agents)))
                    colleagues = [
                        u for u in self.world.owners[a.business_unit_id] if u.pk != a.owner_id
                    ]
                    if colleagues and rng.random() < 0.25:
                        assignments.append(
                            ServiceAssignment(account_id=a.pk, user=rng.choice(colleagues))
                        )
            ServiceAssignment.objects.bulk_create(assignments, batch_size=1000)
            contacts = [p for c in companies for p in self.contacts(c, rng)]
            Contact.objects.bulk_create(contacts, batch_size=1000)
            actor_name = admin.full_name or admin.get_username()
            ChangeLog.objects.bulk_create(
                [
                    ChangeLog(
                        actor=admin,
                        actor_name=actor_name,
                        action=ChangeLog.Action.CREATE,
                        entity="customers.company",
                        object_id=c.pk,
                        object_repr=c.name[:255],
                        company_id=c.pk,
                        changes=diff({}, snapshot(c)),
                    )
                    for c in companies
                ],
                batch_size=1000,
            )
            people: dict[int, list[str]] = {}
            for p in contacts:
                people.setdefault(p.company_id, []).append(p.name)
            search.write_docs(
                [
                    search.build_doc(c.pk, c.name, c.name_en, people.get(c.pk, ()), syllables=s)
                    for c, s in made
                ]
            )
        return len(companies)


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


def _taken(companies: list[Company]) -> set[str]:
    usccs = [c.uscc for c in companies]
    names = [c.name for c in companies]
    taken = set(Company.objects.filter(uscc__in=usccs).values_list("uscc", flat=True))
    taken |= set(Company.objects.filter(name__in=names).values_list("name", flat=True))
    return taken
