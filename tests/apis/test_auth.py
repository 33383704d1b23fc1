"""Signing in to the API: tokens (good, bad, revoked, expired), lock-out, session auth."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.apis.conftest import BASE, ApiClient, errors_of
from tests.factories import PASSWORD, make_user
from xinren.orgs.models import ApiToken

pytestmark = pytest.mark.django_db


def obtain(client: Client, username: str, password: str):
    return client.post(
        f"{BASE}/auth/token",
        data=json.dumps({"username": username, "password": password}),
        content_type="application/json",
    )


def test_good_credentials_give_a_token_that_works(admin):
    response = obtain(Client(), "admin", PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["token"].startswith("xr_")
    assert body["user"]["username"] == "admin"
    assert body["user"]["scope"] == "group"
    assert "configure" in body["user"]["actions"]
    me = ApiClient(body["token"]).get("/me")
    assert me.status_code == 200
    assert me.json()["id"] == admin.pk
    # Only a hash of the token is stored.
    assert not ApiToken.objects.filter(key_hash=body["token"]).exists()


def test_wrong_password_is_401_naming_the_rule(admin):
    response = obtain(Client(), "admin", "not-the-password")
    assert response.status_code == 401
    assert errors_of(response) == {("password", "invalid_credentials")}
    assert ApiToken.objects.count() == 0


def test_inactive_user_gets_no_token(org):
    user = make_user(org.a_sales, "sales_rep", username="gone")
    user.is_active = False
    user.save()
    assert obtain(Client(), "gone", PASSWORD).status_code == 401


def test_missing_field_is_422():
    response = Client().post(
        f"{BASE}/auth/token", data=json.dumps({"username": "x"}), content_type="application/json"
    )
    assert response.status_code == 422
    assert ("password", "missing") in errors_of(response)


@pytest.mark.parametrize(
    "header",
    [None, "Bearer xr_made-up", "Bearer ", "Basic YWRtaW46eA==", "Token abc"],
)
def test_no_or_bad_token_is_401(admin, header):
    headers = {"Authorization": header} if header is not None else {}
    response = Client().get(f"{BASE}/companies", headers=headers)
    assert response.status_code == 401
    assert errors_of(response) == {("Authorization", "unauthenticated")}


def test_revoked_token_stops_working(admin, admin_api):
    assert admin_api.get("/me").status_code == 200
    assert admin_api.delete("/auth/token").status_code == 204
    assert admin_api.get("/me").status_code == 401
    assert ApiToken.objects.count() == 0


def test_revoking_needs_a_bearer_token(admin):
    client = Client()
    client.force_login(admin)
    response = client.delete(f"{BASE}/auth/token")
    assert response.status_code == 400


def test_expired_token_is_refused(admin, admin_api):
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = admin_api.get("/me")
    assert response.status_code == 401


def test_token_of_a_deactivated_user_is_refused(org, api_as):
    user = make_user(org.a_sales, "sales_rep")
    api = api_as(user)
    assert api.get("/me").status_code == 200
    user.is_active = False
    user.save()
    assert api.get("/me").status_code == 401


def test_browser_session_works_and_needs_csrf_for_writes(admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    assert client.get(f"{BASE}/me").json()["username"] == "admin"
    response = client.post(
        f"{BASE}/companies", data=json.dumps({"name": "x"}), content_type="application/json"
    )
    assert response.status_code in (401, 403)


def test_repeated_failures_lock_the_user_name(admin, settings):
    """django-axes counts API failures like page sign-ins: after the limit even the right
    password answers 429 with rule ``locked``, and no token is issued."""
    limit = settings.AXES_FAILURE_LIMIT
    client = Client()
    for _ in range(limit - 1):
        assert obtain(client, "admin", "wrong").status_code == 401
    locked = obtain(client, "admin", "wrong")
    assert locked.status_code == 429
    assert errors_of(locked) == {("username", "locked")}
    right = obtain(Client(), "admin", PASSWORD)
    assert right.status_code == 429
    assert "锁定" in right.json()["detail"]
    assert ApiToken.objects.count() == 0


def test_lock_is_per_user_name(org, settings):
    make_user(org.a_sales, "sales_rep", username="alice")
    make_user(org.a_sales, "sales_rep", username="bob")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        obtain(Client(), "alice", "wrong")
    assert obtain(Client(), "alice", PASSWORD).status_code == 429
    assert obtain(Client(), "bob", PASSWORD).status_code == 200


def test_success_before_the_limit_resets_the_count(admin, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        obtain(Client(), "admin", "wrong")
    assert obtain(Client(), "admin", PASSWORD).status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert obtain(Client(), "admin", "wrong").status_code == 401
    assert obtain(Client(), "admin", PASSWORD).status_code == 200


def test_garbled_session_cookie(admin_api):
    """A NUL in the session cookie is ignored (PostgreSQL would refuse it: a 500 before)."""
    response = admin_api.client.get(
        f"{BASE}/me",
        headers={
            "Authorization": f"Bearer {admin_api.token}",
            "Cookie": "sessionid=abcdefgh\x00ijklmnop",
        },
    )
    assert response.status_code == 200
