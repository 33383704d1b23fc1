"""Batch duplicate detection over the whole golden master: blocking, then similarity scoring.

``find_pairs(records)`` yields each pair of records that are probably the same company, with a
score (0–100) and the reasons. It never compares all N² pairs:

**Blocking.** Every record puts a few keys into several key spaces; two records become a
candidate pair when they share a key in any space. The spaces are chosen so that one mistake
anywhere still leaves a shared key:

* the USCC, and its *deletion neighbourhood* (the code with one position removed, 18 keys):
  a code with one character replaced, or two neighbours exchanged, shares one with the right
  code (a USCC typed wrong — its check character then fails — and one left blank are the
  cases the entry check cannot see);
* the normalised core name (:func:`~xinren.standards.names.name_key`: legal forms, region
  prefixes, brackets already gone), its pinyin (homophones), and its characters sorted
  (characters exchanged anywhere);
* the core name's deletion neighbourhood, once plain and once qualified by the prefecture:
  a typo anywhere — even one that leaves only common character pairs, which the entry
  check's rare-pair search misses — keeps one shared key;
* the phone (company phone, or a contact's).

A key shared by more than ``BLOCK_CAP`` records says nothing (a switchboard number, 科技
minus one character) and is dropped; the prefecture-qualified keys keep such names findable.
Keys are 64-bit hashes in machine-integer arrays, grouped by sorting in numpy: about 1 KB per
record all told (1M records: 2.3 GiB peak, the records included), pair generation in C.

**Scoring** (vectorised over chunks of candidate pairs): ``rapidfuzz.process.cpdist`` gives
``fuzz.ratio`` of the core names and the OSA distance of the USCCs pair by pair; field
equalities are compared as hashes. The reasons and their scores are those of the duplicate
check on entry (:mod:`xinren.quality.selectors`, which uses :func:`combine`,
:func:`similar_name_score` and :func:`same_region` from here), plus what a whole record adds:
``similar_uscc`` (one character off), ``same_legal_rep``, ``similar_address``,
``same_region``, and one piece of counter-evidence, ``different_uscc`` (both have a code and
they are not one typo apart: two registrations, two legal entities), which takes
``CONFLICT_PENALTY`` off. A name that is only *similar* (or sounds the same) must be
corroborated by an identifier or by the legal representative or address: 上海华东电子 and
上海华南电子 are one character apart, exactly like a typo, and only the rest of the record
tells them apart.

**Why rapidfuzz, not splink / dedupe / recordlinkage.** The product needs an engine that runs
inside a Huey job on the application server, on SQLite and PostgreSQL alike, gives a
steward *reasons* in the language of the entry check, and needs no training data or labelled
pairs from the customer. splink (Fellegi–Sunter, EM-trained) needs DuckDB/Spark and a model
fitted per data set, whose match weights are hard to explain per pair; dedupe.io needs
active-learning labels; recordlinkage is pandas-bound (the whole master in data frames) and
compares pair by pair in Python. rapidfuzz is one small C++ wheel with no model, already a
dependency of the entry check, and its ``cpdist`` scores millions of pairs per second.
``bench/dedupe.py`` measures F1 and wall time side by side with splink on the same records.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from xinren.standards.names import BRANCH_MARKERS, key_pinyin, name_key, strip_region_prefix
from xinren.standards.phone import phone_digits

DEFAULT_THRESHOLD = 60
BLOCK_CAP = 40  # records sharing one key; a bigger block is dropped as uninformative
CHUNK = 200_000  # candidate pairs scored at a time
MIN_DELETION = 4  # core names this long or longer get deletion-neighbourhood keys

# Shared with the duplicate check on entry (selectors.py).
SCORES = {
    "same_uscc": 100,
    "similar_uscc": 85,
    "same_name": 90,
    "same_pinyin": 80,
    "same_phone": 75,
}
SIMILAR_WITH_REGION = 70  # fuzz.ratio needed with a shared region
SIMILAR_ALONE = 80  # … without one
SUPPORT = 4  # what each further reason adds to the best one
CONFLICT_PENALTY = 40
UNCORROBORATED_CAP = 50  # a similar name alone, or an identifier with an unrelated name
RELATED = 60  # names this alike (characters or pinyin) count with an identifier and a person
SAME_CHARS = 90  # the same characters in another order count as this similar
LINK_DEGREE = 4  # a record matched to more than this many others links none of them


def same_region(a: str, b: str) -> bool:
    """Same prefecture (or the same province when either code names only a province)."""
    if not a or not b:
        return False
    a, b = a.rstrip("0") or a, b.rstrip("0") or b
    n = max(2, min(len(a), len(b), 4))
    return a[:n] == b[:n]


def similar_name_score(similarity: float, region: bool) -> int:
    """Score of a similar name (``fuzz.ratio`` of the core names), 0 below the bar: 70 with a
    shared region (giving 74–85), 80 without (48–60)."""
    s = int(round(similarity))
    if region and s >= SIMILAR_WITH_REGION:
        return 50 + s * 35 // 100
    if s >= SIMILAR_ALONE:
        return s * 60 // 100
    return 0


def combine(scores: Iterable[int], *, exact: bool = False) -> int:
    """One score from the reasons' scores: the best one, plus ``SUPPORT`` for each further
    reason; 100 only for an exact identifier match."""
    scores = list(scores)
    if exact:
        return 100
    return min(max(scores) + SUPPORT * (len(scores) - 1), 99) if scores else 0


@dataclass(frozen=True)
class Record:
    id: int
    name: str
    uscc: str = ""
    phone: str = ""
    region_code: str = ""
    legal_rep: str = ""
    address: str = ""
    name_key: str = ""  # precomputed keys (quality_companykey), computed when blank
    pinyin: str = ""


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


# Every reason code the engine gives, with its label (lazy: translated when shown).
_REASON_LABELS = {
    "same_uscc": gettext_lazy("统一社会信用代码相同"),
    "similar_uscc": gettext_lazy("统一社会信用代码仅差一位（疑似录入错误）"),
    "same_name": gettext_lazy("规范化后的名称相同"),
    "same_pinyin": gettext_lazy("名称读音相同"),
    "same_phone": gettext_lazy("电话相同"),
    "similar_name": gettext_lazy("名称相似"),
    "similar_name_region": gettext_lazy("名称相似且地区相同"),
    "same_region": gettext_lazy("地区相同"),
    "same_legal_rep": gettext_lazy("法定代表人相同"),
    "similar_address": gettext_lazy("地址相同或相近"),
    "different_uscc": gettext_lazy("统一社会信用代码不同"),
    "linked": gettext_lazy("与同一条记录均判为重复"),
    "branch_and_head": gettext_lazy("一方为分支机构（另行登记，非同一主体）"),
}
REASON_CODES = tuple(_REASON_LABELS)


def reason_label(code: str) -> str:
    return str(_REASON_LABELS.get(code, code))


# --- preparation ------------------------------------------------------------------------------


def _h(text: str) -> int:
    """A 64-bit key for a non-empty string (0 stands for empty)."""
    return hash(text) or 1 if text else 0


class _Table:
    """The records as parallel columns: strings for the scorers, hashes for equality."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.key: list[str] = []
        self.pinyin: list[str] = []
        self.uscc: list[str] = []
        self.address: list[str] = []
        fields = ("key", "pinyin", "chars", "uscc", "phone", "region", "rep", "branch")
        self.hashes: dict[str, array] = {f: array("q") for f in fields}
        spaces = ("uscc", "uscc_del", "key", "pinyin", "chars", "phone", "key_del", "key_del_r")
        # Machine integers: some 20 keys per record would take ~70 bytes each as objects.
        self.blocks: dict[str, tuple[array, array]] = {k: (array("q"), array("q")) for k in spaces}

    def add(self, r: Record) -> None:
        i = len(self.ids)
        key = r.name_key or name_key(r.name)
        pinyin = r.pinyin or key_pinyin(key)
        uscc = (r.uscc or "").strip().upper()
        phone = phone_digits(r.phone)
        region = (r.region_code or "").rstrip("0")[:4]
        chars = "".join(sorted(key)) if len(key) >= 3 else ""
        self.ids.append(r.id)
        self.key.append(key)
        self.pinyin.append(pinyin)
        self.uscc.append(uscc)
        self.address.append(strip_region_prefix(r.address or ""))
        h = self.hashes
        h["key"].append(_h(key))
        h["pinyin"].append(_h(pinyin))
        h["chars"].append(_h(chars))
        h["uscc"].append(_h(uscc))
        h["phone"].append(_h(phone))
        h["region"].append(_h(region))
        h["rep"].append(_h((r.legal_rep or "").strip()))
        h["branch"].append(1 + key.endswith(BRANCH_MARKERS))

        def put(space: str, value: int) -> None:
            keys, rows = self.blocks[space]
            keys.append(value)
            rows.append(i)

        for space, value in (
            ("uscc", uscc),
            ("key", key),
            ("pinyin", pinyin),
            ("chars", chars),
            ("phone", phone if len(phone) >= 7 else ""),
        ):
            if value:
                put(space, hash(value))
        if len(uscc) == 18:
            for j in range(18):
                put("uscc_del", hash(uscc[:j] + uscc[j + 1 :]))
        if len(key) >= MIN_DELETION:
            for j in range(len(key)):
                rest = key[:j] + key[j + 1 :]
                put("key_del", hash(rest))
                if region:
                    put("key_del_r", hash((region, rest)))


