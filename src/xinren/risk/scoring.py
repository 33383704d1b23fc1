"""Scoring: every account's factors, set-based, in batches of account ids.

One batch costs a fixed handful of queries whatever its size (accounts, documents, delay
counts, overdue amounts, list hits, current assessments), so the daily run holds one batch in
memory at a time. The rules themselves are sales' (``delay_counts``, ``overdue_amounts``) and
:mod:`xinren.risk.rules`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from xinren.customers.models import CustomerAccount, Document
from xinren.kyc.models import HitStatus, ListHit
from xinren.sales.figures import delay_counts, overdue_amounts

from . import rules
from .alerts import notify_level_changes
from .models import RiskAssessment, RiskChange

BATCH = 2000


@dataclass(frozen=True)
class Score:
    score: int
    level: str
    factors: list[dict]


def _factor(code: str, points: int, **evidence) -> dict:
    return {
        "code": code,
        "group": rules.FACTOR_GROUP[code],
        "points": points,
        "evidence": evidence,
    }


def score_accounts(rows: list[tuple[int, int]], today: dt.date) -> dict[int, Score]:
    """``rows``: (account id, company id) pairs → each account's score as of ``today``."""
    ids = [a for a, _ in rows]
    companies = {c for _, c in rows}
    # Qualification: the newest expiry per company/account/type (no expiry = never expires).
    docs: dict[int, dict[str, list[tuple[int | None, dt.date | None]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for company_id, account_id, doc_type, expires_on in Document.objects.filter(
        company_id__in=companies, doc_type__in=rules.REQUIRED_DOCUMENTS
    ).values_list("company_id", "account_id", "doc_type", "expires_on"):
        docs[company_id][doc_type].append((account_id, expires_on))
    delays = delay_counts(ids, today)
    overdue = overdue_amounts(ids, today)
    hits: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for company_id, status, list_name, hit_id in (
        ListHit.objects.filter(
            company_id__in=companies,
            closed_at__isnull=True,
            status__in=(HitStatus.NEW, HitStatus.CONFIRMED),
        )
        .order_by("pk")
        .values_list("company_id", "status", "entry__watch_list__name", "pk")
    ):
        hits[company_id].append((status, list_name, hit_id))

    out: dict[int, Score] = {}
    for account_id, company_id in rows:
        factors: list[dict] = []
        for doc_type in rules.REQUIRED_DOCUMENTS:
            mine = [e for a, e in docs[company_id].get(doc_type, ()) if a in (None, account_id)]
            if not mine:
                factors.append(_factor("doc_missing", rules.DOC_MISSING_POINTS, doc_type=doc_type))
            elif all(e is not None and e < today for e in mine):
                latest = max(mine)
                factors.append(
                    _factor(
                        "doc_expired",
                        rules.DOC_EXPIRED_POINTS,
                        doc_type=doc_type,
                        expires_on=latest.isoformat(),
                    )
                )
        delay = delays.get(account_id)
        if delay is not None and delay.high_risk:
            factors.append(
                _factor(
                    "delay_rate",
                    rules.DELAY_RATE_POINTS,
                    late=delay.late,
                    due=delay.due,
                    rate_percent=str((delay.rate * 100).quantize(Decimal("0.1"))),
                )
            )
        owed = overdue.get(account_id)
        if owed:
            points = (
                rules.OVERDUE_LARGE_POINTS if owed >= rules.OVERDUE_LARGE else rules.OVERDUE_POINTS
            )
            factors.append(_factor("overdue", points, amount=str(owed), currency="CNY"))
        for status, list_name, hit_id in hits.get(company_id, ()):
            if status == HitStatus.CONFIRMED:
                factors.append(
                    _factor(
                        "list_hit_confirmed",
                        rules.LIST_HIT_CONFIRMED_POINTS,
                        list=list_name,
                        hit_id=hit_id,
                    )
                )
            else:
                factors.append(
                    _factor(
                        "list_hit_new", rules.LIST_HIT_NEW_POINTS, list=list_name, hit_id=hit_id
                    )
                )
        score = min(rules.MAX_SCORE, sum(f["points"] for f in factors))
        out[account_id] = Score(score=score, level=rules.level_for(score), factors=factors)
    return out


def score_account(account: CustomerAccount, today: dt.date | None = None) -> Score:
    today = today or timezone.localdate()
    return score_accounts([(account.pk, account.company_id)], today)[account.pk]


@dataclass
class RescoreResult:
    scored: int = 0
    created: int = 0
    updated: int = 0
    changes: int = 0
    level_changes: int = 0
    alerts: int = 0
    by_level: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "scored": self.scored,
            "created": self.created,
            "updated": self.updated,
            "changes": self.changes,
            "level_changes": self.level_changes,
            "alerts": self.alerts,
        }


def _store(
    batch: list[tuple[int, int]], scores: dict[int, Score], now, result: RescoreResult
) -> list[RiskChange]:
    """Write new and changed assessments; history when score or level changed (an account never
    scored counts as low/0 before). Returns the level changes."""
    ids = [a for a, _ in batch]
    current = {
        a: (s, lv, f)
        for a, s, lv, f in RiskAssessment.objects.filter(account_id__in=ids).values_list(
            "account_id", "score", "level", "factors"
        )
    }
    create, update, history = [], [], []
    for account_id in ids:
        new = scores[account_id]
        old = current.get(account_id)
        row = RiskAssessment(
            account_id=account_id,
            score=new.score,
            level=new.level,
            factors=new.factors,
            computed_at=now,
        )
        if old is None:
            create.append(row)
            old_score, old_level = None, ""
            changed = new.level != rules.RiskLevel.LOW or new.score != 0
            level_changed = new.level != rules.RiskLevel.LOW
        else:
            if old == (new.score, new.level, new.factors):
                continue
            update.append(row)
            old_score, old_level = old[0], old[1]
            changed = (old_score, old_level) != (new.score, new.level)
            level_changed = old_level != new.level
        if changed:
            history.append(
                (
                    level_changed,
                    RiskChange(
                        account_id=account_id,
                        old_level=old_level,
                        new_level=new.level,
                        old_score=old_score,
                        new_score=new.score,
                        factors=new.factors,
                        changed_at=now,
                    ),
                )
            )
    with transaction.atomic():
        RiskAssessment.objects.bulk_create(create, batch_size=1000)
        RiskAssessment.objects.bulk_update(
            update, ["score", "level", "factors", "computed_at"], batch_size=1000
        )
        RiskChange.objects.bulk_create([c for _, c in history], batch_size=1000)
    result.created += len(create)
    result.updated += len(update)
    result.changes += len(history)
    return [c for level_changed, c in history if level_changed]


def rescore(
    account_ids: Iterable[int] | None = None,
    *,
    today: dt.date | None = None,
    batch: int = BATCH,
    alert: bool = True,
    on_progress: Callable[..., None] | None = None,
) -> RescoreResult:
    """Score every account (or the given ones) by id batches; keep changes as history and alert
    on level changes."""
    today = today or timezone.localdate()
    now = timezone.now()
    result = RescoreResult()
    accounts = CustomerAccount.objects.order_by("pk")
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    total = accounts.count()
    last = 0
    while True:
        rows = list(accounts.filter(pk__gt=last).values_list("pk", "company_id")[:batch])
        if not rows:
            break
        last = rows[-1][0]
        scores = score_accounts(rows, today)
        level_changes = _store(rows, scores, now, result)
        result.level_changes += len(level_changes)
        if alert and level_changes:
            result.alerts += notify_level_changes(level_changes)
        result.scored += len(rows)
        if on_progress:
            on_progress(result.scored, total)
    return result
