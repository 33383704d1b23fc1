"""Scoring: every account's facts, score and level in one SQL statement per run; Python only
for the accounts whose assessment changed.

The statement (:func:`_facts_sql`) computes per account the *facts* every factor is built
from — per required document type ok / expired (with the latest expiry) / missing; sales'
delay counts and overdue amount (``sales.figures.payment_facts``: the same query expressions
as ``delay_counts`` and ``overdue_amounts``, one GROUP BY over the milestones); the open
list hits (new and confirmed counts, the sum of their ids); the registry status when not 存续
and the lawsuit count (``kyc.RegistryRecord`` on the company's USCC) — then the score
(``CASE``, the points of :mod:`xinren.risk.rules`) and the level, and compares the facts and
the rules' version with the stored assessment's (the score and level follow from those two).
In the daily run only the rows that differ come back
(their ids into a temporary table, then their fact rows a chunk of ids at a time with the same
statement restricted to those ids, so memory stays bounded however many change — SQLite keeps
temporary tables in memory here);
their explained factors (``{code, group, points, evidence}``) are built in Python from those
facts, written with history and alerts. Nothing changed → one statement, no write.

Portable SQL (SQLite and PostgreSQL): plain joins, CASE, COALESCE, CAST … AS TEXT, ``||``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from xinren.customers.models import Company, CustomerAccount, Document
from xinren.kyc.models import HitStatus, ListHit, RegistryRecord, RegistrySnapshot
from xinren.sales.figures import DelayRate, delay_high_risk_sql, payment_facts

from . import rules
from .alerts import notify_level_changes
from .models import FACT_COLUMNS, RiskAssessment, RiskChange

BATCH = 2000  # rows written per transaction
ID_CHUNK = 2000  # account ids per statement when scoring a given subset
TEMP = "risk_rescore_run"

# The order matters: the best of several documents is the lowest state (see _doc_states).
DOC_STATE_OK, DOC_STATE_EXPIRED, DOC_STATE_MISSING = 0, 1, 2


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


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _lit(value: str) -> str:
    """A constant of ours (choice values) as an SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _doc_states(key: str, where: str, today_param) -> tuple[str, list]:
    """Documents of the required types grouped by ``key`` (``company_id`` for the
    company-wide ones, ``account_id`` for an account's own), per type: state ok (a valid one:
    no expiry, or expiring today or later) / expired (only expired ones) / missing, and the
    latest expiry (the evidence of an expired one). Also, computed once per group, what an
    account with only these documents would store: ``facts_docs``, ``facts_expired`` and
    ``doc_points``."""
    n = len(rules.REQUIRED_DOCUMENTS)
    state, latest = [], []
    for doc_type in rules.REQUIRED_DOCUMENTS:
        t = _lit(doc_type)
        # One aggregate per type: the best document of the type, 2 valid, 1 expired, 0 none.
        state.append(
            f"{DOC_STATE_MISSING} - MAX(CASE WHEN d.doc_type <> {t} THEN 0"
            " WHEN d.expires_on IS NULL OR d.expires_on >= %s THEN 2 ELSE 1 END)"
        )
        latest.append(f"MAX(CASE WHEN d.doc_type = {t} THEN d.expires_on END)")
    cols = [f"{state[i]} AS s_{i}" for i in range(n)]
    cols += [f"{latest[i]} AS latest_{i}" for i in range(n)]
    facts_docs, facts_expired, doc_points = _doc_facts(state, latest)
    cols += [f"{facts_docs} AS facts_docs", f"{facts_expired} AS facts_expired"]
    cols.append(f"{doc_points} AS doc_points")
    # Each state expression holds one day parameter: n states, then facts_docs (n),
    # facts_expired (2n), doc_points (n).
    params = [today_param] * (n + n + 2 * n + n)
    types = ", ".join(_lit(t) for t in rules.REQUIRED_DOCUMENTS)
    sql = (
        f"SELECT d.{key} AS {key}, {', '.join(cols)} FROM {_table(Document)} d"
        f" WHERE d.doc_type IN ({types}) AND {where} GROUP BY d.{key}"
    )
    return sql, params


