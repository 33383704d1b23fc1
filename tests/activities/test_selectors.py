"""Scoped reads: keyset pages of the timelines, the kind filter, constant query counts and
the index the first page uses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from xinren.activities import selectors
from xinren.timeline.models import TimelineEvent

from .conftest import log

KINDS = ["interaction", "order", "payment", "contract", "document", "change"]


def _events(account, n: int, *, same_time: bool = False, company_level: bool = False) -> None:
    """``n`` events of mixed kinds; with ``same_time`` they all share one timestamp, so only
    the id orders them."""
    now = timezone.now().replace(microsecond=0)
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            company_id=account.company_id,
            account_id=None if company_level else account.pk,
            kind=KINDS[i % len(KINDS)],
            occurred_at=now if same_time else now - dt.timedelta(hours=i + 1),
            source="tests.event",
            source_id=i,
            title=f"事件{i}",
        )
        for i in range(n)
    )


def _walk(fetch, limit: int) -> list[int]:
    seen, cursor = [], None
    while True:
        page = fetch(cursor=cursor, limit=limit)
        seen.extend(e.pk for e in page.items)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


@pytest.mark.parametrize("same_time", [False, True])
def test_keyset_pages_cover_everything_once_in_order(rep, account, same_time):
    TimelineEvent.objects.all().delete()
    _events(account, 47, same_time=same_time)
    expected = list(
        TimelineEvent.objects.filter(account_id=account.pk)
        .order_by("-occurred_at", "-id")
        .values_list("id", flat=True)
    )

    def fetch(**kw):
        return selectors.account_timeline(rep, account, **kw)

    assert _walk(fetch, 10) == expected
    assert _walk(fetch, 7) == expected


def test_pages_stay_stable_while_new_events_arrive(rep, account):
    _events(account, 30)
    first = selectors.account_timeline(rep, account, limit=10)
    log(rep, account, subject="刚刚的拜访")  # newer than everything: must not shift page 2
    second = selectors.account_timeline(rep, account, cursor=first.next_cursor, limit=10)
    again = selectors.account_timeline(rep, account, cursor=first.next_cursor, limit=10)
    assert [e.pk for e in second.items] == [e.pk for e in again.items]
    assert not {e.pk for e in first.items} & {e.pk for e in second.items}
    assert second.items[0].occurred_at <= first.items[-1].occurred_at


def test_kind_filter(rep, account):
    _events(account, 24)
    page = selectors.account_timeline(rep, account, kind="order", limit=100)
    assert len(page.items) == 4 and {e.kind for e in page.items} == {"order"}
    company = selectors.company_timeline(rep, account.company, kind="contract", limit=100)
    assert {e.kind for e in company.items} == {"contract"}
    with pytest.raises(ValidationError) as err:
        selectors.account_timeline(rep, account, kind="gossip")
    assert "kind" in err.value.error_dict


def test_bad_cursors_are_field_errors(rep, account):
    # garbage, not base64 text, a bad time, a bad id, another list's cursor, padding games
    for cursor in ["x", "%%%", "dDphYmM6MQ", "dDoxOjA", "aWQ6MTI", "dDoxOjE=="]:
        with pytest.raises(ValidationError) as err:
            selectors.account_timeline(rep, account, cursor=cursor)
        assert err.value.error_dict["cursor"][0].code == "invalid_cursor"


def test_company_timeline_shows_company_events_and_visible_accounts_only(org, rep, account):
    from xinren.customers import services as customer_services

    other = factories.make_user(org.b_sales, "sales_rep", username="brep")
    theirs = customer_services.open_account(actor=other, company=account.company, owner=other)
    _events(account, 3)
    _events(account, 2, company_level=True)
    _events(theirs, 4)
    visible = selectors.company_timeline(rep, account.company, limit=200).items
    assert {e.account_id for e in visible} == {None, account.pk}
    assert theirs.pk in {
        e.account_id for e in selectors.company_timeline(other, account.company, limit=200).items
    }
    admin = factories.make_user(org.hq, "group_admin", username="gadmin")
    assert {
        e.account_id for e in selectors.company_timeline(admin, account.company, limit=200).items
    } == {
        None,
        account.pk,
        theirs.pk,
    }
    with pytest.raises(ObjectDoesNotExist):
        selectors.account_timeline(rep, theirs)


def test_empty_timeline_in_scope_is_empty_not_missing(rep, account):
    TimelineEvent.objects.all().delete()
    assert selectors.account_timeline(rep, account).items == []
    assert selectors.company_timeline(rep, account.company).items == []


@pytest.mark.parametrize("which", ["account", "company", "interactions"])
def test_query_count_is_the_same_for_10_and_200_events(rep, account, which):
    small = account
    big = factories.make_customer(rep, name="历史很长的客户有限公司")
    counts = []
    for target, n in ((small, 10), (big, 200)):
        _events(target, n)
        for i in range(3 if n == 10 else 30):
            log(rep, target, subject=f"回访{i}", kind="call")
        with CaptureQueriesContext(connection) as ctx:
            if which == "account":
                page = selectors.account_timeline(rep, target, limit=20)
            elif which == "company":
                page = selectors.company_timeline(rep, target.company, limit=20)
            else:
                page = selectors.account_interactions(rep, target, limit=20)
        counts.append(len(ctx))
        assert len(page.items) == (20 if n == 200 else len(page.items)) and page.items
    assert counts[0] == counts[1]
    if which != "interactions":
        assert counts[0] == 1  # the first page is one query, scope test included


def _plan(sql: str, params) -> str:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("EXPLAIN " + sql, params)
        else:
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row) for row in cur.fetchall())


@pytest.mark.parametrize(
    "which,index", [("account", "timeline_account"), ("company", "timeline_company")]
)
def test_first_page_reads_the_timeline_index(rep, account, which, index):
    """The page query, as the selector runs it, is answered from the timeline index (on
    PostgreSQL with sequential scans discouraged: a test table is too small for the planner
    to bother; bench/timeline.py checks the real plan on a filled database)."""
    _events(account, 50)
    with CaptureQueriesContext(connection) as ctx:
        if which == "account":
            selectors.account_timeline(rep, account)
        else:
            selectors.company_timeline(rep, account.company)
    assert len(ctx) == 1
    sql = ctx.captured_queries[0]["sql"]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("EXPLAIN " + sql)
        else:
            cur.execute("EXPLAIN QUERY PLAN " + sql)
        plan = "\n".join(str(row) for row in cur.fetchall())
    assert index in plan, plan
