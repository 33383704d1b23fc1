"""Business-registry lookup (工商登记) behind one provider interface.

A provider answers ``lookup(uscc, name)`` with :class:`RegistryFacts` (what the registry
says about one enterprise) or None. The configured provider is named by the setting
``XINREN_REGISTRY_PROVIDER`` (a dotted path to a class taking no arguments; default
:class:`SnapshotProvider`), so a Qichacha or Tianyancha provider can be added later without
touching the checks.

**The table is the truth for everything else.** The certification checks, the pages and
risk scoring (which reads :class:`RegistryRecord` ``status`` and ``lawsuit_count`` in SQL)
read :class:`RegistryRecord`. The shipped :class:`SnapshotProvider` reads it (rows put there
by :mod:`xinren.kyc.registry_import`); a provider that fetches from a remote service must
store what it fetched with :func:`store_facts` (an upsert by USCC, under a
:class:`RegistrySnapshot` naming the service and date), so scoring and the checks see the
same facts the lookup returned.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from xinren.standards.names import name_key
from xinren.standards.uscc import normalize_uscc

from .models import RegistryRecord, RegistrySnapshot, RegistryStatus

DEFAULT_PROVIDER = "xinren.kyc.registry.SnapshotProvider"


@dataclass(frozen=True)
class RegistryFacts:
    """One enterprise as the registry describes it (the fields of :class:`RegistryRecord`),
    with the snapshot it came from."""

    uscc: str
    name: str
    legal_rep: str = ""
    status: str = RegistryStatus.ACTIVE
    registered_capital: Decimal | None = None
    established_on: dt.date | None = None
    address: str = ""
    shareholders: list = field(default_factory=list)  # [{"name", "share_percent"}]
    lawsuit_count: int = 0
    source: str = ""
    as_of: dt.date | None = None

    @property
    def name_key(self) -> str:
        return name_key(self.name)

    @property
    def is_active(self) -> bool:
        return self.status == RegistryStatus.ACTIVE

    @property
    def status_label(self) -> str:
        return str(RegistryStatus(self.status).label)

    def shareholders_text(self) -> str:
        return "、".join(
            f"{s['name']} {s['share_percent']}%" if s.get("share_percent") else s["name"]
            for s in self.shareholders
        )

    @classmethod
    def from_record(cls, record: RegistryRecord) -> RegistryFacts:
        return cls(
            uscc=record.uscc, name=record.name, legal_rep=record.legal_rep,
            status=record.status, registered_capital=record.registered_capital,
            established_on=record.established_on, address=record.address,
            shareholders=list(record.shareholders or []), lawsuit_count=record.lawsuit_count,
            source=record.snapshot.source, as_of=record.snapshot.as_of,
        )  # fmt: skip


@runtime_checkable
class RegistryProvider(Protocol):
    def lookup(self, uscc: str, name: str) -> RegistryFacts | None:
        """The enterprise with this USCC; without one (or when the USCC is unknown), the
        one enterprise whose normalised name equals ``name``'s; None when not found."""


def find_record(uscc: str, name: str) -> RegistryRecord | None:
    """The stored record by USCC exact, else by normalised name when exactly one record has
    it (two enterprises normalising alike are never guessed between)."""
    records = RegistryRecord.objects.select_related("snapshot")
    uscc = normalize_uscc(uscc or "")
    if uscc:
        record = records.filter(uscc=uscc).first()
        if record is not None:
            return record
    key = name_key(name) if (name or "").strip() else ""
    if key:
        found = list(records.filter(name_key=key)[:2])
        if len(found) == 1:
            return found[0]
    return None


class SnapshotProvider:
    """The shipped provider: the imported registry snapshots (:class:`RegistryRecord`)."""

    def lookup(self, uscc: str, name: str) -> RegistryFacts | None:
        record = find_record(uscc, name)
        return RegistryFacts.from_record(record) if record is not None else None


@cache
def _provider_class(path: str):
    return import_string(path)


def provider() -> RegistryProvider:
    """The configured provider (``settings.XINREN_REGISTRY_PROVIDER``)."""
    return _provider_class(getattr(settings, "XINREN_REGISTRY_PROVIDER", "") or DEFAULT_PROVIDER)()


def lookup(uscc: str, name: str) -> RegistryFacts | None:
    """Ask the configured provider (the certification checks do: a remote provider may fetch
    and store)."""
    return provider().lookup(uscc or "", name or "")


def stored(uscc: str, name: str) -> RegistryFacts | None:
    """What is stored, whichever provider stored it: for pages, which must not call (and pay
    for) a remote service on every view."""
    return SnapshotProvider().lookup(uscc or "", name or "")