def _doc_facts(state: list[str], latest: list[str]) -> tuple[str, str, str]:
    """``facts_docs`` (Σ state × 3^i), ``facts_expired`` (the latest expiry of each expired
    type, comma-separated) and the documents' points, from per-type state and latest-expiry
    expressions."""
    n = len(state)
    facts_docs = " + ".join(f"({state[i]}) * {3**i}" for i in range(n))
    expired_dates = " || ',' || ".join(
        f"COALESCE(CASE WHEN ({state[i]}) = {DOC_STATE_EXPIRED} THEN CAST({latest[i]} AS TEXT)"
        " END, '')"
        for i in range(n)
    )
    facts_expired = (
        f"CASE WHEN {' OR '.join(f'({x}) = {DOC_STATE_EXPIRED}' for x in state)}"
        f" THEN {expired_dates} ELSE '' END"
    )
    doc_points = " + ".join(
        f"CASE ({state[i]}) WHEN {DOC_STATE_MISSING} THEN {rules.DOC_MISSING_POINTS}"
        f" WHEN {DOC_STATE_EXPIRED} THEN {rules.DOC_EXPIRED_POINTS} ELSE 0 END"
        for i in range(n)
    )
    return facts_docs, facts_expired, doc_points


def _facts_sql(today: dt.date, ids: list[int] | None, changed_only: bool) -> tuple[str, list]:
    """The one statement: a row per account (of ``ids``, or all) with its facts, score, level,
    and the stored score/level (NULL when never scored); ``changed_only`` keeps only the rows
    whose facts differ from the stored assessment's, or whose assessment was made under other
    rules (:data:`rules.RULES_VERSION`): the score and level follow from the facts and the
    rules, so they need no comparison of their own.

    Shape: what belongs to the company (its company-wide documents, registry record, open
    hits) is joined to the accounts in company order and only then, as narrow rows, to what
    belongs to the account (sales' payment facts, its own documents, the stored assessment)
    in account order. An account's own documents are rare: their states are combined with
    the company's (ok before expired before missing) only where there are any. Costly
    expressions are computed once per group inside the grouped subqueries (the engines
    flatten plain subqueries and would repeat an expression wherever its alias is used)."""
    day = connection.ops.adapt_datefield_value(today)
    account = _table(CustomerAccount)
    n = len(rules.REQUIRED_DOCUMENTS)
    only = hits_only = docs_only = ""
    if ids is not None:
        listed = ", ".join(str(int(i)) for i in ids) or "NULL"
        only = f" AND a.id IN ({listed})"
        # The accounts' companies as a list of constants, not a subquery: PostgreSQL would
        # join a subquery by scanning every company and document (parallel sequential scans
        # per chunk); constants go through the indexes.
        company_ids = sorted(
            set(CustomerAccount.objects.filter(pk__in=ids).values_list("company_id", flat=True))
        )
        companies = ", ".join(str(int(c)) for c in company_ids) or "NULL"
        hits_only = f" AND h.company_id IN ({companies})"
        docs_only = f" AND d.company_id IN ({companies})"

    # Sales' rules, embedded as they are (one GROUP BY over the milestones).
    pay_sql, pay_params = payment_facts(today, ids).query.sql_with_params()
    company_docs, company_docs_params = _doc_states(
        "company_id", f"d.account_id IS NULL{docs_only}", day
    )
    own_docs, own_docs_params = _doc_states(
        "account_id",
        # only those filed under the account's own company count
        f"d.account_id IS NOT NULL AND d.company_id = (SELECT o.company_id FROM {account} o"
        " WHERE o.id = d.account_id)"
        + (f" AND d.account_id IN ({listed})" if ids is not None else ""),
        day,
    )
    # An account's states: the company's, or with documents of its own the better of both.
    state = [
        f"CASE WHEN COALESCE(k.s_{i}, {DOC_STATE_MISSING}) < ad.s_{i} THEN k.s_{i}"
        f" ELSE ad.s_{i} END"
        for i in range(n)
    ]
    latest = [
        f"CASE WHEN k.latest_{i} IS NULL OR ad.latest_{i} > k.latest_{i} THEN ad.latest_{i}"
        f" ELSE k.latest_{i} END"
        for i in range(n)
    ]
    own_docs_facts, own_expired, own_points = _doc_facts(state, latest)
    all_missing = sum(DOC_STATE_MISSING * 3**i for i in range(n))

    # The whole run's first pass (all accounts, changed ones only) takes every account with
    # documents of its own as a candidate and compares the rest on the company's documents
    # alone: its rows then carry only the company's document facts, not the per-type states
    # (the candidates' facts are compared exactly in the second pass, by id).
    first_pass = ids is None and changed_only

    def docs(company: str, combined: str) -> str:
        if first_pass:
            return company
        return f"CASE WHEN ad.account_id IS NULL THEN {company} ELSE {combined} END"

    new, confirmed = _lit(HitStatus.NEW), _lit(HitStatus.CONFIRMED)
    hits_sql = (
        f"SELECT h.company_id, SUM(CASE WHEN h.status = {new} THEN 1 ELSE 0 END) AS hits_new,"
        f" SUM(CASE WHEN h.status = {confirmed} THEN 1 ELSE 0 END) AS hits_confirmed,"
        f" SUM(h.id) AS hits_key FROM {_table(ListHit)} h"
        f" WHERE h.closed_at IS NULL AND h.status IN ({new}, {confirmed}){hits_only}"
        " GROUP BY h.company_id"
    )
    active = _lit(rules.ACTIVE_REGISTRY_STATUS)
    # The registry records that score (a status other than 存续, or lawsuits), keyed by
    # company (by USCC). A record of an active company without lawsuits gives the same facts
    # as no record at all, and most records are such: they are left out of the join.
    registry_sql = (
        "SELECT rc.id AS company_id, rr.status, rr.lawsuit_count, sn.as_of"
        f" FROM {_table(RegistryRecord)} rr JOIN {_table(Company)} rc ON rc.uscc = rr.uscc"
        f" JOIN {_table(RegistrySnapshot)} sn ON sn.id = rr.snapshot_id"
        f" WHERE (rr.status <> {active} OR rr.lawsuit_count > 0)"
        + (f" AND rc.id IN ({companies})" if ids is not None else "")
    )
    # What belongs to the company, one narrow row per account, joined in company order.
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    company_part = (
        "SELECT a.id AS account_id, a.company_id,"
        f" {', '.join(f'cd.s_{i}, cd.latest_{i}' for i in range(n))},"
        " cd.facts_docs, cd.facts_expired, cd.doc_points,"
        " COALESCE(h.hits_new, 0) AS facts_hits_new,"
        " COALESCE(h.hits_confirmed, 0) AS facts_hits_confirmed,"
        " COALESCE(h.hits_key, 0) AS facts_hits_key,"
        f" CASE WHEN r.status <> {active} THEN r.status ELSE '' END AS registry_status,"
        " COALESCE(r.lawsuit_count, 0) AS facts_lawsuits,"
        # Every record joined scores: its snapshot's date is the evidence's date.
        " r.as_of AS registry_as_of,"
        " CASE WHEN r.as_of IS NULL THEN '' ELSE"
        f" (CASE WHEN r.status <> {active} THEN r.status ELSE '' END)"
        " || ' ' || CAST(r.as_of AS TEXT) END AS facts_registry"
        f" FROM {account} a"
        f" LEFT JOIN ({company_docs}) cd ON cd.company_id = a.company_id"
        f" LEFT JOIN ({hits_sql}) h ON h.company_id = a.company_id"
        f" LEFT JOIN ({registry_sql}) r ON r.company_id = a.company_id"
        f" WHERE 1 = 1{only}{fence}"
    )
    high = delay_high_risk_sql("p.delay_late", "p.delay_due")
    large = int(rules.OVERDUE_LARGE * 100)
    # Layer 1: every fact, as stored on RiskAssessment, and the points of the documents.
    no_dates = "COALESCE(k.facts_expired, '')"
    doc_cols = [f"{docs(f'k.s_{i}', state[i])} AS s_{i}" for i in range(n)]
    doc_cols += [f"{docs(f'k.latest_{i}', latest[i])} AS latest_{i}" for i in range(n)]
    doc_cols += [
        f"{docs(f'COALESCE(k.facts_docs, {all_missing})', own_docs_facts)} AS facts_docs",
        f"{docs(no_dates, own_expired)} AS facts_expired",
        f"{docs(f'COALESCE(k.doc_points, {n * rules.DOC_MISSING_POINTS})', own_points)}"
        " AS doc_points",
    ]
    base = (
        f"SELECT k.account_id, k.company_id, {', '.join(doc_cols)},"
        f" CASE WHEN {high} THEN p.delay_late ELSE 0 END AS facts_delay_late,"
        f" CASE WHEN {high} THEN p.delay_due ELSE 0 END AS facts_delay_due,"
        " COALESCE(CAST(ROUND(p.overdue * 100) AS BIGINT), 0) AS facts_overdue_cents,"
        " k.facts_hits_new, k.facts_hits_confirmed, k.facts_hits_key,"
        " k.registry_status, k.facts_lawsuits, k.registry_as_of, k.facts_registry,"
        " CASE WHEN ad.account_id IS NULL THEN 0 ELSE 1 END AS own_docs"
        f" FROM ({company_part}) k"
        f" LEFT JOIN ({pay_sql}) p ON p.account_id = k.account_id"
        f" LEFT JOIN ({own_docs}) ad ON ad.account_id = k.account_id"
    )
    # The account's own documents: the state expressions of the combination hold no
    # parameter; each group's do (company-wide, then own).
    params = [*company_docs_params, *pay_params, *own_docs_params]
    points = (
        "b.doc_points"
        f" + CASE WHEN b.facts_delay_due > 0 THEN {rules.DELAY_RATE_POINTS} ELSE 0 END"
        f" + CASE WHEN b.facts_overdue_cents >= {large} THEN {rules.OVERDUE_LARGE_POINTS}"
        f" WHEN b.facts_overdue_cents > 0 THEN {rules.OVERDUE_POINTS} ELSE 0 END"
        f" + b.facts_hits_new * {rules.LIST_HIT_NEW_POINTS}"
        f" + b.facts_hits_confirmed * {rules.LIST_HIT_CONFIRMED_POINTS}"
        f" + CASE WHEN b.registry_status <> '' THEN {rules.REGISTRY_INACTIVE_POINTS} ELSE 0 END"
        f" + CASE WHEN b.facts_lawsuits >= {rules.LAWSUITS_MANY}"
        f" THEN {rules.LAWSUITS_MANY_POINTS}"
        f" WHEN b.facts_lawsuits > 0 THEN {rules.LAWSUITS_FEW_POINTS} ELSE 0 END"
    )
    score = f"CASE WHEN {points} > {rules.MAX_SCORE} THEN {rules.MAX_SCORE} ELSE {points} END"
    level = (
        f"CASE WHEN {score} >= {rules.HIGH_FROM} THEN {_lit(rules.RiskLevel.HIGH)}"
        f" WHEN {score} >= {rules.MEDIUM_FROM} THEN {_lit(rules.RiskLevel.MEDIUM)}"
        f" ELSE {_lit(rules.RiskLevel.LOW)} END"
    )
    # Layer 2: score and level (computed for the rows returned only), next to the stored
    # assessment.
    sql = (
        f"SELECT b.*, {score} AS score, {level} AS level, ra.score AS old_score,"
        f" ra.level AS old_level"
        f" FROM ({base}) b LEFT JOIN {_table(RiskAssessment)} ra ON ra.account_id = b.account_id"
    )
    if changed_only:
        differs = " OR ".join(
            ["ra.account_id IS NULL", f"ra.rules_version <> {_lit(rules.RULES_VERSION)}"]
            + (["b.own_docs = 1"] if first_pass else [])
            + [f"ra.{c} <> b.{c}" for c in FACT_COLUMNS]
        )
        sql += f" WHERE {differs}"
    return sql, params


