"""Interaction and timeline endpoints: CRUD, errors that name field and rule, 404 outside
scope, keyset pages and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tests.apis.conftest import ApiClient, errors_of
from xinren.activities.models import Interaction
from xinren.orgs.auth import issue_token
from xinren.timeline.models import TimelineEvent

from .conftest import log


def _api(user) -> ApiClient:
    return ApiClient(issue_token(user)[0])


def _ago(**delta) -> str:
    return (timezone.now() - dt.timedelta(**delta)).isoformat()


def test_crud(org, rep, account, contact):
    api = _api(rep)
    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    created = api.post(
        f"/accounts/{account.pk}/interactions",
        {
            "occurred_at": _ago(hours=30),
            "subject": "拜访采购负责人",
            "contact_ids": [contact.pk],
            "next_step": "发送报价单",
            "next_step_due": due,
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["kind"] == "visit" and body["late"] is True
    assert body["staff_ids"] == [rep.pk] and body["contact_ids"] == [contact.pk]
    pk = body["id"]
    assert api.get(f"/interactions/{pk}").json()["subject"] == "拜访采购负责人"
    listed = api.get(f"/accounts/{account.pk}/interactions").json()
    assert [i["id"] for i in listed["items"]] == [pk] and listed["next_cursor"] is None
    patched = api.patch(f"/interactions/{pk}", {"version": 1, "summary": "已确认需求"})
    assert patched.status_code == 200 and patched.json()["version"] == 2
    stale = api.patch(f"/interactions/{pk}", {"version": 1, "summary": "覆盖"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert ("version", "conflict") in errors_of(stale)
    done = api.post(f"/interactions/{pk}/complete-next-step", {"version": 2})
    assert done.status_code == 200 and done.json()["next_step_done"] is True
    again = api.post(f"/interactions/{pk}/complete-next-step")
    assert again.status_code == 422 and ("next_step_done", "already_done") in errors_of(again)
    assert api.delete(f"/interactions/{pk}").status_code == 403  # reps may not delete
    head = factories.make_user(org.a_sales, "department_head", username="head")
    assert _api(head).delete(f"/interactions/{pk}").status_code == 204
    assert not Interaction.objects.exists()
    assert api.get(f"/interactions/{pk}").status_code == 404


@pytest.mark.parametrize(
    "body,field,rule",
    [
        ({"subject": "x", "occurred_at": "2999-01-01T10:00:00+08:00"}, "occurred_at", "future"),
        ({"subject": ""}, "subject", "required"),
        ({"subject": "x", "kind": "fax"}, "kind", "literal_error"),
        ({"subject": "x", "next_step": "回访"}, "next_step_due", "required"),
        ({"subject": "x", "staff_ids": [999999]}, "staff_ids", "inactive_or_unknown"),
        ({"subject": "x", "contact_ids": [999999]}, "contact_ids", "other_company"),
        ({"subject": "x", "occurred_at": "yesterday"}, "occurred_at", "datetime_from_date_parsing"),
    ],
)
def test_errors_name_field_and_rule_and_store_nothing(rep, account, body, field, rule):
    response = _api(rep).post(f"/accounts/{account.pk}/interactions", body)
    assert response.status_code == 422
    assert (field, rule) in errors_of(response), response.json()
    assert not Interaction.objects.exists()


def test_errors_in_english(rep, account):
    api = _api(rep)
    api.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = api.post(
        f"/accounts/{account.pk}/interactions", {"subject": "x", "occurred_at": _ago(days=-1)}
    )
    assert response.status_code == 422
    assert "future" in response.json()["errors"][0]["message"]


def test_out_of_scope_is_not_found(org, rep, account):
    interaction = log(rep, account)
    outsider = _api(factories.make_user(org.b_sales, "sales_rep", username="outsider"))
    assert outsider.get(f"/accounts/{account.pk}/interactions").status_code == 404
    assert (
        outsider.post(f"/accounts/{account.pk}/interactions", {"subject": "x"}).status_code == 404
    )
    assert outsider.get(f"/interactions/{interaction.pk}").status_code == 404
    assert outsider.patch(f"/interactions/{interaction.pk}", {"version": 1}).status_code == 404
    assert outsider.delete(f"/interactions/{interaction.pk}").status_code == 404
    assert outsider.post(f"/interactions/{interaction.pk}/complete-next-step").status_code == 404
    assert outsider.get(f"/accounts/{account.pk}/timeline").status_code == 404
    assert outsider.get(f"/companies/{account.company_id}/timeline").status_code == 404
    assert outsider.get("/accounts/999999/timeline").status_code == 404


def test_timelines_page_filter_and_stay_scoped(org, rep, account):
    for i in range(5):
        log(
            rep,
            account,
            kind="call",
            subject=f"电话{i}",
            occurred_at=timezone.now() - dt.timedelta(hours=i + 1),
        )
    api = _api(rep)
    first = api.get(f"/accounts/{account.pk}/timeline", limit=3).json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    rest = api.get(f"/accounts/{account.pk}/timeline", limit=3, cursor=first["next_cursor"]).json()
    titles = [e["title"] for e in first["items"] + rest["items"]]
    assert titles[0].startswith("创建")  # opening the account is the newest event
    assert titles[1:6] == [f"电话：电话{i}" for i in range(5)]
    only = api.get(f"/accounts/{account.pk}/timeline", kind="interaction").json()["items"]
    assert {e["kind"] for e in only} == {"interaction"} and len(only) == 5
    assert only[0]["actor_name"] == "李销售" and only[0]["detail"]["kind"] == "call"
    company = api.get(f"/companies/{account.company_id}/timeline", limit=200).json()["items"]
    assert {e["kind"] for e in company} == {"interaction", "change"}
    bad = api.get(f"/accounts/{account.pk}/timeline", cursor="garbage")
    assert bad.status_code == 422 and ("cursor", "invalid_cursor") in errors_of(bad)
    assert api.get(f"/accounts/{account.pk}/timeline", kind="nope").status_code == 422


def test_company_timeline_hides_other_subsidiaries_accounts(org, rep, account):
    other_rep = factories.make_user(org.b_sales, "sales_rep", username="brep")
    from xinren.customers import services as customer_services

    theirs = customer_services.open_account(
        actor=other_rep, company=account.company, owner=other_rep
    )
    log(other_rep, theirs, subject="华南的拜访")
    log(rep, account, subject="华东的拜访")
    mine = _api(rep).get(f"/companies/{account.company_id}/timeline", limit=200).json()["items"]
    assert all(e["account_id"] in (None, account.pk) for e in mine)
    assert "拜访：华东的拜访" in [e["title"] for e in mine]
    assert "拜访：华南的拜访" not in [e["title"] for e in mine]
    assert TimelineEvent.objects.filter(account_id=theirs.pk, kind="interaction").exists()


@pytest.mark.parametrize(
    "path", ["/accounts/{a}/interactions", "/accounts/{a}/timeline", "/companies/{c}/timeline"]
)
def test_list_query_count_does_not_grow_with_rows(rep, account, contact, path):
    api = _api(rep)
    url = path.format(a=account.pk, c=account.company_id)
    log(rep, account, contacts=[contact.pk])
    with CaptureQueriesContext(connection) as few:
        assert api.get(url).status_code == 200
    for i in range(30):
        log(rep, account, contacts=[contact.pk], subject=f"回访{i}")
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(url, limit=50).json()["items"]) > 20
    assert len(many) <= len(few)
