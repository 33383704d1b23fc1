"""Scoped reads of batch duplicate detection: the review queue, one pair, the runs.

Scope: a steward sees a pair only when they can see BOTH companies
(:func:`xinren.customers.selectors.visible_companies`); a pair with a company outside their
scope does not exist for them (not listed, 404 by id, cannot be decided). Reading the queue
is part of the merge work, so it needs the merge right, like deciding.

The queue is ordered by score (highest first, then id) and paged by keyset on (score, id):
page 500 costs what page 1 costs, and decisions taken meanwhile never shift a page.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from xinren.core.errors import field_error
from xinren.customers.models import Company
from xinren.customers.presenters import masked
from xinren.customers.selectors import visible_accounts, visible_companies
from xinren.orgs.access import has_action, user_scope
from xinren.orgs.models import Action, User
from xinren.standards.codes import region_label

from .matching import reason_label
from .models import DedupeRun, DuplicatePair, PairStatus

_REASON = re.compile(r"^[a-z][a-z_]{0,39}$")
_MAX_ID = 2**63 - 1


def review_pairs(
    user: User,
    *,
    status: str | list[str] | None = None,
    min_score: int | None = None,
    reason: str | None = None,
) -> QuerySet[DuplicatePair]:
    """Pairs the user may review, best first. ``status``: one status or a list (default: all);
    ``min_score`` 0–100; ``reason``: a reason code the pair must carry."""
    if not has_action(user, Action.MERGE):
        return DuplicatePair.objects.none()
    pairs = DuplicatePair.objects.all()
    if not user_scope(user).everything:
        seen = visible_companies(user).values("pk")
        pairs = pairs.filter(company_a__in=seen, company_b__in=seen)
    if status:
        wanted = [status] if isinstance(status, str) else list(status)
        for value in wanted:
            if value not in PairStatus.values:
                raise field_error(
                    "status",
                    _("状态只能是：%(values)s。") % {"values": "、".join(PairStatus.values)},
                    "choice",
                )
        pairs = pairs.filter(status__in=wanted)
    if min_score is not None:
        if not 0 <= int(min_score) <= 100:
            raise field_error("min_score", _("最低分必须在 0 到 100 之间。"), "range")
        pairs = pairs.filter(score__gte=int(min_score))
    if reason:
        if not _REASON.match(reason):
            raise field_error(
                "reason", _("原因代码只能包含小写字母和下划线，例如 same_name。"), "format"
            )
        # Portable JSON match (SQLite and PostgreSQL print the list the same way); the
        # closing quote keeps same_name from matching same_name_x.
        pairs = pairs.annotate(_reasons=Cast("reasons", TextField())).filter(
            _reasons__contains=f'"code": "{reason}"'
        )
    return pairs.order_by("-score", "pk")


def pair_for(user: User, pair_id: int, *, lock: bool = False) -> DuplicatePair:
    """One pair the user may review, or ``DuplicatePair.DoesNotExist``."""
    pairs = review_pairs(user)
    if lock:
        pairs = pairs.select_for_update(of=("self",))
    return pairs.get(pk=pair_id)


# --- keyset pages on (score desc, id asc) ---------------------------------------------------
def encode_cursor(pair: DuplicatePair) -> str:
    raw = f"pair:{pair.score}:{pair.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii"))
        kind, score, pk = raw.decode("ascii").split(":")
        score, pk = int(score), int(pk)
        if kind != "pair" or not 0 <= score <= 100 or not 0 < pk <= _MAX_ID:
            raise ValueError(cursor)
        if base64.urlsafe_b64encode(raw).decode().rstrip("=") != cursor:
            raise ValueError(cursor)
    except ValueError:
        raise field_error(
            "cursor", _("分页游标无效，请从第一页重新开始。"), "invalid_cursor"
        ) from None
    return score, pk


def pairs_page(
    pairs: QuerySet[DuplicatePair], *, cursor: str | None, limit: int
) -> tuple[list[DuplicatePair], str | None]:
    """One page of a queue ordered by score; returns the pairs and the next page's cursor."""
    if cursor:
        score, pk = decode_cursor(cursor)
        pairs = pairs.filter(Q(score__lt=score) | Q(score=score, pk__gt=pk))
    rows = list(pairs.order_by("-score", "pk")[: limit + 1])
    items = rows[:limit]
    return items, (encode_cursor(items[-1]) if len(rows) > limit else None)


