"""Cursor pages: newest first, no duplicates or gaps, stable while rows are added."""

from __future__ import annotations

import pytest

from tests.apis.conftest import errors_of
from tests.factories import make_customer, make_user
from xinren.core.pagination import decode_cursor, encode_cursor

pytestmark = pytest.mark.django_db


def walk(api, path: str, limit: int, **params) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        query = {"limit": limit, **params}
        if cursor:
            query["cursor"] = cursor
        response = api.get(path, **query)
        assert response.status_code == 200, response.content
        body = response.json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100


@pytest.fixture
def many(admin):
    return [make_customer(admin) for _ in range(23)]


@pytest.mark.parametrize("limit", [1, 5, 7, 23, 200])
def test_company_pages_cover_everything_once(admin_api, many, limit):
    pages = walk(admin_api, "/companies", limit)
    ids = [i for page in pages for i in page]
    expected = sorted((a.company_id for a in many), reverse=True)
    assert ids == expected
    assert all(len(page) == limit for page in pages[:-1])
    assert len(pages) == -(-len(expected) // limit)


def test_rows_added_meanwhile_do_not_shift_pages(admin_api, admin, many):
    first = admin_api.get("/companies", limit=10).json()
    make_customer(admin)  # newer than everything: belongs before page one
    second = admin_api.get("/companies", limit=10, cursor=first["next_cursor"]).json()
    seen = [c["id"] for c in first["items"]] + [c["id"] for c in second["items"]]
    expected = sorted((a.company_id for a in many), reverse=True)[:20]
    assert seen == expected


def test_account_pages_with_filters(admin_api, admin, many):
    pages = walk(admin_api, "/accounts", 4, status="lead")
    ids = [i for page in pages for i in page]
    assert ids == sorted((a.pk for a in many), reverse=True)


def test_filters_and_search_combine_with_pages(org, admin_api, admin):
    rep = make_user(org.a_sales, "sales_rep")
    mine = [make_customer(rep, name=f"翻页客户{i}有限公司") for i in range(5)]
    make_customer(admin, name="别的公司")
    pages = walk(admin_api, "/companies", 2, owner_id=rep.pk)
    assert [i for p in pages for i in p] == sorted((a.company_id for a in mine), reverse=True)
    pages = walk(admin_api, "/companies", 2, q="翻页")
    assert sorted(i for p in pages for i in p) == sorted(a.company_id for a in mine)
    pages = walk(admin_api, "/companies", 2, q="fanye")
    assert sorted(i for p in pages for i in p) == sorted(a.company_id for a in mine)


@pytest.mark.parametrize("cursor", ["garbage", "aWQ6LTE", "!!!", "5LiA", encode_cursor(1) + "x"])
def test_bad_cursor_is_422(admin_api, cursor):
    response = admin_api.get("/companies", cursor=cursor)
    assert response.status_code == 422
    assert errors_of(response) == {("cursor", "invalid_cursor")}


@pytest.mark.parametrize("limit", [0, -1, 201, "many"])
def test_limit_out_of_range_is_422(admin_api, limit):
    response = admin_api.get("/companies", limit=limit)
    assert response.status_code == 422
    assert "limit" in {field for field, _rule in errors_of(response)}


def test_cursor_round_trip():
    assert decode_cursor(encode_cursor(987654321)) == 987654321
