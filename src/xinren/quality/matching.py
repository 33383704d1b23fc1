"""Batch duplicate detection engine — MINIMAL stand-in, written against the shared interface.

The real engine is built in parallel (branch ``wt-matching``) and replaces this file at merge.
This version exists so the batch job, the review queue and the CLI can be built and tested:
it blocks on exact keys only (same USCC, same normalised name, same pinyin, same phone, via
:mod:`.normalize`) and scores each pair in a block with ``rapidfuzz.fuzz.ratio`` on the
normalised names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations

from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from xinren.standards.phone import phone_digits

from .normalize import name_key, name_pinyin

DEFAULT_THRESHOLD = 70
MAX_BLOCK = 50  # a key shared by more records than this says nothing (a switchboard number)
SCORES = {"same_uscc": 100, "same_name": 90, "same_pinyin": 80, "same_phone": 75}


@dataclass(frozen=True)
class Record:
    id: int
    name: str
    uscc: str
    phone: str
    region_code: str
    legal_rep: str
    address: str


@dataclass(frozen=True)
class Reason:
    code: str
    score: int


@dataclass(frozen=True)
class Match:
    a: int
    b: int
    score: int
    reasons: tuple[Reason, ...]


def company_records(batch: int = 5000) -> Iterator[Record]:
    """Every company of the golden master, read in keyset batches of ``batch`` rows."""
    from xinren.customers.models import Company

    last = 0
    fields = ("id", "name", "uscc", "phone", "region_code", "legal_rep", "registered_address")
    while True:
        rows = list(Company.objects.filter(pk__gt=last).order_by("pk").values_list(*fields)[:batch])
        if not rows:
            return
        for pk, name, uscc, phone, region, rep, address in rows:
            yield Record(pk, name, uscc or "", phone or "", region or "", rep or "", address or "")
        last = rows[-1][0]


def _score(a: Record, b: Record, keys: dict[int, tuple[str, str, str]]) -> Match:
    reasons: list[Reason] = []
    ka, kb = keys[a.id], keys[b.id]
    if a.uscc and a.uscc == b.uscc:
        reasons.append(Reason("same_uscc", SCORES["same_uscc"]))
    if ka[0] and ka[0] == kb[0]:
        reasons.append(Reason("same_name", SCORES["same_name"]))
    elif ka[1] and ka[1] == kb[1]:
        reasons.append(Reason("same_pinyin", SCORES["same_pinyin"]))
    else:
        similarity = int(round(fuzz.ratio(ka[0], kb[0])))
        if similarity >= 60:
            reasons.append(Reason("similar_name", similarity * 60 // 100))
    if ka[2] and ka[2] == kb[2]:
        reasons.append(Reason("same_phone", SCORES["same_phone"]))
    if a.region_code and a.region_code[:4] == b.region_code[:4]:
        reasons.append(Reason("same_region", 0))
    if a.legal_rep and a.legal_rep == b.legal_rep:
        reasons.append(Reason("same_legal_rep", 0))
    scored = [r.score for r in reasons if r.score]
    if any(r.code == "same_uscc" for r in reasons):
        score = 100
    elif scored:
        score = min(99, max(scored) + 4 * (len(scored) - 1))
    else:
        score = 0
    return Match(a.id, b.id, score, tuple(sorted(reasons, key=lambda r: -r.score)))


def find_pairs(
    records: Iterable[Record],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    on_progress: Callable[[int, int], None] | None = None,
    stats: dict | None = None,
) -> Iterator[Match]:
    """Candidate pairs (``a < b``) scoring at least ``threshold``, each once. ``stats``, when
    given, gets ``compared``: the number of pairs scored (an optional extension the batch job
    reads when the engine offers it)."""
    by_id: dict[int, Record] = {}
    keys: dict[int, tuple[str, str, str]] = {}
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    for record in records:
        by_id[record.id] = record
        key = (name_key(record.name), name_pinyin(record.name), phone_digits(record.phone))
        keys[record.id] = key
        for kind, value in (("u", record.uscc), ("n", key[0]), ("p", key[1]), ("t", key[2])):
            if value:
                blocks[(kind, value)].append(record.id)
    total = len(blocks)
    seen: set[tuple[int, int]] = set()
    for done, ids in enumerate(blocks.values(), 1):
        if 1 < len(ids) <= MAX_BLOCK:
            for a, b in combinations(sorted(ids), 2):
                if (a, b) in seen:
                    continue
                seen.add((a, b))
                if stats is not None:
                    stats["compared"] = stats.get("compared", 0) + 1
                match = _score(by_id[a], by_id[b], keys)
                if match.score >= threshold:
                    yield match
        if on_progress is not None:
            on_progress(done, total)


def reason_label(code: str) -> str:
    labels = {
        "same_uscc": _("统一社会信用代码相同"),
        "same_name": _("规范化后的名称相同"),
        "same_pinyin": _("名称读音相同"),
        "same_phone": _("电话相同"),
        "similar_name": _("名称相似"),
        "same_region": _("地区相同"),
        "same_legal_rep": _("法定代表人相同"),
    }
    return labels.get(code, code)
