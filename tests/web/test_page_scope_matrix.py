"""The scope matrix again, through the pages: every built-in role × where the customer sits ×
what a page does with it. Expected outcomes come from the role definitions (world.BUILTIN),
never listed by hand."""

from __future__ import annotations

import itertools

import pytest
from django.test import Client

from tests.scope.world import BUILTIN, POSITIONS, REACH, build_world

PAGE_ACTIONS = ["list", "search", "detail", "edit", "export", "history", "document"]
NEEDS = {
    "list": "view",
    "search": "view",
    "detail": "view",
    "edit": "edit",
    "export": "export",
    "history": "view",
    "document": "view",
}


def expected(role: str, position: str, action: str) -> bool:
    scope, actions = BUILTIN[role]
    return position in REACH[scope] and NEEDS[action] in actions


def attempt(client: Client, action: str, account) -> bool:
    company = account.company
    if action == "list":
        return company.name in client.get("/customers/").content.decode()
    if action == "search":
        body = client.get("/customers/", {"q": company.name[:6]}).content.decode()
        return company.name in body
    if action == "detail":
        response = client.get(f"/customers/{company.pk}/")
        assert response.status_code in (200, 404)
        return response.status_code == 200 and company.name in response.content.decode()
    if action == "history":
        response = client.get(f"/customers/{company.pk}/history/")
        assert response.status_code in (200, 404)
        return response.status_code == 200
    if action == "document":
        from django.core.files.base import ContentFile

        from xinren.customers.models import Document

        doc = Document(
            company=company,
            doc_type="other",
            original_name="a.pdf",
            content_type="application/pdf",
            size=9,
            sha256="0" * 64,
        )
        doc.file.save("a.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
        response = client.get(f"/documents/{doc.pk}/download/")
        assert response.status_code in (200, 404)
        return response.status_code == 200
    if action == "edit":
        response = client.post(
            f"/customers/{company.pk}/edit/",
            {
                "name": company.name,
                "uscc": company.uscc,
                "entity_type": company.entity_type,
                "capital_currency": "CNY",
                "main_business": "页面矩阵",
                "version": company.version,
            },
        )
        assert response.status_code in (302, 403, 404), response.status_code
        company.refresh_from_db()
        return response.status_code == 302 and company.main_business == "页面矩阵"
    if action == "export":
        response = client.get("/customers/export.csv")
        assert response.status_code in (200, 403)
        if response.status_code != 200:
            return False
        return company.name in b"".join(response.streaming_content).decode("utf-8-sig")
    raise AssertionError(action)


@pytest.mark.parametrize(
    "role,position,action", list(itertools.product(BUILTIN, POSITIONS, PAGE_ACTIONS))
)
def test_page_scope(db, role, position, action, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = build_world(role)
    client = Client()
    client.force_login(world.user)
    assert attempt(client, action, world.accounts[position]) is expected(role, position, action)