# The columns read back, in order.
OUT = (
    "account_id",
    "company_id",
    *(f"s_{i}" for i in range(len(rules.REQUIRED_DOCUMENTS))),
    *(f"latest_{i}" for i in range(len(rules.REQUIRED_DOCUMENTS))),
    "registry_status",
    "registry_as_of",
    *FACT_COLUMNS,
    "score",
    "level",
    "old_score",
    "old_level",
)


def _iso(value) -> str:
    return value if isinstance(value, str) else value.isoformat()


def _factors(row: dict, hits: list[tuple[str, str, int]]) -> list[dict]:
    """The explained factors of one fact row (``hits``: the company's open hits, by id)."""
    factors: list[dict] = []
    for i, doc_type in enumerate(rules.REQUIRED_DOCUMENTS):
        state = row[f"s_{i}"]
        if state is None:  # no document of any required type
            state = DOC_STATE_MISSING
        if state == DOC_STATE_MISSING:
            factors.append(_factor("doc_missing", rules.DOC_MISSING_POINTS, doc_type=doc_type))
        elif state == DOC_STATE_EXPIRED:
            factors.append(
                _factor(
                    "doc_expired",
                    rules.DOC_EXPIRED_POINTS,
                    doc_type=doc_type,
                    expires_on=_iso(row[f"latest_{i}"]),
                )
            )
    if row["facts_delay_due"]:
        delay = DelayRate(due=row["facts_delay_due"], late=row["facts_delay_late"])
        factors.append(
            _factor(
                "delay_rate",
                rules.DELAY_RATE_POINTS,
                late=delay.late,
                due=delay.due,
                rate_percent=str((delay.rate * 100).quantize(Decimal("0.1"))),
            )
        )
    cents = row["facts_overdue_cents"]
    if cents:
        owed = (Decimal(cents) / 100).quantize(Decimal("0.01"))
        points = rules.OVERDUE_LARGE_POINTS if owed >= rules.OVERDUE_LARGE else rules.OVERDUE_POINTS
        factors.append(_factor("overdue", points, amount=str(owed), currency="CNY"))
    for status, list_name, hit_id in hits:
        if status == HitStatus.CONFIRMED:
            code, points = "list_hit_confirmed", rules.LIST_HIT_CONFIRMED_POINTS
        else:
            code, points = "list_hit_new", rules.LIST_HIT_NEW_POINTS
        factors.append(_factor(code, points, list=list_name, hit_id=hit_id))
    if row["registry_status"]:
        factors.append(
            _factor(
                "registry_status",
                rules.REGISTRY_INACTIVE_POINTS,
                status=row["registry_status"],
                as_of=_iso(row["registry_as_of"]),
            )
        )
    lawsuits = row["facts_lawsuits"]
    if lawsuits:
        factors.append(
            _factor(
                "lawsuits",
                rules.lawsuit_points(lawsuits),
                count=lawsuits,
                as_of=_iso(row["registry_as_of"]),
            )
        )
    return factors


