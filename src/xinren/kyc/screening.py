"""Screening the golden master against the watch lists, set-based.

One pass is a handful of statements in one transaction, whatever the size of the master:

1. the current matches go into a temporary table with one ``INSERT … SELECT``:
   - by USCC: ``customers_company.uscc = kyc_listentry.uscc`` (both indexed);
   - by normalised name: ``quality_companykey.name_key = kyc_listentry.name_key`` (both
     indexed, both computed by :func:`xinren.standards.names.name_key`), only where the
     entry or the company has no USCC (two different codes are two legal entities, however
     alike their names; the key row says whether its company has one, ``has_uscc``, kept
     with the name key). These are flagged ``matched_by = name``: a reviewer confirms them.
   Only entries still listed (``removed_on`` empty) match.
2. one read over the open hits against the matches counts them and those no longer matched
   the same way. When there are none and the open hits are as many as the matches, every
   match is an open hit already (pairs are unique): nothing changed, nothing is written
   (the daily re-screen, normally). Otherwise:
   a. one pass over the open hits writes only those that change: no longer matched (entry
      removed, company renamed or re-coded) -> closed; matched another way (a customer
      given the USCC of a name match) -> the new way;
   b. closed hits matched again (an entry listed anew) are reopened as new;
   c. matches without a hit are inserted (``ON CONFLICT DO NOTHING``: two runs at once
      cannot insert one twice);
3. a full run (``screen_all``) is recorded as a :class:`~.models.ScreeningRun`, in the same
   transaction. It does not rewrite the open hits it found again: a hit's “last found” is
   the later of its ``last_seen`` and the start of the latest run while it was open
   (:func:`xinren.kyc.selectors.with_last_found`). New and reopened hits get the run's
   start as ``last_seen`` (an alert is keyed on it); one company screened alone
   (``screen_company``) writes its open hits' ``last_seen``. The run's start is taken
   once it holds the write lock, so no change committed after it is older than it.

``screen_all`` returns the counts and the ids of the NEW hits (inserted or reopened), which
:func:`notify_new_hits` turns into alerts for the account owners and the risk officers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xinren.customers.models import Company, CustomerAccount
from xinren.customers.selectors import visible_accounts
from xinren.notifications.models import Notification, NotificationKind
from xinren.notifications.services import channels_for, notification_for
from xinren.orgs.models import User
from xinren.quality.models import CompanyKey

from .models import HitStatus, ListEntry, ListHit, MatchedBy, ScreeningRun, ScreeningTrigger

RISK_OFFICER_ROLE = "risk_officer"
MATCH_TABLE = "kyc_screen_match"
STEPS = 5


@dataclass
class ScreeningResult:
    matches: int = 0  # current (company, entry) matches
    refreshed: int = 0  # open hits found again (the open hits before, less those closed)
    new: int = 0  # hits inserted or reopened
    closed: int = 0  # hits no longer matched
    new_hit_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "matches": self.matches,
            "refreshed": self.refreshed,
            "new": self.new,
            "closed": self.closed,
        }


def _match_sql(company_id: int | None) -> tuple[str, list]:
    """The current matches, in three disjoint parts, each scanning one narrow partial index
    of listed entries (see ``ListEntry.Meta.indexes``) and probing one covering index of the
    master: coded entries by USCC (the company's unique USCC); coded entries by name, among
    the customers without a USCC (``quality_key_name_uncoded``, a tenth of the master);
    uncoded entries by name (``quality_key_name``). SQLite is told the join order
    (``CROSS JOIN``): left to choose, it drives a name part from the master's side."""
    q = connection.ops.quote_name
    company, key, entry = (
        q(Company._meta.db_table),
        q(CompanyKey._meta.db_table),
        q(ListEntry._meta.db_table),
    )
    sqlite = connection.vendor == "sqlite"
    join = "CROSS JOIN"  # PostgreSQL still reorders it (join_collapse_limit)
    # SQLite would read uncoded entries through the plain USCC index (uscc = '') and then
    # every row of the table; the partial index holds all the part needs.
    uncoded = " INDEXED BY kyc_entry_listed_uncoded_name" if sqlite else ""
    listed = "e.removed_on IS NULL AND NOT (e.uscc = '')"

    def pair(master: str, entries: str) -> str:
        # The whole master: scan the listed entries, probe the master. One company: start
        # from its row and probe the entries (a scan of the list would cost as much as all).
        if company_id is None:
            return f"{entries} {join} {master}"
        return f"{master} {join} {entries}"

    one_c = " AND c.id = %s" if company_id is not None else ""
    one_k = " AND k.company_id = %s" if company_id is not None else ""
    coded_by_name, via = pair(f"{key} k", f"{entry} e"), ""
    if sqlite and company_id is None:
        # The two sides are two small sorted indexes (70,000 coded entries, 100,000 keys of
        # customers without a USCC at 1M): merged in one pass (MERGE (INTERSECT), which
        # needs the ORDER BY, and SQLite drops an ORDER BY of a subquery without a LIMIT),
        # then only the few common keys are looked up: cheaper than a probe per entry.
        coded_by_name = (
            f"(SELECT e.name_key FROM {entry} e WHERE {listed} INTERSECT"
            f" SELECT k.name_key FROM {key} k WHERE NOT k.has_uscc ORDER BY 1 LIMIT -1) x"
            f" {join} {entry} e {join} {key} k"
        )
        via = " AND e.name_key = x.name_key"
    sql = f"""
        SELECT c.id, e.id, '{MatchedBy.USCC.value}'
          FROM {pair(f"{company} c", f"{entry} e")}
         WHERE c.uscc = e.uscc AND {listed}{one_c}
        UNION ALL
        SELECT k.company_id, e.id, '{MatchedBy.NAME.value}'
          FROM {coded_by_name}
         WHERE k.name_key = e.name_key AND NOT k.has_uscc AND {listed}{via}{one_k}
        UNION ALL
        SELECT k.company_id, e.id, '{MatchedBy.NAME.value}'
          FROM {pair(f"{key} k", f"{entry} e{uncoded}")}
         WHERE k.name_key = e.name_key AND e.removed_on IS NULL AND e.uscc = ''{one_k}
    """
    params = [company_id] * 3 if company_id is not None else []
    return sql, params


def _screen(
    company_id: int | None,
    on_progress: Callable[..., None] | None = None,
    *,
    trigger: str = ScreeningTrigger.MANUAL,
    actor: User | None = None,
) -> ScreeningResult:
    result = ScreeningResult()
    hit = connection.ops.quote_name(ListHit._meta.db_table)
    match_sql, match_params = _match_sql(company_id)
    matched = (
        f"SELECT 1 FROM {MATCH_TABLE} m"
        f" WHERE m.company_id = {hit}.company_id AND m.entry_id = {hit}.entry_id"
    )
    only = f" AND {hit}.company_id = %s" if company_id is not None else ""
    only_h = " AND h.company_id = %s" if company_id is not None else ""
    only_params = [company_id] if company_id is not None else []

    def step(n: int, message: str) -> None:
        if on_progress is not None:
            on_progress(n, STEPS, message)

    reopened: list[int] = []
    inserted: list[int] = []
    with transaction.atomic(), connection.cursor() as cur:
        # The run's time is taken once it holds the write lock (SQLite: BEGIN IMMEDIATE): a
        # change committed before it is seen by it, one after it is later than it.
        now = timezone.now()
        at = connection.ops.adapt_datetimefield_value(now)
        if connection.vendor == "postgresql":
            # Compiling these few joins costs more than it saves (≈ 80 ms at 1M companies).
            cur.execute("SET LOCAL jit = off")
        cur.execute(f"DROP TABLE IF EXISTS {MATCH_TABLE}")
        if connection.vendor == "postgresql":
            # CREATE TABLE … AS may run the match in parallel workers (as the plain join does);
            # INSERT … SELECT never does.
            cur.execute(
                f"CREATE TEMPORARY TABLE {MATCH_TABLE} (company_id, entry_id, matched_by)"
                f" AS {match_sql}",
                match_params,
            )
            matches = cur.rowcount
            cur.execute(f"ALTER TABLE {MATCH_TABLE} ADD PRIMARY KEY (company_id, entry_id)")
        else:
            # One b-tree keyed by the pair, not a rowid table plus an index of it.
            cur.execute(
                f"CREATE TEMPORARY TABLE {MATCH_TABLE} (company_id bigint NOT NULL,"
                " entry_id bigint NOT NULL, matched_by varchar(4) NOT NULL,"
                " PRIMARY KEY (company_id, entry_id)) WITHOUT ROWID"
            )
            cur.execute(f"INSERT INTO {MATCH_TABLE} {match_sql}", match_params)
            matches = cur.rowcount
        result.matches = matches
        step(1, _("已找出 %(n)s 个匹配") % {"n": result.matches})
        # A read first: how many hits are open, and how many of them are not matched the
        # same way now. SQLite merges the two sorted sides (the open hits' index, the match
        # table's key) when told the order; PostgreSQL hashes them.
        merge = " ORDER BY 1, 2, 3 LIMIT -1" if connection.vendor == "sqlite" else ""
        cur.execute(
            f"SELECT (SELECT COUNT(*) FROM {hit} h WHERE h.closed_at IS NULL{only_h}),"
            " (SELECT COUNT(*) FROM (SELECT h.company_id, h.entry_id, h.matched_by"
            f" FROM {hit} h WHERE h.closed_at IS NULL{only_h} EXCEPT"
            f" SELECT m.company_id, m.entry_id, m.matched_by FROM {MATCH_TABLE} m{merge}) d)",
            only_params * 2,
        )
        open_hits, differ = cur.fetchone()
        # Every open hit matched the same way, and as many as the matches: the open hits are
        # the matches (each pair once on both sides). Nothing to close, reopen or insert.
        unchanged = differ == 0 and open_hits == matches
        if not unchanged:
            # One pass over the open hits, writing only the rows that change: no longer
            # matched -> closed; matched another way -> the new way.
            cur.execute(
                f"UPDATE {hit} SET closed_at = CASE WHEN x.how IS NULL THEN %s END,"
                f" matched_by = COALESCE(x.how, {hit}.matched_by)"
                f" FROM (SELECT h.id AS hit_id, m.matched_by AS how FROM {hit} h"
                f" LEFT JOIN {MATCH_TABLE} m ON m.company_id = h.company_id"
                " AND m.entry_id = h.entry_id"
                f" WHERE h.closed_at IS NULL{only_h}"
                " AND (m.matched_by IS NULL OR m.matched_by <> h.matched_by)) x"
                f" WHERE {hit}.id = x.hit_id RETURNING closed_at",
                [at, *only_params],
            )
            result.closed = sum(1 for (closed_at,) in cur.fetchall() if closed_at is not None)
        step(2, _("已解除 %(n)s 个命中") % {"n": result.closed})
        result.refreshed = open_hits - result.closed
        if company_id is not None:
            # One company screened alone: its open hits, all matched now, were found now. A
            # full run leaves them: its record says when (see the module text).
            cur.execute(
                f"UPDATE {hit} SET last_seen = %s WHERE closed_at IS NULL{only}",
                [at, *only_params],
            )
        step(3, _("已更新 %(n)s 个已有命中") % {"n": result.refreshed})
        if not unchanged:
            cur.execute(
                f"UPDATE {hit} SET closed_at = NULL, last_seen = %s, status = %s,"
                " decided_by_id = NULL, decided_at = NULL, note = '', matched_by = (SELECT"
                f" m.matched_by FROM {MATCH_TABLE} m WHERE m.company_id = {hit}.company_id"
                f" AND m.entry_id = {hit}.entry_id)"
                f" WHERE closed_at IS NOT NULL AND EXISTS ({matched}){only} RETURNING id",
                [at, HitStatus.NEW.value, *only_params],
            )
            reopened = [r[0] for r in cur.fetchall()]
        step(4, _("重新出现的命中 %(n)s 个") % {"n": len(reopened)})
        if not unchanged:
            cur.execute(
                f"INSERT INTO {hit} (company_id, entry_id, matched_by, first_seen, last_seen,"
                " status, note)"
                f" SELECT m.company_id, m.entry_id, m.matched_by, %s, %s, %s, ''"
                f" FROM {MATCH_TABLE} m WHERE NOT EXISTS (SELECT 1 FROM {hit} h"
                " WHERE h.company_id = m.company_id AND h.entry_id = m.entry_id)"
                " ON CONFLICT (company_id, entry_id) DO NOTHING RETURNING id",
                [at, at, HitStatus.NEW.value],
            )
            inserted = [r[0] for r in cur.fetchall()]
        # Dropped here on success; a failure rolls back, which removes it too.
        cur.execute(f"DROP TABLE IF EXISTS {MATCH_TABLE}")
        result.new_hit_ids = sorted(reopened + inserted)
        result.new = len(result.new_hit_ids)
        if company_id is None:
            ScreeningRun.objects.create(
                started_at=now,
                finished_at=timezone.now(),
                trigger=trigger,
                started_by=actor if actor is not None and actor.pk else None,
                **result.as_dict(),
            )
    step(5, _("新命中 %(n)s 个") % {"n": result.new})
    return result


def screen_all(
    on_progress: Callable[..., None] | None = None,
    *,
    trigger: str = ScreeningTrigger.MANUAL,
    actor: User | None = None,
) -> ScreeningResult:
    """Screen every company of the master against every list (see the module text) and
    record the run (``trigger``: what started it; ``actor``: who, if anyone). Not a user
    action: the caller (the re-screening job) has checked the right to start it."""
    if trigger not in ScreeningTrigger.values:
        raise ValueError(f"trigger: unknown value {trigger!r}")
    return _screen(None, on_progress, trigger=trigger, actor=actor)


def screen_company(company: Company) -> ScreeningResult:
    """Screen one company (its USCC and normalised name as stored now)."""
    return _screen(company.pk)


# --- alerts -----------------------------------------------------------------------------------
def _title(hit: dict) -> str:
    how = MatchedBy(hit["matched_by"]).label
    return _("%(customer)s 命中名单“%(list)s”（%(how)s）") % {
        "customer": hit["company__name"],
        "list": hit["entry__watch_list__name"],
        "how": how,
    }


def notify_new_hits(hit_ids: Iterable[int], batch: int = 1000) -> int:
    """Alert each new hit's account owners and the risk officers (users holding the built-in
    risk-officer role) who can see the account, each re-checked against their current data
    scope. One notification per user and hit occurrence; returns how many were offered."""
    ids = list(hit_ids)
    offered = 0
    officers = list(
        User.objects.filter(role__code=RISK_OFFICER_ROLE, is_active=True).select_related(
            "role", "org_unit"
        )
    )
    for start in range(0, len(ids), batch):
        offered += _notify_batch(ids[start : start + batch], officers)
    return offered


def _notify_batch(ids: list[int], officers: list[User]) -> int:
    hits = list(
        ListHit.objects.filter(pk__in=ids).values(
            "pk",
            "company_id",
            "company__name",
            "matched_by",
            "last_seen",
            "entry__watch_list__name",
        )
    )
    company_ids = {h["company_id"] for h in hits}
    accounts_of: dict[int, list[int]] = defaultdict(list)
    owners: set[int] = set()
    for pk, company_id, owner_id in CustomerAccount.objects.filter(
        company_id__in=company_ids
    ).values_list("pk", "company_id", "owner_id"):
        accounts_of[company_id].append(pk)
        if owner_id:
            owners.add(owner_id)
    account_ids = [a for accounts in accounts_of.values() for a in accounts]
    users = {u.pk: u for u in officers}
    for user in User.objects.filter(pk__in=owners - users.keys(), is_active=True).select_related(
        "role", "org_unit"
    ):
        users[user.pk] = user
    prefs = channels_for(set(users))
    now = timezone.now()
    rows = []
    for user in users.values():
        reachable = set(
            visible_accounts(user).filter(pk__in=account_ids).values_list("pk", flat=True)
        )
        if not reachable:
            continue
        in_app, email, digest = prefs(user.pk, NotificationKind.LIST_HIT)
        if not (in_app or email or digest):
            continue
        with translation.override(user.preferred_language or None):
            for hit in hits:
                account_id = next(
                    (a for a in accounts_of[hit["company_id"]] if a in reachable), None
                )
                if account_id is None:
                    continue
                rows.append(
                    notification_for(
                        user,
                        (in_app, email, digest),
                        now,
                        kind=NotificationKind.LIST_HIT,
                        event_key=f"list-hit:{hit['pk']}:{hit['last_seen']:%Y%m%d%H%M%S%f}",
                        company_id=hit["company_id"],
                        account_id=account_id,
                        title=_title(hit)[:255],
                        url=f"/kyc/hits/?company={hit['company_id']}",
                    )
                )
    with transaction.atomic():
        Notification.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)