def store_facts(facts: RegistryFacts, *, source: str, as_of: dt.date | None = None):
    """For remote providers: keep what a lookup fetched (upsert by USCC under a one-record
    snapshot naming the service), so checks and risk scoring read the same facts."""
    with transaction.atomic():
        snap = RegistrySnapshot.objects.create(
            source=source[:200], as_of=as_of or timezone.localdate(),
            imported_at=timezone.now(), record_count=1,
        )  # fmt: skip
        record, _created = RegistryRecord.objects.update_or_create(
            uscc=normalize_uscc(facts.uscc),
            defaults={
                "name": facts.name[:200], "name_key": facts.name_key,
                "legal_rep": facts.legal_rep[:100], "status": facts.status,
                "registered_capital": facts.registered_capital,
                "established_on": facts.established_on, "address": facts.address[:300],
                "shareholders": list(facts.shareholders), "lawsuit_count": facts.lawsuit_count,
                "snapshot": snap,
            },
        )  # fmt: skip
    return record


# --- comparing with the customer master --------------------------------------------------------
def _person(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split()).lower()


def _text(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text or "") if ch.isalnum())


@dataclass(frozen=True)
class Line:
    """One row of the side-by-side view: the customer's master data against the registry."""

    key: str
    label: str
    ours: str
    theirs: str
    differs: bool


def _money(value: Decimal | None) -> str:
    return f"{value:,.2f}" if value is not None else ""


def compare(company, facts: RegistryFacts) -> list[Line]:
    """The master's fields next to the registry's, each marked when they differ (names by
    normalised name, people and addresses ignoring spaces and punctuation; an empty master
    field is not a difference)."""
    ours_uscc = normalize_uscc(company.uscc or "")
    lines = [
        Line("name", _("企业名称"), company.name, facts.name,
             name_key(company.name) != facts.name_key),
        Line("uscc", _("统一社会信用代码"), ours_uscc, facts.uscc,
             bool(ours_uscc) and ours_uscc != facts.uscc),
        Line("legal_rep", _("法定代表人"), company.legal_rep, facts.legal_rep,
             bool(company.legal_rep) and _person(company.legal_rep) != _person(facts.legal_rep)),
        Line("status", _("登记状态"), "", facts.status_label, not facts.is_active),
        Line("registered_capital", _("注册资本（元）"), _money(company.registered_capital),
             _money(facts.registered_capital),
             company.registered_capital is not None and facts.registered_capital is not None
             and company.capital_currency == "CNY"
             and company.registered_capital != facts.registered_capital),
        Line("established_on", _("成立日期"), f"{company.founded_on or ''}",
             f"{facts.established_on or ''}",
             bool(company.founded_on and facts.established_on)
             and company.founded_on != facts.established_on),
        Line("address", _("住所"), company.registered_address, facts.address,
             bool(company.registered_address and facts.address)
             and _text(company.registered_address) != _text(facts.address)),
        Line("shareholders", _("股东"), "", facts.shareholders_text(), False),
        Line("lawsuit_count", _("涉诉案件数"), "", str(facts.lawsuit_count),
             facts.lawsuit_count > 0),
    ]  # fmt: skip
    return lines


def mismatches(company, facts: RegistryFacts) -> list[str]:
    """What fails the registry check: status not 存续, name (normalised), USCC, and legal
    representative when the master records one. One sentence each."""
    out = []
    if not facts.is_active:
        out.append(_("登记状态为“%(status)s”（非存续）") % {"status": facts.status_label})
    by_key = {line.key: line for line in compare(company, facts)}
    for key in ("name", "uscc", "legal_rep"):
        line = by_key[key]
        if line.differs:
            out.append(
                _("%(label)s不一致：档案“%(ours)s”，登记“%(theirs)s”")
                % {"label": line.label, "ours": line.ours, "theirs": line.theirs or "—"}
            )
    return out


def evidence(facts: RegistryFacts) -> str:
    """The registry's facts as one line of evidence, with the snapshot's source and date."""
    parts = [
        _("登记名称：%(v)s") % {"v": facts.name},
        _("统一社会信用代码：%(v)s") % {"v": facts.uscc},
        _("法定代表人：%(v)s") % {"v": facts.legal_rep or "—"},
        _("登记状态：%(v)s") % {"v": facts.status_label},
        _("注册资本：%(v)s") % {"v": f"{_money(facts.registered_capital)} 元"
                              if facts.registered_capital is not None else "—"},
        _("成立日期：%(v)s") % {"v": facts.established_on or "—"},
        _("股东：%(v)s") % {"v": facts.shareholders_text() or "—"},
        _("涉诉案件：%(v)s 件") % {"v": facts.lawsuit_count},
        _("数据来源：%(source)s（%(date)s）")
        % {"source": facts.source or "—", "date": facts.as_of or "—"},
    ]  # fmt: skip
    return "；".join(str(p) for p in parts)