def _open_hits(rows: list[dict]) -> dict[int, list[tuple[str, str, int]]]:
    companies = {r["company_id"] for r in rows if r["facts_hits_new"] or r["facts_hits_confirmed"]}
    hits: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    if not companies:
        return hits
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
    return hits


def _no_jit(cur) -> None:
    """PostgreSQL would JIT-compile the statement's long CASE expressions, which costs more
    than running them (seconds at 100,000 accounts); off for this transaction only."""
    if connection.vendor == "postgresql":
        cur.execute("SET LOCAL jit = off")


def _whole_run_plan(cur) -> None:
    """The statement over all accounts, on PostgreSQL: merge joins only, 32 MB of sort
    memory. The company's facts are merged with the accounts in company order (through the
    accounts' company index), sorted by account once (in memory with 32 MB at 300,000
    accounts), then merged with sales' milestones (read through their account index, as the
    baseline aggregate reads them) and the stored facts (from their covering index) in
    account order. With hash joins allowed the planner hashes the big inputs instead, which
    measured 15–25 % slower at 300,000 accounts and spilled to disk at 1,000,000 with the
    default 4 MB ``work_mem`` (bench/RESULTS.md). For this transaction only; the per-chunk
    statements keep the defaults."""
    _no_jit(cur)
    if connection.vendor == "postgresql":
        cur.execute("SET LOCAL enable_hashjoin = off")
        cur.execute("SET LOCAL work_mem = '32MB'")


