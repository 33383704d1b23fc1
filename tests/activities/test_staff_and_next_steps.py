"""Naming colleagues on a logged interaction (the staff picker and its rule), and the
"我的跟进事项 / My next steps" page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from xinren.activities import selectors, services
from xinren.activities.models import Interaction
from xinren.customers import services as customer_services

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
    }
    data.update(overrides)
    return data


# --- staff -------------------------------------------------------------------------------------
def test_staff_from_another_subsidiary_is_refused(org, rep, account):
    stranger = factories.make_user(org.b_sales, "sales_rep", username="south", full_name="南方")
    with pytest.raises(ValidationError) as err:
        log(rep, account, staff=[rep, stranger])
    assert err.value.error_dict["staff"][0].code == "other_business_unit"
    assert "南方" in err.value.error_dict["staff"][0].messages[0]
    assert not Interaction.objects.exists()


def test_actor_from_group_level_may_log_and_stays_on_edit(org, rep, account):
    boss = factories.make_user(org.hq_office, "group_admin", username="boss")
    mate = factories.make_user(org.a_service, "service_agent", username="mate")
    interaction = log(boss, account, staff=[boss, mate])
    assert set(interaction.staff.all()) == {boss, mate}
    # a colleague of the subsidiary edits it later: the group-level participant stays
    services.update_interaction(
        actor=rep, interaction=interaction, data={"staff": [boss.pk, rep.pk]}, expected_version=1
    )
    assert set(interaction.staff.all()) == {boss, rep}


def test_candidates_are_the_actor_then_the_subsidiarys_active_users(org, rep, account):
    mate = factories.make_user(org.a_east, "sales_rep", username="mate")
    gone = factories.make_user(org.a_sales, "sales_rep", username="gone")
    gone.is_active = False
    gone.save()
    south = factories.make_user(org.b_sales, "sales_rep", username="south")
    boss = factories.make_user(org.hq_office, "group_admin", username="boss")
    assert selectors.staff_candidates(rep, [account])[0] == rep
    got = set(selectors.staff_candidates(boss, [account]))
    assert boss in got and rep in got and mate in got
    assert gone not in got and south not in got


def test_quick_log_form_offers_colleagues_and_saves_them(org, rep, account):
    mate = factories.make_user(org.a_sales, "sales_rep", username="mate", full_name="赵同事")
    client = _client(rep)
    page = client.get(f"/accounts/{account.pk}/timeline/").content.decode()
    assert 'data-testid="staff"' in page and "赵同事" in page
    # the actor is ticked by default, the colleague not
    picker = page.split('data-testid="staff"')[1].split("</fieldset>")[0]
    boxes = dict(
        re.findall(r'<input type="checkbox" name="log-staff" value="(\d+)"([^>]*)>', picker)
    )
    assert "checked" in boxes[str(rep.pk)] and "checked" not in boxes[str(mate.pk)]
    ok = client.post(
        f"/customers/{account.company_id}/interactions/new/",
        _form(account, **{"log-staff": [rep.pk, mate.pk]}),
        headers=HX,
    )
    assert ok.status_code == 200
    assert set(Interaction.objects.get().staff.all()) == {rep, mate}


def test_quick_log_without_staff_means_the_actor(rep, account):
    _client(rep).post(f"/customers/{account.company_id}/interactions/new/", _form(account))
    assert list(Interaction.objects.get().staff.all()) == [rep]


def test_quick_log_staff_outside_is_an_inline_error(org, rep, account):
    south = factories.make_user(org.b_sales, "sales_rep", username="south")
    res = _client(rep).post(
        f"/customers/{account.company_id}/interactions/new/",
        _form(account, **{"log-staff": [south.pk]}),
        headers=HX,
    )
    html = res.content.decode()
    assert res.status_code in (200, 422)
    assert 'data-field="staff"' in html or "选择一个有效的选项" in html or "Select a valid" in html
    assert not Interaction.objects.exists()


def test_edit_page_keeps_staff(org, rep, account):
    mate = factories.make_user(org.a_sales, "sales_rep", username="mate", full_name="赵同事")
    interaction = log(rep, account, staff=[rep, mate])
    client = _client(rep)
    page = client.get(f"/interactions/{interaction.pk}/edit/").content.decode()
    assert 'data-testid="staff"' in page and "赵同事" in page
    form = {
        "kind": "visit",
        "occurred_at": timezone.localtime(interaction.occurred_at).strftime("%Y-%m-%dT%H:%M"),
        "subject": interaction.subject,
        "staff": [mate.pk],
        "version": "1",
    }
    assert client.post(f"/interactions/{interaction.pk}/edit/", form).status_code == 302
    assert list(interaction.staff.all()) == [mate]


# --- my next steps ----------------------------------------------------------------------------
@pytest.fixture
def steps(org, rep, account):
    """Open next steps in every relation to ``rep``: own account (overdue and later), an
    account rep serves, one rep took part in, one of a colleague rep does not serve, and one
    already done."""
    today = timezone.localdate()
    before = timezone.now() - dt.timedelta(days=20)
    mate = factories.make_user(org.a_sales, "sales_rep", username="mate")
    head = factories.make_user(org.a_sales, "department_head", username="head")
    served = factories.make_customer(mate, name="宁波海港物流有限公司")
    customer_services.set_service_team(actor=head, account=served, members=[rep])
    other = factories.make_customer(mate, name="温州鞋业有限公司")
    out = {
        "overdue": log(rep, account, subject="a", occurred_at=before, next_step="催款",
                       next_step_due=today - dt.timedelta(days=5)),
        "later": log(rep, account, subject="b", next_step="送样", next_step_due=today
                     + dt.timedelta(days=3)),
        "served": log(mate, served, subject="c", next_step="回访", next_step_due=today),
        "not_mine": log(mate, other, subject="d", next_step="报价", next_step_due=today),
    }  # fmt: skip
    done = log(rep, account, subject="e", next_step="已办", next_step_due=today)
    services.complete_next_step(actor=rep, interaction=done)
    out["done"] = done
    return out


def test_my_next_steps_lists_mine_due_first(rep, steps):
    page = selectors.next_steps_page(rep, after=None)
    assert [i.next_step for i in page.items] == ["催款", "回访", "送样"]


def test_my_next_steps_page_pages_and_highlights(rep, steps):
    client = _client(rep)
    html = client.get("/me/next-steps/").content.decode()
    assert html.count('data-testid="my-step"') == 3
    assert 'data-overdue="1"' in html and "list-group-item-danger" in html
    assert "报价" not in html and "已办" not in html
    page = selectors.next_steps_page(rep, after=None, limit=2)
    assert page.next_cursor
    rest = selectors.next_steps_page(rep, after=page.next_cursor, limit=2)
    assert [i.next_step for i in page.items + rest.items] == ["催款", "回访", "送样"]
    assert client.get("/me/next-steps/?after=junk").status_code == 200


def test_done_from_my_next_steps(rep, steps):
    i = steps["overdue"]
    res = _client(rep).post(f"/interactions/{i.pk}/done/", {"version": i.version}, headers=HX)
    assert res.status_code == 200 and 'data-testid="next-step-done"' in res.content.decode()
    assert [s.next_step for s in selectors.next_steps_page(rep, after=None).items] == [
        "回访",
        "送样",
    ]


def test_my_next_steps_respects_scope(org, rep, steps):
    """Taking part in an interaction of an account outside one's scope (a colleague's, with
    "own" scope) does not show its next step: scope decides first."""
    mate = steps["not_mine"].account.owner
    log(mate, steps["not_mine"].account, subject="f", staff=[mate, rep], next_step="外部",
        next_step_due=timezone.localdate())  # fmt: skip
    assert "外部" not in [i.next_step for i in selectors.next_steps_page(rep, after=None).items]
    head = factories.make_user(org.a_sales, "department_head", username="head2")
    log(head, steps["not_mine"].account, subject="g", staff=[head], next_step="部门",
        next_step_due=timezone.localdate())  # fmt: skip
    assert "部门" in [i.next_step for i in selectors.next_steps_page(head, after=None).items]


def test_my_next_steps_queries_do_not_grow(rep, account):
    client = _client(rep)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/me/next-steps/").status_code == 200
        return len(ctx.captured_queries)

    log(rep, account, subject="x", next_step="一", next_step_due=timezone.localdate())
    few = count()
    for n in range(6):
        log(rep, account, subject=f"y{n}", next_step="多", next_step_due=timezone.localdate())
    assert count() <= few


def test_api_staff_from_another_subsidiary_is_422(org, rep, account):
    from tests.apis.conftest import ApiClient, errors_of
    from xinren.orgs.auth import issue_token

    south = factories.make_user(org.b_sales, "sales_rep", username="south")
    mate = factories.make_user(org.a_service, "service_agent", username="mate")
    api = ApiClient(issue_token(rep)[0])
    api.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    bad = api.post(
        f"/accounts/{account.pk}/interactions", {"subject": "x", "staff_ids": [south.pk]}
    )
    assert bad.status_code == 422
    assert ("staff_ids", "other_business_unit") in errors_of(bad)
    assert "colleagues in this account's subsidiary" in bad.content.decode()
    assert not Interaction.objects.exists()
    ok = api.post(
        f"/accounts/{account.pk}/interactions", {"subject": "x", "staff_ids": [rep.pk, mate.pk]}
    )
    assert ok.status_code == 201 and sorted(ok.json()["staff_ids"]) == sorted([rep.pk, mate.pk])
