"""Scope of the customer's upload links, generated: every built-in role × where the customer's
account sits. A link follows its application's account: listed, made and revoked only inside
the user's data scope (making and revoking also need the edit right); outside it the API and
the page's panel answer 404."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.apis.conftest import ApiClient
from xinren.kyc import certification as cert
from xinren.kyc import upload_links
from xinren.kyc.models import UploadLink
from xinren.orgs.auth import issue_token
from xinren.orgs.models import Role, User

from .world import BUILTIN, POSITIONS, REACH, build_world

ROLES = sorted(BUILTIN)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_upload_links_scope(role):
    world = build_world(role)
    preparer = User.objects.create_superuser("preparer", password="x")
    app_of, link_of = {}, {}
    for position in POSITIONS:
        app = cert.open_application(actor=preparer, account_id=world.accounts[position].pk)
        app_of[position] = app
        link_of[position] = upload_links.create_link(actor=preparer, application_id=app.pk)[0]
    user = world.user
    reach = REACH[BUILTIN[role][0]]
    edits = "edit" in Role.objects.get(code=role).actions
    client = ApiClient(issue_token(user)[0])
    page = Client()
    page.force_login(user)
    for position in POSITIONS:
        app, link, seen = app_of[position], link_of[position], position in reach
        base = f"/kyc/applications/{app.pk}/upload-links"
        listed = client.get(base)
        assert listed.status_code == (200 if seen else 404), position
        if seen:
            assert [item["id"] for item in listed.json()["items"]] == [link.pk]
        panel = page.get(f"/kyc/applications/{app.pk}/upload-links/", HTTP_HX_REQUEST="true")
        assert panel.status_code == (200 if seen else 404), position
        made = client.post(base, {"days": 7, "max_files": 10})
        revoked = client.post(f"{base}/{link.pk}/revoke")
        if not edits:
            assert (made.status_code, revoked.status_code) == (403, 403), position
        else:
            assert made.status_code == (201 if seen else 404), position
            assert revoked.status_code == (200 if seen else 404), position
        count = UploadLink.objects.filter(application=app).count()
        assert count == (2 if seen and edits else 1), position
        link.refresh_from_db()
        assert (link.revoked_at is not None) is (seen and edits), position