def _select(sql: str, params: list) -> list[dict]:
    with transaction.atomic(), connection.cursor() as cur:
        _no_jit(cur)
        cur.execute(f"SELECT {', '.join(OUT)} FROM ({sql}) x ORDER BY account_id", params)
        return [dict(zip(OUT, r, strict=True)) for r in cur.fetchall()]


def _scores(rows: list[dict]) -> dict[int, Score]:
    hits = _open_hits(rows)
    return {
        r["account_id"]: Score(
            score=r["score"], level=r["level"], factors=_factors(r, hits.get(r["company_id"], []))
        )
        for r in rows
    }


def score_accounts(account_ids: Iterable[int], today: dt.date) -> dict[int, Score]:
    """Each given account's score as of ``today`` (the same statement as the daily run)."""
    out: dict[int, Score] = {}
    ids = list(account_ids)
    for at in range(0, len(ids), ID_CHUNK):
        sql, params = _facts_sql(today, ids[at : at + ID_CHUNK], changed_only=False)
        out.update(_scores(_select(sql, params)))
    return out


def score_account(account: CustomerAccount, today: dt.date | None = None) -> Score:
    today = today or timezone.localdate()
    return score_accounts([account.pk], today)[account.pk]


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


ASSESSMENT_COLUMNS = (
    "account_id",
    "score",
    "level",
    "factors",
    "computed_at",
    "rules_version",
    *FACT_COLUMNS,
)
CHANGE_COLUMNS = (
    "account_id",
    "old_level",
    "new_level",
    "old_score",
    "new_score",
    "factors",
    "changed_at",
)