def _block_pairs(keys: array, rows: array, n: int) -> np.ndarray:
    """Candidate pairs (packed ``lo * n + hi``) of records sharing a key of one space."""
    if not keys:
        return np.empty(0, np.int64)
    k = np.frombuffer(keys, np.int64)
    r = np.frombuffer(rows, np.int64)
    order = np.argsort(k, kind="stable")
    k, r = k[order], r[order]
    del order
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    sizes = np.diff(np.r_[starts, len(k)])
    out = []
    for size in np.unique(sizes):
        if size < 2 or size > BLOCK_CAP:
            continue
        members = r[starts[sizes == size][:, None] + np.arange(size)]
        iu, ju = np.triu_indices(int(size), 1)
        a, b = members[:, iu].ravel(), members[:, ju].ravel()
        keep = a != b
        a, b = a[keep], b[keep]
        out.append(np.minimum(a, b) * n + np.maximum(a, b))
    return np.unique(np.concatenate(out)) if out else np.empty(0, np.int64)


# --- scoring --------------------------------------------------------------------------------


def _score_chunk(t: _Table, cols: dict[str, np.ndarray], a: np.ndarray, b: np.ndarray):
    """Reason scores (one int16 column per reason, 0 = absent) and final scores."""

    def eq(field: str) -> np.ndarray:
        x, y = cols[field][a], cols[field][b]
        return (x == y) & (x != 0)

    def both(field: str) -> np.ndarray:
        return (cols[field][a] != 0) & (cols[field][b] != 0)

    m = len(a)
    al, bl = a.tolist(), b.tolist()
    ratio = process.cpdist(
        [t.key[i] for i in al], [t.key[i] for i in bl], scorer=fuzz.ratio, dtype=np.int32
    )
    region_same = eq("region")
    region_differs = both("region") & ~region_same
    same_name = eq("key")
    same_pinyin = eq("pinyin") & ~same_name
    s = np.where(eq("chars"), np.maximum(ratio, SAME_CHARS), ratio)
    similar = np.where(
        ~region_differs & (s >= SIMILAR_WITH_REGION),
        50 + s * 35 // 100,
        np.where(s >= SIMILAR_ALONE, s * 60 // 100, 0),
    )
    similar = np.where(same_name | same_pinyin, 0, similar)
    idx = np.flatnonzero(ratio < SIMILAR_WITH_REGION)
    sound = ratio.copy()
    if len(idx):  # two slips (a swap and a homophone) still read alike
        sound[idx] = process.cpdist(
            [t.pinyin[al[i]] for i in idx],
            [t.pinyin[bl[i]] for i in idx],
            scorer=fuzz.ratio,
            dtype=np.int32,
        )
    related = np.maximum(ratio, sound) >= RELATED

    same_uscc = eq("uscc")
    both_uscc = both("uscc") & ~same_uscc
    near = np.zeros(m, bool)
    idx = np.flatnonzero(both_uscc)
    if len(idx):
        dist = process.cpdist(
            [t.uscc[al[i]] for i in idx], [t.uscc[bl[i]] for i in idx], scorer=OSA.distance
        )
        near[idx] = dist <= 1
    different = both_uscc & ~near

    similar_address = np.zeros(m, bool)
    idx = np.flatnonzero([bool(t.address[x] and t.address[y]) for x, y in zip(al, bl, strict=True)])
    if len(idx):
        sim = process.cpdist(
            [t.address[al[i]] for i in idx],
            [t.address[bl[i]] for i in idx],
            scorer=fuzz.ratio,
            dtype=np.int32,
        )
        similar_address[idx] = sim >= 90

    reasons = {
        "same_uscc": np.where(same_uscc, SCORES["same_uscc"], 0),
        "similar_uscc": np.where(near, SCORES["similar_uscc"], 0),
        "same_name": np.where(same_name, SCORES["same_name"], 0),
        "same_pinyin": np.where(same_pinyin, SCORES["same_pinyin"], 0),
        "same_phone": np.where(eq("phone"), SCORES["same_phone"], 0),
        "similar_name": similar,
        "same_region": np.where(region_same, SUPPORT, 0),
        "same_legal_rep": np.where(eq("rep"), SUPPORT, 0),
        "similar_address": np.where(similar_address, SUPPORT, 0),
    }
    stack = np.stack(list(reasons.values()))
    count = (stack > 0).sum(axis=0)
    best = stack.max(axis=0)
    score = np.minimum(best + SUPPORT * (count - 1), 99)
    identifier = same_uscc | near | (reasons["same_phone"] > 0)
    support = identifier | (reasons["same_legal_rep"] > 0) | similar_address
    # Names are unique only within a registration area: the same name elsewhere is no proof.
    name_only = ((same_name & region_differs) | same_pinyin | (similar > 0)) & ~support
    # An identifier with an unrelated name: a shared switchboard, a reused number.
    related_ok = related & identifier & ((reasons["same_legal_rep"] > 0) | similar_address)
    no_name = ~(same_name | same_pinyin | (similar > 0) | related_ok)
    score = np.where(name_only | no_name, np.minimum(score, UNCORROBORATED_CAP), score)
    # A branch has its own registration: not the same legal entity as its head office.
    branch = cols["branch"][a] != cols["branch"][b]
    score = np.where(different | branch, np.maximum(score - CONFLICT_PENALTY, 0), score)
    score = np.where(same_uscc, 100, score)
    reasons["different_uscc"] = np.where(different, -CONFLICT_PENALTY, 0)
    reasons["branch_and_head"] = np.where(branch & ~different, -CONFLICT_PENALTY, 0)
    return reasons, score


def find_pairs(
    records: Iterable[Record],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    on_progress: Callable[[int, int], None] | None = None,
    stats: dict | None = None,
) -> Iterator[Match]:
    """Pairs of records that are probably one company, score ≥ ``threshold``, each once
    (``a < b`` by id), in no particular order. ``stats``, when given, receives
    ``compared``: how many candidate pairs blocking let through to scoring.

    ``on_progress(done, total)`` is called now and then: reading the records counts one step
    each, scoring the candidate pairs as many steps again (``total`` is twice the number of
    records; 0 while an unsized iterable is still being read)."""
    sized = len(records) if hasattr(records, "__len__") else 0  # type: ignore[arg-type]
    t = _Table()
    for r in records:
        t.add(r)
        if on_progress and len(t.ids) % 10_000 == 0:
            on_progress(len(t.ids), 2 * sized)
    n = len(t.ids)
    if on_progress:
        on_progress(n, 2 * n)
    if n < 2:
        return
    cols = {f: np.frombuffer(v, np.int64).copy() for f, v in t.hashes.items()}
    t.hashes.clear()
    pairs = np.empty(0, np.int64)
    for space in list(t.blocks):
        keys, rows = t.blocks.pop(space)
        pairs = np.union1d(pairs, _block_pairs(keys, rows, n))
        del keys, rows
    ids = np.asarray(t.ids, np.int64)
    total = len(pairs)
    if stats is not None:
        stats["compared"] = total
    edges: dict[int, dict[int, int]] = {}  # row → {row: score} of the pairs found
    for start in range(0, total, CHUNK):
        chunk = pairs[start : start + CHUNK]
        a, b = chunk // n, chunk % n
        reasons, score = _score_chunk(t, cols, a, b)
        hit = np.flatnonzero(score >= threshold)
        yield from _matches(
            ids, a[hit], b[hit], score[hit], {c: v[hit] for c, v in reasons.items()}
        )
        for x, y, v in zip(a[hit].tolist(), b[hit].tolist(), score[hit].tolist(), strict=True):
            edges.setdefault(x, {})[y] = v
            edges.setdefault(y, {})[x] = v
        if on_progress:
            on_progress(n + n * min(start + CHUNK, total) // total, 2 * n)
    del pairs
    yield from _linked(t, cols, ids, edges, threshold)


def _matches(ids, a, b, score, reasons, extra=None) -> Iterator[Match]:
    codes = list(reasons)
    table = np.stack([reasons[c] for c in codes]).T.tolist()
    ids = ids.tolist()
    for k, (x, y, v) in enumerate(zip(a.tolist(), b.tolist(), score.tolist(), strict=True)):
        x, y = ids[x], ids[y]
        found = [Reason(c, r) for c, r in zip(codes, table[k], strict=True) if r]
        if extra is not None:
            found.append(Reason("linked", int(extra[k])))
        yield Match(min(x, y), max(x, y), int(v), tuple(found))


def _linked(t: _Table, cols, ids, edges: dict[int, dict[int, int]], threshold: int):
    """Two records each found to be the same company as a third are one company too, unless
    they contradict each other (two USCCs, a branch and its head, two regions): copies with two different
    slips (a swap in one, a typo in the other) share no key of their own. Only records with
    few matches link (no chains through a crowded record)."""
    found: dict[tuple[int, int], int] = {}
    for near in edges.values():
        if len(near) > LINK_DEGREE:
            continue
        for x in near:
            for y in near:
                if x < y and y not in edges[x]:
                    v = min(near[x], near[y])
                    if v > found.get((x, y), -1):
                        found[(x, y)] = v
    if not found:
        return
    keys = np.array(sorted(found), np.int64).reshape(-1, 2)
    a, b = keys[:, 0], keys[:, 1]
    link = np.array([found[(x, y)] for x, y in keys.tolist()], np.int64)
    reasons, direct = _score_chunk(t, cols, a, b)
    clash = (reasons["different_uscc"] < 0) | (reasons["branch_and_head"] < 0)
    ra, rb = cols["region"][a], cols["region"][b]
    clash |= (ra != rb) & (ra != 0) & (rb != 0)  # not across two places either
    score = np.maximum(direct, link - SUPPORT)
    keep = ~clash & (score >= threshold)
    yield from _matches(
        ids, a[keep], b[keep], score[keep], {c: v[keep] for c, v in reasons.items()}, link[keep]
    )


# --- the master ------------------------------------------------------------------------------


class CompanyRecords(Iterator[Record]):
    """Every company of the golden master as a :class:`Record`, read in id batches: an
    iterator with a length (counted when made), so :func:`find_pairs` reports progress from
    the start. The keys come from ``quality_companykey``; a company with no phone of its own
    takes its first contact's."""

    def __init__(self, batch: int = 5000):
        from xinren.customers.models import Company

        self.batch = batch
        self.count = Company.objects.count()
        self._rows = self._read()

    def __len__(self) -> int:
        return self.count

    def __next__(self) -> Record:
        return next(self._rows)

    def _read(self) -> Iterator[Record]:
        from xinren.customers.models import Company, Contact

        from .models import CompanyKey

        last = 0
        while True:
            rows = list(
                Company.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list(
                    "id", "name", "uscc", "phone", "region_code", "legal_rep", "registered_address"
                )[: self.batch]
            )
            if not rows:
                return
            ids = [row[0] for row in rows]
            last = ids[-1]
            keys = {
                pk: (k, p)
                for pk, k, p in CompanyKey.objects.filter(pk__in=ids).values_list(
                    "pk", "name_key", "pinyin_key"
                )
            }
            bare = [row[0] for row in rows if not row[3]]
            phones: dict[int, str] = {}
            if bare:
                for cid, digits in (
                    Contact.objects.filter(company_id__in=bare)
                    .exclude(phone_digits="")
                    .order_by("company_id", "pk")
                    .values_list("company_id", "phone_digits")
                ):
                    phones.setdefault(cid, digits)
            for pk, name, uscc, phone, region, rep, address in rows:
                key, pinyin = keys.get(pk, ("", ""))
                yield Record(
                    id=pk,
                    name=name,
                    uscc=uscc or "",
                    phone=phone or phones.get(pk, ""),
                    region_code=region,
                    legal_rep=rep,
                    address=address,
                    name_key=key,
                    pinyin=pinyin,
                )


def company_records(batch: int = 5000) -> CompanyRecords:
    """The whole master, lazily, ``batch`` companies per query."""
    return CompanyRecords(batch)
