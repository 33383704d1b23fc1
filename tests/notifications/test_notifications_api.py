"""API and pages of the notification centre, preferences and reminder settings."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.apis.conftest import ApiClient
from xinren.notifications import reminders
from xinren.notifications.models import Notification, ReminderSettings
from xinren.orgs.auth import issue_token

from .helpers import visit_due

TODAY = date(2026, 11, 20)


def _api(user) -> ApiClient:
    return ApiClient(issue_token(user)[0])


def _many(user, n: int) -> list[Notification]:
    return Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind="visit_due",
                event_key=f"k{i}",
                title=f"通知{i}",
                url="/customers/1/",
            )
            for i in range(n)
        ]
    )


@pytest.mark.django_db
def test_list_pages_and_marks_read(rep, agent, account, django_assert_max_num_queries):
    _many(rep, 7)
    _many(agent, 2)
    api = _api(rep)
    with django_assert_max_num_queries(6):
        first = api.get("/notifications", limit=5).json()
    assert len(first["items"]) == 5 and first["unread"] == 7 and first["next_cursor"]
    second = api.get("/notifications", limit=5, cursor=first["next_cursor"]).json()
    assert len(second["items"]) == 2 and second["next_cursor"] is None
    ids = [n["id"] for n in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True)
    assert set(ids) == set(Notification.objects.filter(recipient=rep).values_list("pk", flat=True))
    read = api.post(f"/notifications/{ids[0]}/read")
    assert read.status_code == 200 and read.json()["read_at"]
    assert api.get("/notifications", unread="true").json()["unread"] == 6
    assert api.post("/notifications/read-all").json() == {"marked": 6}
    assert api.get("/notifications").json()["unread"] == 0
    # the agent's notifications stay unread and out of reach
    other = Notification.objects.filter(recipient=agent).first()
    assert api.post(f"/notifications/{other.pk}/read").status_code == 404
    assert Notification.objects.filter(recipient=agent, read_at__isnull=True).count() == 2
    assert api.get("/notifications", cursor="garbage").status_code == 422


@pytest.mark.django_db
def test_preferences_api(rep):
    api = _api(rep)
    got = api.get("/me/notification-preferences").json()
    assert {p["kind"] for p in got} >= {"renewal_due", "payment_overdue", "late_log"}
    assert all(p["in_app"] and p["email"] and p["digest"] for p in got)
    put = api.put("/me/notification-preferences", [{"kind": "visit_due", "email": False}])
    assert put.status_code == 200
    visit = next(p for p in put.json() if p["kind"] == "visit_due")
    assert visit["email"] is False and visit["in_app"] is True
    bad = api.put("/me/notification-preferences", [{"kind": "nope", "email": False}])
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kind"


@pytest.mark.django_db
def test_reminder_settings_api(org, rep):
    admin = factories.make_user(org.sub_a, "subsidiary_admin", username="aadmin")
    api = _api(admin)
    url = f"/business-units/{org.sub_a.pk}/reminder-settings"
    assert api.get(url).json() == {
        "business_unit_id": org.sub_a.pk,
        "renewal_days_before": 30,
        "payment_days_before": 3,
        "version": 1,
    }
    ok = api.put(url, {"renewal_days_before": 45})
    assert ok.status_code == 200 and ok.json()["renewal_days_before"] == 45
    ok2 = api.put(url, {"payment_days_before": 5, "version": 1})
    assert ok2.status_code == 200 and ok2.json()["version"] == 2
    assert api.put(url, {"payment_days_before": 6, "version": 1}).status_code == 409
    bad = api.put(url, {"payment_days_before": 91})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "payment_days_before"
    assert ReminderSettings.objects.get().payment_days_before == 5
    # other subsidiary: not found; a rep: no configure right
    assert api.get(f"/business-units/{org.sub_b.pk}/reminder-settings").status_code == 404
    assert _api(rep).put(url, {"payment_days_before": 1}).status_code in (403, 404)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_pages(rep, agent, account, django_assert_max_num_queries):
    visit_due(account, TODAY)
    reminders.run_scan(today=TODAY)
    _many(rep, 30)
    client = _client(rep)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("web:notifications"))
    html = page.content.decode()
    assert page.status_code == 200 and "杭州云启" not in html  # newest 20 are the bulk ones
    assert 'data-testid="notification-badge"' in html and 'data-unread="31"' in html
    rest = client.get(
        reverse("web:notifications"),
        {"before": page.context["more"]},
        headers={"HX-Request": "true"},
    )
    assert "杭州云启" in rest.content.decode()
    reminder = Notification.objects.get(recipient=rep, event_key__startswith="visit:")
    opened = client.post(reverse("web:notification-read", args=[reminder.pk]), {"open": "1"})
    assert opened.status_code == 302 and opened.url == f"/customers/{account.company_id}/"
    other = Notification.objects.get(recipient=agent)
    assert client.post(reverse("web:notification-read", args=[other.pk])).status_code == 404
    client.post(reverse("web:notification-read-all"))
    assert not Notification.objects.filter(recipient=rep, read_at__isnull=True).exists()
    badge = client.get(reverse("web:notification-badge")).content.decode()
    assert "data-unread" not in badge


@pytest.mark.django_db
def test_preferences_page(rep):
    client = _client(rep)
    assert client.get(reverse("web:notification-preferences")).status_code == 200
    data = {f"{k}__{c}": "on" for k in ["visit_due"] for c in ["in_app", "digest"]}
    assert client.post(reverse("web:notification-preferences"), data).status_code == 302
    from xinren.notifications.selectors import preferences_of

    visit = next(p for p in preferences_of(rep) if p["kind"] == "visit_due")
    assert (visit["in_app"], visit["email"], visit["digest"]) == (True, False, True)
    renewal = next(p for p in preferences_of(rep) if p["kind"] == "renewal_due")
    assert (renewal["in_app"], renewal["email"]) == (False, False)  # unticked in the form


@pytest.mark.django_db
def test_reminder_settings_page_and_run_now(org, rep, account):
    admin = factories.make_user(org.sub_a, "subsidiary_admin", username="aadmin")
    client = _client(admin)
    url = reverse("web:reminder-settings")
    assert client.get(url).status_code == 200
    prefix = f"u{org.sub_a.pk}"
    saved = client.post(
        url,
        {
            "unit": org.sub_a.pk,
            "version": 1,
            f"{prefix}-renewal_days_before": 20,
            f"{prefix}-payment_days_before": 2,
        },
    )
    assert saved.status_code == 302
    assert ReminderSettings.objects.get(business_unit=org.sub_a).renewal_days_before == 20
    bad = client.post(
        url,
        {
            "unit": org.sub_a.pk,
            f"{prefix}-renewal_days_before": 0,
            f"{prefix}-payment_days_before": 2,
        },
    )
    assert bad.status_code == 200 and "invalid-feedback" in bad.content.decode()
    visit_due(account, date.today())
    run = client.post(url, {"run": "1"})  # immediate mode in tests: the job has finished
    assert run.status_code == 200 and 'data-status="done"' in run.content.decode()
    assert Notification.objects.filter(recipient=rep, kind="visit_due").exists()
    assert _client(rep).get(url).status_code == 403