def _insert(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Plain executemany INSERT of already adapted values (bulk_create's per-object work was
    most of a first scoring's time)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {_table(model)} ({', '.join(quote(c) for c in columns)})"
        f" VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cur:
        for at in range(0, len(rows), 1000):
            cur.executemany(sql, rows[at : at + 1000])


def _store(rows: list[dict], now, result: RescoreResult) -> list[RiskChange]:
    """Write the new and changed assessments of these fact rows; history when score or level
    changed (an account never scored counts as low/0 before). Returns the level changes
    (unsaved RiskChange objects, for the alerts)."""
    scores = _scores(rows)
    at = connection.ops.adapt_datetimefield_value(now)
    json = RiskAssessment._meta.get_field("factors")
    assessments, replaced, history, level_changes = [], [], [], []
    for r in rows:
        account_id = r["account_id"]
        new = scores[account_id]
        factors = json.get_db_prep_save(new.factors, connection)
        assessments.append(
            (
                account_id,
                new.score,
                new.level,
                factors,
                at,
                rules.RULES_VERSION,
                *(r[c] for c in FACT_COLUMNS),
            )
        )
        if r["old_level"] is None:
            old_score, old_level = None, ""
            changed = new.level != rules.RiskLevel.LOW or new.score != 0
        else:
            replaced.append(account_id)
            old_score, old_level = r["old_score"], r["old_level"]
            changed = (old_score, old_level) != (new.score, new.level)
        if changed:
            history.append((account_id, old_level, new.level, old_score, new.score, factors, at))
            if (old_level or rules.RiskLevel.LOW) != new.level:  # never scored: was low
                level_changes.append(
                    RiskChange(
                        account_id=account_id,
                        old_level=old_level,
                        new_level=new.level,
                        old_score=old_score,
                        new_score=new.score,
                        factors=new.factors,
                        changed_at=now,
                    )
                )
    with transaction.atomic():
        # A changed assessment is replaced (nothing refers to it): one DELETE and one INSERT
        # are far cheaper than bulk_update's CASE per column.
        if replaced:
            RiskAssessment.objects.filter(account_id__in=replaced).delete()
        _insert(RiskAssessment, ASSESSMENT_COLUMNS, assessments)
        _insert(RiskChange, CHANGE_COLUMNS, history)
    result.created += len(assessments) - len(replaced)
    result.updated += len(replaced)
    result.changes += len(history)
    return level_changes


def _changed_rows(
    today: dt.date, ids: list[int] | None, total: int, batch: int
) -> Iterator[tuple[list[dict], int]]:
    """The fact rows that differ from the stored assessments, ``batch`` at a time, in id
    order, each with how many accounts are done once they are written. All accounts: one
    statement into a temporary table, read back by id ranges. A subset: one statement per
    chunk of ids."""
    if ids is not None:
        for at in range(0, len(ids), ID_CHUNK):
            chunk = ids[at : at + ID_CHUNK]
            rows = _select(*_facts_sql(today, chunk, changed_only=True))
            for b in range(0, len(rows), batch):
                yield rows[b : b + batch], at + (len(chunk) if b + batch >= len(rows) else 0)
            if not rows:
                yield [], at + len(chunk)
        return
    # All accounts: the statement keeps only the ids of the accounts that changed (a
    # temporary table of integers, however many); their fact rows are then read back a
    # chunk of ids at a time with the same statement restricted to those ids.
    sql, params = _facts_sql(today, None, changed_only=True)
    with transaction.atomic(), connection.cursor() as cur:
        _whole_run_plan(cur)
        cur.execute(f"DROP TABLE IF EXISTS {TEMP}")
        cur.execute(f"CREATE TEMPORARY TABLE {TEMP} AS SELECT account_id FROM ({sql}) x", params)
        cur.execute(f"SELECT COUNT(*) FROM {TEMP}")
        (count,) = cur.fetchone()
    done = total - count  # the unchanged ones
    try:
        if count > batch:
            with connection.cursor() as cur:
                cur.execute(f"CREATE INDEX {TEMP}_id ON {TEMP} (account_id)")
        last = 0
        while True:
            with connection.cursor() as cur:
                cur.execute(
                    f"SELECT account_id FROM {TEMP} WHERE account_id > %s"
                    " ORDER BY account_id LIMIT %s",
                    [last, batch],
                )
                chunk = [r[0] for r in cur.fetchall()]
            if not chunk:
                break
            last = chunk[-1]
            done += len(chunk)
            yield _select(*_facts_sql(today, chunk, changed_only=True)), done
    finally:
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {TEMP}")


def rescore(
    account_ids: Iterable[int] | None = None,
    *,
    today: dt.date | None = None,
    batch: int = BATCH,
    alert: bool = True,
    on_progress: Callable[..., None] | None = None,
) -> RescoreResult:
    """Score every account (or the given ones); write only what changed, keep score and level
    changes as history and alert on level changes."""
    today = today or timezone.localdate()
    now = timezone.now()
    result = RescoreResult()
    ids = None
    if account_ids is not None:
        ids = sorted(
            CustomerAccount.objects.filter(pk__in=list(account_ids)).values_list("pk", flat=True)
        )
        total = len(ids)
    else:
        total = CustomerAccount.objects.count()
    if on_progress:
        on_progress(0, total)
    for rows, done in _changed_rows(today, ids, total, batch):
        if rows:
            level_changes = _store(rows, now, result)
            result.level_changes += len(level_changes)
            if alert and level_changes:
                result.alerts += notify_level_changes(level_changes)
        if on_progress:
            on_progress(min(done, total), total)
    result.scored = total
    if on_progress:
        on_progress(total, total)
    return result
