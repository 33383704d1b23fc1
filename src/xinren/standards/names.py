"""Company-name normalisation: one function, used by search, the duplicate check, batch
detection, import matching and list screening. (A standard like the USCC check: it knows
the GB/T 2260 region names and nothing of any other package.)

``normalize_company_name`` reduces a registered name to its distinctive core:

* NFKC (full-width letters, digits, brackets and spaces become half-width), latin upper-case;
* brackets of either width unified; a bracketed region marker （上海） or legal form
  （有限合伙） is removed with its content, any other bracket keeps its content;
* white space and punctuation removed;
* legal-form suffixes stripped (有限公司, 股份有限公司, 集团, 厂, CO.,LTD …), repeatedly;
* leading region prefixes stripped (上海, 上海市, 广东省深圳市 …), from the GB/T 2260 table
  in :mod:`xinren.standards.codes` (province- and prefecture-level names and their short
  forms without 省/市/自治区/地区/盟);
* branches: a branch (分公司, 分厂, 办事处, 分店, 支公司, 分行, 支行) has its own registration and USCC, so
  it is **not** the same legal entity as its head office. The branch marker and its place are
  kept: 华为技术有限公司北京分公司 → 华为技术北京分公司, which differs from 华为技术 (the head
  office) but agrees with 华为技术（北京）分公司 written differently. The duplicate check
  still finds the head office as a *similar* name, so a rep sees both.

Stripping never leaves fewer than two characters (上海集团 stays 上海), and the whole
reduction is repeated until nothing changes, so the function is idempotent by construction.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from pypinyin import Style, lazy_pinyin

from xinren.standards.codes import GROUPING_NAMES, regions

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def pinyin_syllables(name: str) -> list[str]:
    """One syllable per CJK character of ``name`` (other characters are skipped)."""
    chars = [c for c in unicodedata.normalize("NFKC", name or "").lower() if _CJK.match(c)]
    return lazy_pinyin("".join(chars), style=Style.NORMAL, errors="ignore") if chars else []


LEGAL_FORMS = (
    "集团股份有限公司",
    "集团有限责任公司",
    "集团有限公司",
    "股份有限公司",
    "有限责任公司",
    "股份合作公司",
    "有限公司",
    "股份公司",
    "合伙企业",
    "有限合伙",
    "普通合伙",
    "个人独资企业",
    "集团公司",
    "总公司",
    "集团",
    "公司",
    "总厂",
    "厂",
    "COLTD",
    "LIMITED",
    "LTD",
    "INC",
    "CORPORATION",
    "CORP",
    "GROUP",
    "GMBH",
    "LLC",
)
BRANCH_MARKERS = ("分公司", "分厂", "办事处", "分店", "支公司", "分行", "支行")
_REGION_SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "省",
    "市",
)
# Bracketed, these name a place too: 阿里巴巴（中国）网络技术有限公司.
_EXTRA_MARKERS = frozenset({"中国", "中国香港", "中国澳门", "中国台湾"})
MIN_CORE = 2
_OPEN = "(（[【〔［{｛〈《「『"
_CLOSE = ")）]】〕］}｝〉》」』"
_BRACKETS = str.maketrans({**dict.fromkeys(_OPEN, "("), **dict.fromkeys(_CLOSE, ")")})
_BRACKETED = re.compile(r"\(([^()]*)\)")


@cache
def region_names() -> tuple[str, ...]:
    """Province- and prefecture-level names of GB/T 2260 and their short forms (≥ 2
    characters, only for 省/市/自治区/特别行政区: 阿里地区 gives no 阿里, or 阿里巴巴 would
    lose it), longest first so 内蒙古自治区 wins over 内蒙古."""
    names: set[str] = set()
    for code in regions().values():
        if code.level > 2 or code.name in GROUPING_NAMES:
            continue
        names.add(code.name)
        for suffix in _REGION_SUFFIXES:
            if code.name.endswith(suffix) and len(code.name) - len(suffix) >= 2:
                names.add(code.name[: -len(suffix)])
                break
    return tuple(sorted(names, key=lambda n: (-len(n), n)))


def _drop_marker(match: re.Match) -> str:
    inner = re.sub(r"\s+", "", match.group(1))
    if inner in region_names() or inner in LEGAL_FORMS or inner in _EXTRA_MARKERS:
        return ""
    return inner


def _strip_punctuation(text: str) -> str:
    return "".join(
        ch for ch in text if not unicodedata.category(ch).startswith(("P", "S", "Z", "C"))
    )


def _strip_legal_forms(text: str) -> str:
    changed = True
    while changed:
        changed = False
        for form in LEGAL_FORMS:
            if text.endswith(form) and len(text) - len(form) >= MIN_CORE:
                text, changed = text[: -len(form)], True
                break
    return text


@cache
def _region_lookup() -> tuple[tuple[int, ...], frozenset[str]]:
    """The region names' lengths, longest first, and the names as a set: a prefix is looked
    up once per length instead of compared with every name."""
    names = region_names()
    return tuple(sorted({len(n) for n in names}, reverse=True)), frozenset(names)


def _strip_regions(text: str) -> str:
    lengths, names = _region_lookup()
    changed = True
    while changed:
        changed = False
        for n in lengths:  # longest first, as region_names() is ordered
            if len(text) - n >= MIN_CORE and text[:n] in names:
                text, changed = text[n:], True
                break
    return text


def strip_region_prefix(text: str) -> str:
    """``text`` without its leading province/prefecture names (addresses: 上海市浦东新区… →
    浦东新区…)."""
    return _strip_regions(text)


def _core(text: str) -> str:
    return _strip_regions(_strip_legal_forms(text))


def _place(text: str) -> str:
    """The place of a branch in its short form: 北京市 → 北京."""
    for suffix in _REGION_SUFFIXES:
        if text.endswith(suffix) and text[: -len(suffix)] in region_names():
            return text[: -len(suffix)]
    return text


def _branch(text: str) -> str:
    """Head office core + place + marker for a branch name, else the plain core."""
    for marker in BRANCH_MARKERS:
        if text.endswith(marker) and len(text) > len(marker):
            head = text[: -len(marker)]
            # The head office's legal form sits between its name and the branch's place.
            # The last one ending before the place; of two ending there, the longer.
            found = [
                (at + len(f), len(f), at)
                for f in LEGAL_FORMS
                if 0 < (at := head.rfind(f)) < len(head) - len(f)
            ]
            if found:
                end, _, at = max(found)
                return _core(head[:at]) + _place(head[end:]) + marker
            return _core(head) + marker
    return _core(text)


_BRANCH_PLACE = re.compile(r"\(([^()]*)\)(?=" + "|".join(BRANCH_MARKERS) + ")")


def _once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).upper().translate(_BRACKETS)
    text = _BRANCH_PLACE.sub(r"\1", text)  # 华为技术（北京）分公司: the branch's place
    previous = None
    while previous != text:  # innermost brackets first
        previous, text = text, _BRACKETED.sub(_drop_marker, text)
    return _branch(_strip_punctuation(text))


def normalize_company_name(name: str | None) -> str:
    """The distinctive core of a company name (see the module docstring)."""
    text = name or ""
    for _ in range(8):
        reduced = _once(text)
        if reduced == text:
            break
        text = reduced
    return text


KEY_LENGTH = 64


def name_key(name: str | None) -> str:
    """Blocking key: the normalised name, bounded to the indexed column's length (never empty
    for a non-blank name)."""
    key = normalize_company_name(name)
    if not key:
        key = _strip_punctuation(unicodedata.normalize("NFKC", name or "").upper())
    return key[:KEY_LENGTH]


def name_pinyin(name: str | None) -> str:
    """Pinyin of the normalised name (latin kept as is): homophones agree, 美的 / 美得 → MEIDE.
    Syllables come from the search index's own pinyin function."""
    return key_pinyin(name_key(name))


def key_pinyin(key: str) -> str:
    """:func:`name_pinyin` of an already normalised key."""
    out: list[str] = []
    chinese: list[str] = []
    for ch in key:
        if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff":
            chinese.append(ch)
            continue
        if chinese:
            out += pinyin_syllables("".join(chinese))
            chinese = []
        out.append(ch)
    if chinese:
        out += pinyin_syllables("".join(chinese))
    return "".join(out).upper()[: KEY_LENGTH * 2]
