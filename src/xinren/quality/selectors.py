"""The duplicate check on entry: which companies of the golden master a new customer might
already be.

Candidates come from the WHOLE master (shared group-wide: a rep must learn the company exists
so they open an account on it instead of creating a second record), but what is shown follows
the user's scope: a company outside it is shown only by its legal name and USCC (public
registration data; nothing of it is masked today) and the fact that it exists — never its id,
region, accounts, contacts, phone or owner.

Retrieval reads indexes only, so the work does not grow with the master:

* same USCC: the unique index on ``customers_company.uscc``;
* same normalised name / same pinyin / same phone: ``quality_companykey`` (B-tree indexes),
  plus the contacts' indexed ``phone_digits``;
* similar name: the search index (``customers.selectors.search_companies`` over the whole
  master) on the two rarest 2-character pieces of the normalised name — rarity counted on
  the search gram table with a cap — giving a short list that rapidfuzz then scores.

Scorer: ``rapidfuzz.fuzz.ratio`` (normalised Indel similarity) on the normalised names.
Chinese has no spaces, so the token scorers (token_sort/set, WRatio's token part) see one
token; ``partial_ratio`` scores a short name inside a long one as 100 (华为 in 华为技术).
Character-level ratio treats each hanzi as the morpheme it is; the same ratio on the pinyin
form catches homophone typos (美的/美得).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from xinren.core.errors import field_error
from xinren.customers import search
from xinren.customers.models import Company, Contact
from xinren.customers.selectors import search_companies, visible_companies
from xinren.orgs.access import require_action
from xinren.orgs.models import Action, User
from xinren.standards.codes import region_label, validate_region_code
from xinren.standards.names import name_key, name_pinyin
from xinren.standards.phone import phone_digits
from xinren.standards.uscc import normalize_uscc

from .matching import SCORES, SIMILAR_WITH_REGION, combine, same_region, similar_name_score
from .models import CompanyKey

MAX_LIMIT = 20
EXACT_POOL = 20  # rows read per exact key (same name, pinyin, phone)
SIMILAR_POOL = 100  # newest matches read per rare piece
_USCC_CHARS = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{1,18}$")
_PHONE_INPUT = re.compile(r"^\+?[\d\s()-]+$")


@dataclass
class Reason:
    code: str
    label: str


@dataclass
class Candidate:
    """One possible duplicate. ``visible`` False: only ``name``, ``uscc`` and ``exact`` are
    filled (``company_id`` and ``region`` stay empty)."""

    name: str
    uscc: str
    score: int
    reasons: list[Reason] = field(default_factory=list)
    visible: bool = False
    company_id: int | None = None
    region: str = ""
    exact: bool = False  # same USCC: this company cannot be created again


@dataclass(frozen=True)
class CheckInput:
    name: str
    key: str
    pinyin: str
    uscc: str  # a complete USCC, or "" (a partial one finds nothing yet)
    phone: str
    region_code: str


def clean_input(
    *, name: str = "", uscc: str | None = None, phone: str | None = None, region_code=None
) -> CheckInput:
    """Validate what was typed; errors name the field and the rule."""
    name = " ".join((name or "").split())
    if len(name) > 200:
        raise field_error("name", _("客户名称不能超过 200 个字符。"), "max_length")
    code = normalize_uscc(uscc or "")
    if code and not _USCC_CHARS.match(code):
        raise field_error(
            "uscc",
            _("统一社会信用代码最多 18 位，只能包含数字和大写字母（不含 I、O、S、V、Z）。"),
            "format",
        )
    digits = ""
    if phone and phone.strip():
        digits = phone_digits(phone)
        if not _PHONE_INPUT.match(phone.strip()) or not 7 <= len(digits) <= 20:
            raise field_error("phone", _("电话号码应为 7–20 位数字。"), "format")
    region = (region_code or "").strip()
    if region:
        validate_region_code(region, field="region_code")
    if not (name or code or digits):
        raise field_error("name", _("请至少填写客户名称、统一社会信用代码或电话之一。"), "required")
    return CheckInput(
        name=name,
        key=name_key(name) if name else "",
        pinyin=name_pinyin(name) if name else "",
        uscc=code if len(code) == 18 else "",
        phone=digits,
        region_code=region,
    )


def rare_pieces(key: str, count: int = 2) -> list[str]:
    """The ``count`` rarest adjacent-character pairs of a name key, by their (capped) number
    of entries in the search gram table: one query however long the name."""
    pieces = list(dict.fromkeys(a + b for a, b in zip(key, key[1:], strict=False)))
    pieces = [p for p in pieces if search.is_char(p[0]) and search.is_char(p[1])][:12]
    if len(pieces) <= count:
        return pieces
    sql = " UNION ALL ".join(
        f"SELECT %s, (SELECT count(*) FROM (SELECT 1 FROM {search.GRAM_TABLE}"
        " WHERE gram = %s LIMIT %s) t)"
        for _ in pieces
    )
    params: list = []
    for p in pieces:
        params += [p, p, search.GRAM_COUNT_CAP]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        counts = dict(cur.fetchall())
    # A pair no company has (a typo's) finds nothing: the rarest of those that exist.
    found = [p for p in pieces if counts.get(p, 0)]
    return sorted(found, key=lambda p: (counts[p], pieces.index(p)))[:count]


def _similar_ids(user: User, key: str) -> list[int]:
    everything = Company.objects.all()  # the whole master: scope applies to what is shown
    ids: list[int] = []
    pieces = rare_pieces(key)
    for piece in pieces:
        found = search_companies(user, piece, base=everything).order_by("-pk")
        ids += found.values_list("pk", flat=True)[:SIMILAR_POOL]
    if len(pieces) == 2:
        # Both pieces: short even when each is common (建设 and 工程 in 瑞达建设工程), and it
        # keeps a typo elsewhere in the name findable.
        both = search_companies(
            user, pieces[1], base=search_companies(user, pieces[0], base=everything)
        )
        ids += both.order_by("-pk").values_list("pk", flat=True)[:SIMILAR_POOL]
    return ids


def duplicate_candidates(
    user: User,
    *,
    name: str = "",
    uscc: str | None = None,
    phone: str | None = None,
    region_code: str | None = None,
    limit: int = 5,
) -> list[Candidate]:
    """Companies of the golden master the typed customer may already be, best first.

    Only a user who may create customers asks (it is part of creating one). The number of
    queries is fixed (at most 16), whatever the size of the master."""
    require_action(user, Action.CREATE)
    if not 1 <= limit <= MAX_LIMIT:
        raise field_error("limit", _("limit 必须在 1 到 %(n)d 之间。") % {"n": MAX_LIMIT}, "range")
    q = clean_input(name=name, uscc=uscc, phone=phone, region_code=region_code)
    reasons: dict[int, dict[str, Reason]] = {}
    similar: dict[int, int] = {}  # company id → score of its similar-name reason

    def add(cid: int, code: str, label: str) -> None:
        reasons.setdefault(cid, {}).setdefault(code, Reason(code, label))

    if q.uscc:
        for cid in Company.objects.filter(uscc=q.uscc).values_list("pk", flat=True):
            add(cid, "same_uscc", _("统一社会信用代码相同：完全重复，不能新建"))
    if q.key:
        keys = CompanyKey.objects.filter(name_key=q.key).values_list("pk", flat=True)
        for cid in keys[:EXACT_POOL]:
            add(cid, "same_name", _("规范化后的名称相同"))
        sounds = CompanyKey.objects.filter(pinyin_key=q.pinyin).values_list("pk", flat=True)
        for cid in sounds[:EXACT_POOL]:
            if "same_name" not in reasons.get(cid, {}):  # implied by the same name
                add(cid, "same_pinyin", _("名称读音相同"))
    if q.phone:
        by_company = CompanyKey.objects.filter(phone_digits=q.phone).values_list("pk", flat=True)
        by_contact = (
            Contact.objects.filter(phone_digits=q.phone)
            .order_by()
            .values_list("company_id", flat=True)
        )
        for cid in [*by_company[:EXACT_POOL], *by_contact[:EXACT_POOL]]:
            add(cid, "same_phone", _("电话相同"))
    similar_ids = _similar_ids(user, q.key) if len(q.key) >= 2 else []
    ids = set(reasons) | set(similar_ids)
    if not ids:
        return []
    rows = {
        r["id"]: r
        for r in Company.objects.filter(pk__in=sorted(ids)).values(
            "id", "name", "uscc", "region_code"
        )
    }
    stored = dict(CompanyKey.objects.filter(pk__in=sorted(ids)).values_list("pk", "name_key"))
    if similar_ids:
        choices = {
            cid: stored.get(cid) or name_key(rows[cid]["name"])
            for cid in similar_ids
            if cid in rows
        }
        for _key, similarity, cid in process.extract(
            q.key, choices, scorer=fuzz.ratio, score_cutoff=SIMILAR_WITH_REGION, limit=None
        ):
            if "same_name" in reasons.get(cid, {}):
                continue  # the stronger reason already says it
            s = int(round(similarity))
            region = same_region(q.region_code, rows[cid]["region_code"])
            if not (score := similar_name_score(s, region)):
                continue
            if region:
                add(cid, "similar_name_region", _("名称相似（%(s)d%%）且地区相同") % {"s": s})
            else:
                add(cid, "similar_name", _("名称相似（%(s)d%%）") % {"s": s})
            similar[cid] = score
    out: list[Candidate] = []
    for cid, found in reasons.items():
        if cid not in rows:
            continue  # deleted meanwhile
        exact = "same_uscc" in found
        score = combine([SCORES.get(code) or similar.get(cid, 0) for code in found], exact=exact)
        row = rows[cid]
        out.append(
            Candidate(
                name=row["name"],
                uscc=row["uscc"] or "",
                score=score,
                reasons=sorted(found.values(), key=lambda r: -(SCORES.get(r.code) or 0)),
                company_id=cid,
                exact=exact,
            )
        )
    # Ties: a company in the typed region first, then the newest.
    out.sort(
        key=lambda c: (
            -c.score,
            not same_region(q.region_code, rows[c.company_id]["region_code"]),
            -(c.company_id or 0),
        )
    )
    out = out[:limit]
    seen = set(
        visible_companies(user)
        .filter(pk__in=[c.company_id for c in out])
        .values_list("pk", flat=True)
    )
    for c in out:
        if c.company_id in seen:
            c.visible = True
            code = rows[c.company_id]["region_code"]
            c.region = region_label(code) if code else ""
        else:
            c.company_id = None
    return out


# --- merge history ----------------------------------------------------------------------------
def visible_merges(user: User):
    """Merge records a user may read: those whose survivor is in their scope, or (once undone)
    whose restored company is. Newest first."""
    from django.db.models import Q

    from .models import MergeRecord

    companies = visible_companies(user).values("pk")
    return MergeRecord.objects.filter(
        Q(survivor_id__in=companies) | Q(undone_at__isnull=False, other_ref__in=companies)
    ).order_by("-merged_at", "-id")


def merge_for(user: User, record_id: int):
    """One merge record the user may read, or ``MergeRecord.DoesNotExist`` (also when out of
    scope: a user must not learn that it exists)."""
    return visible_merges(user).get(pk=record_id)


def merged_archive_lookup(user: User, archive_no: str):
    """Where the account with this archive number went, when a merge combined it into another
    account: ``MergedArchiveNo`` rows of merges the user may read."""
    from .models import MergedArchiveNo

    return MergedArchiveNo.objects.filter(
        archive_no=archive_no.strip().upper(),
        record__in=visible_merges(user),
        record__undone_at__isnull=True,
    ).select_related("record")