# --- what the queue shows of a pair ---------------------------------------------------------
COMPLETENESS_FIELDS = (
    "uscc",
    "legal_rep",
    "founded_on",
    "registered_capital",
    "registered_address",
    "region_code",
    "industry_code",
    "phone",
    "email",
    "website",
)


def completeness(company: Company) -> int:
    """How many of the master's key fields are filled."""
    return sum(1 for f in COMPLETENESS_FIELDS if getattr(company, f) not in (None, ""))


def suggest_survivor(a: Company, b: Company) -> tuple[Company, Company]:
    """(survivor, other) suggested for a merge: the more complete record, and of two equally
    complete ones the older (it has the longer history). The merge page lets the steward
    choose otherwise."""
    key_a = (completeness(a), -a.pk)
    key_b = (completeness(b), -b.pk)
    return (a, b) if key_a >= key_b else (b, a)


@dataclass
class Side:
    id: int
    name: str
    uscc: str
    region: str
    phone: str  # masked unless the user may see sensitive values
    legal_rep: str
    accounts: int  # accounts the user can see


@dataclass
class PairView:
    pair: DuplicatePair
    a: Side
    b: Side
    reasons: list[tuple[str, str, int]]  # (code, label, score)
    survivor_id: int
    other_id: int
    merge_url: str = ""  # set by the page (the merge page's address)

    @property
    def sides(self) -> tuple[Side, Side]:
        return self.a, self.b

    @property
    def survivor_name(self) -> str:
        return self.a.name if self.survivor_id == self.a.id else self.b.name


def pair_views(user: User, pairs: list[DuplicatePair]) -> list[PairView]:
    """Both sides of each pair, as this user may see them (two queries per page)."""
    ids = {p.company_a_id for p in pairs} | {p.company_b_id for p in pairs}
    companies = Company.objects.in_bulk(ids)
    counts = dict(
        visible_accounts(user)
        .filter(company_id__in=ids)
        .order_by()
        .values("company_id")
        .annotate(n=Count("id"))
        .values_list("company_id", "n")
    )

    def side(company: Company) -> Side:
        return Side(
            id=company.pk,
            name=company.name,
            uscc=company.uscc or "",
            region=region_label(company.region_code) if company.region_code else "",
            phone=masked(user, company, "phone"),
            legal_rep=company.legal_rep,
            accounts=counts.get(company.pk, 0),
        )

    out = []
    for p in pairs:
        a, b = companies.get(p.company_a_id), companies.get(p.company_b_id)
        if a is None or b is None:
            continue  # deleted meanwhile
        survivor, other = suggest_survivor(a, b)
        reasons = [(r.get("code", ""), reason_label(r.get("code", "")), r.get("score", 0))
                   for r in p.reasons]  # fmt: skip
        out.append(PairView(p, side(a), side(b), reasons, survivor.pk, other.pk))
    return out


def visible_runs(user: User) -> QuerySet[DedupeRun]:
    """Detection runs (counts over the whole master, no customer data): merge-right holders."""
    if not has_action(user, Action.MERGE):
        return DedupeRun.objects.none()
    return DedupeRun.objects.select_related("job").order_by("-started_at", "-pk")


def latest_run(user: User) -> DedupeRun | None:
    return visible_runs(user).first()


def status_counts(user: User) -> dict[str, int]:
    """How many pairs of each status the user may review (one query)."""
    rows = review_pairs(user).order_by().values("status").annotate(n=Count("pk"))
    return {r["status"]: r["n"] for r in rows}
