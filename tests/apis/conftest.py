"""An API client that speaks JSON with a bearer token, as an integration would."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from xinren.orgs.auth import issue_token

BASE = "/api/v1"


class ApiClient:
    def __init__(self, token: str | None = None):
        self.client = Client()
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _json(self, method: str, path: str, body=None, **params):
        call = getattr(self.client, method)
        if body is None and method in ("get", "delete"):
            return call(BASE + path, params or None, headers=self._headers())
        return call(
            BASE + path,
            data=json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers=self._headers(),
        )

    def get(self, path: str, **params):
        return self._json("get", path, **params)

    def post(self, path: str, body=None):
        return self._json("post", path, body)

    def patch(self, path: str, body=None):
        return self._json("patch", path, body)

    def put(self, path: str, body=None):
        return self._json("put", path, body)

    def delete(self, path: str):
        return self._json("delete", path)

    def upload(self, path: str, **fields):
        return self.client.post(BASE + path, data=fields, headers=self._headers())


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    """Uploaded documents go to a per-test folder, never into the data dir."""
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def api_as():
    """``api_as(user)``: a client signed in with a fresh token of that user."""

    def make(user) -> ApiClient:
        return ApiClient(issue_token(user)[0])

    return make


@pytest.fixture
def admin_api(admin, api_as) -> ApiClient:
    return api_as(admin)


def errors_of(response) -> set[tuple[str, str]]:
    """The (field, rule) pairs of an error answer."""
    return {(e["field"], e["rule"]) for e in response.json()["errors"]}
