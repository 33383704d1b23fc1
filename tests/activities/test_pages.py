"""Pages: the timeline on the customer page, htmx fragments, the quick log form with inline
errors, next-step "done", edit with conflict, delete, scope, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from xinren.activities.models import Interaction
from xinren.timeline.models import TimelineEvent

from .conftest import log

HX = {"HX-Request": "true"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(account, **overrides):
    data = {
        "log-account": account.pk,
        "log-kind": "visit",
        "log-occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "log-subject": "拜访采购负责人",
        "log-summary": "确认了明年的采购计划。",
    }
    data.update(overrides)
    return data


def test_customer_page_shows_the_timeline_and_the_quick_form(rep, account, contact):
    log(
        rep,
        account,
        subject="季度业务回顾",
        occurred_at=timezone.now() - dt.timedelta(days=3),
        logged_at=timezone.now(),
    )
    log(
        rep,
        account,
        subject="寄送样品",
        kind="call",
        next_step="确认样品",
        next_step_due=timezone.localdate(),
    )
    page = _client(rep).get(f"/customers/{account.company_id}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="timeline-section"' in html and 'data-testid="log-form"' in html
    assert "拜访：季度业务回顾" in html and "补录超时" in html  # logged three days later
    assert 'data-testid="done"' in html  # the open next step has its button
    assert 'value="visit"' in html and "checked" in html  # visit is the default kind
    assert "张经理" in html  # contacts as checkboxes
    assert 'data-kind="order"' in html  # kind chips


def test_timeline_fragments_filter_and_scroll(rep, account):
    for i in range(25):
        log(
            rep,
            account,
            kind="call",
            subject=f"电话{i}",
            occurred_at=timezone.now() - dt.timedelta(hours=i + 1),
        )
    client = _client(rep)
    body = client.get(f"/customers/{account.company_id}/timeline/?kind=interaction", headers=HX)
    html = body.content.decode()
    assert body.status_code == 200 and 'id="timeline-body"' in html and "<html" not in html
    assert html.count('data-testid="timeline-event"') == 20
    assert 'hx-trigger="revealed"' in html
    cursor = html.split("cursor=")[1].split("&")[0].split('"')[0]
    more = client.get(
        f"/customers/{account.company_id}/timeline/?cursor={cursor}&kind=interaction", headers=HX
    ).content.decode()
    assert more.count('data-testid="timeline-event"') == 5 and 'id="timeline-body"' not in more
    changes = client.get(
        f"/accounts/{account.pk}/timeline/?kind=change", headers=HX
    ).content.decode()
    assert (
        'data-kind="change"' in changes
        and 'data-kind="interaction"' not in changes.split("timeline-list")[1]
    )
    assert (
        client.get(f"/customers/{account.company_id}/timeline/?cursor=bad", headers=HX).status_code
        == 400
    )


def test_account_timeline_page(rep, account):
    log(rep, account, subject="年度合作洽谈")
    page = _client(rep).get(f"/accounts/{account.pk}/timeline/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "年度合作洽谈" in html and account.archive_no in html and 'name="only_account"' in html


def test_quick_log_htmx_saves_and_refreshes_the_section(rep, account, contact):
    response = _client(rep).post(
        f"/customers/{account.company_id}/interactions/new/",
        _form(account, **{"log-contacts": [contact.pk]}),
        headers=HX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="log-saved"' in html
    assert "拜访采购负责人" in html
    interaction = Interaction.objects.get()
    assert interaction.kind == "visit" and list(interaction.contacts.all()) == [contact]
    assert TimelineEvent.objects.filter(source="activities.interaction").count() == 1


@pytest.mark.parametrize(
    "overrides,field,text",
    [
        ({"log-subject": ""}, "subject", "必填"),
        ({"log-occurred_at": "2999-01-01T10:00"}, "occurred_at", "不能晚于现在"),
        ({"log-next_step": "回访"}, "next_step_due", "截止日期"),
        ({"log-kind": "fax"}, "kind", "fax"),
    ],
)
def test_quick_log_errors_are_inline_and_store_nothing(rep, account, overrides, field, text):
    client = _client(rep)
    response = client.post(
        f"/customers/{account.company_id}/interactions/new/",
        _form(account, **overrides),
        headers=HX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-field="{field}"' in html and text in html
    assert not Interaction.objects.exists()
    # without htmx, the same errors on a full page
    plain = client.post(
        f"/customers/{account.company_id}/interactions/new/", _form(account, **overrides)
    )
    assert plain.status_code == 422 and f'data-field="{field}"' in plain.content.decode()


def test_contact_of_another_company_is_an_inline_error(rep, account):
    from xinren.customers import services as customer_services

    other = factories.make_customer(rep, name="成都锦江物流有限公司")
    stranger = customer_services.create_contact(
        actor=rep, company=other.company, data={"name": "外人", "decision_role": "user"}
    )
    response = _client(rep).post(
        f"/customers/{account.company_id}/interactions/new/",
        _form(account, **{"log-contacts": [stranger.pk]}),
        headers=HX,
    )
    assert 'data-field="contacts"' in response.content.decode()
    assert not Interaction.objects.exists()


def test_plain_post_redirects_back(rep, account):
    response = _client(rep).post(
        f"/customers/{account.company_id}/interactions/new/", _form(account)
    )
    assert (
        response.status_code == 302 and response["Location"] == f"/customers/{account.company_id}/"
    )


def test_done_button(rep, account):
    todo = log(rep, account, next_step="发送报价单", next_step_due=timezone.localdate())
    client = _client(rep)
    done = client.post(f"/interactions/{todo.pk}/done/", {"version": 1}, headers=HX)
    assert 'data-testid="next-step-done"' in done.content.decode()
    again = client.post(f"/interactions/{todo.pk}/done/", {"version": 1}, headers=HX)
    assert "已经完成" in again.content.decode()
    stale = log(rep, account, next_step="回访", next_step_due=timezone.localdate())
    conflict = client.post(f"/interactions/{stale.pk}/done/", {"version": 7}, headers=HX)
    assert "已被他人修改" in conflict.content.decode()
    assert not Interaction.objects.get(pk=stale.pk).next_step_done


def test_edit_conflict_and_delete(org, rep, account):
    interaction = log(rep, account, subject="原主题")
    client = _client(rep)
    page = client.get(f"/interactions/{interaction.pk}/edit/")
    assert page.status_code == 200 and "原主题" in page.content.decode()
    data = {
        "kind": "meeting",
        "occurred_at": timezone.localtime(interaction.occurred_at).strftime("%Y-%m-%dT%H:%M"),
        "subject": "新主题",
        "version": 1,
    }
    assert client.post(f"/interactions/{interaction.pk}/edit/", data).status_code == 302
    stale = client.post(f"/interactions/{interaction.pk}/edit/", {**data, "subject": "覆盖"})
    assert stale.status_code == 409
    assert Interaction.objects.get().subject == "新主题"
    assert client.post(f"/interactions/{interaction.pk}/delete/").status_code == 403
    head = factories.make_user(org.a_sales, "department_head", username="head")
    assert _client(head).post(f"/interactions/{interaction.pk}/delete/").status_code == 302
    assert not Interaction.objects.exists()


def test_out_of_scope_pages_are_not_found(org, rep, account):
    interaction = log(rep, account)
    outsider = _client(factories.make_user(org.b_sales, "sales_rep", username="outsider"))
    for url in [
        f"/customers/{account.company_id}/timeline/",
        f"/accounts/{account.pk}/timeline/",
        f"/interactions/{interaction.pk}/edit/",
    ]:
        assert outsider.get(url).status_code == 404, url
    for url in [
        f"/customers/{account.company_id}/interactions/new/",
        f"/interactions/{interaction.pk}/done/",
        f"/interactions/{interaction.pk}/delete/",
    ]:
        assert outsider.post(url, _form(account)).status_code == 404, url
    assert Interaction.objects.count() == 1


def test_english(rep, account):
    log(
        rep,
        account,
        subject="季度业务回顾",
        occurred_at=timezone.now() - dt.timedelta(days=2),
        logged_at=timezone.now(),
    )
    client = _client(rep)
    html = client.get(
        f"/customers/{account.company_id}/", headers={"Accept-Language": "en"}
    ).content.decode()
    assert "Log a visit" in html and "Logged late" in html and "Timeline" in html


@pytest.mark.parametrize("where", ["customer", "account"])
def test_page_query_count_does_not_grow_with_the_history(rep, account, contact, where):
    client = _client(rep)
    url = (
        f"/customers/{account.company_id}/"
        if where == "customer"
        else f"/accounts/{account.pk}/timeline/"
    )
    log(rep, account, contacts=[contact.pk], next_step="回访", next_step_due=timezone.localdate())
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(30):
        log(
            rep,
            account,
            contacts=[contact.pk],
            subject=f"回访{i}",
            next_step="回访",
            next_step_due=timezone.localdate(),
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) <= len(few)
