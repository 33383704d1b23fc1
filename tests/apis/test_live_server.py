"""The API over real HTTP: a running server, a real client (httpx), as an integration would
use it — sign in, create a customer, find it, export, sign out."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import PASSWORD, build_org_tree, make_user, valid_uscc
from xinren.orgs.services import ensure_builtin_roles


@pytest.fixture
def rep(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ensure_builtin_roles()  # a transactional test flushes what the data migration made
    org = build_org_tree()
    return make_user(org.a_sales, "sales_rep", username="liverep")


def test_token_create_list_export_and_revoke_over_http(live_server, rep):
    with httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=30) as http:
        signed_in = http.post("/auth/token", json={"username": "liverep", "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        token = signed_in.json()["token"]
        http.headers["Authorization"] = f"Bearer {token}"

        uscc = valid_uscc()
        created = http.post(
            "/companies",
            json={"name": "实时接口测试有限公司", "uscc": uscc, "phone": "021-12345678"},
        )
        assert created.status_code == 201, created.text
        company = created.json()["company"]
        assert company["accounts"][0]["owner_id"] == rep.pk

        duplicate = http.post("/companies", json={"name": "重复", "uscc": uscc})
        assert duplicate.status_code == 422
        assert duplicate.json()["errors"][0]["field"] == "uscc"

        listed = http.get("/companies", params={"q": "实时接口"})
        assert [c["id"] for c in listed.json()["items"]] == [company["id"]]
        by_pinyin = http.get("/companies", params={"q": "ssjk"})
        assert [c["id"] for c in by_pinyin.json()["items"]] == [company["id"]]

        exported = http.get("/companies/export.csv")
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        assert "实时接口测试有限公司" in exported.content.decode("utf-8-sig")

        schema = http.get("/openapi.json")
        assert "/api/v1/companies" in schema.json()["paths"]

        assert http.delete("/auth/token").status_code == 204
        assert http.get("/me").status_code == 401
