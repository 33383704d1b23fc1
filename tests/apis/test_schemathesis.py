"""Property-based fuzzing of every API operation from its published OpenAPI schema
(schemathesis 3.x): no input may cause a server error, and every documented answer must
match its schema. Runs in-process (WSGI), as a group administrator, over a small world so
generated ids often hit real rows."""

from __future__ import annotations

import io

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationConfig
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories import make_customer, make_user
from xinren.customers import services
from xinren.orgs.auth import issue_token


def _hypothesis_jsonschema_compat() -> None:
    """hypothesis-jsonschema 0.23 drives ``many()`` through the ``more()`` protocol that newer
    Hypothesis releases replaced with ``with many(...) as e: for _ in e``. Give the new class
    the old method (same span bookkeeping as its own iterator), only when it is missing."""
    from hypothesis.internal.conjecture import utils as cu

    if hasattr(cu.many, "more"):
        return

    class CompatMany(cu.many):
        def more(self) -> bool:
            if self._depth is None:
                self.__enter__()
                self._iterated = True
            self._finish_element()
            if not self._decide():
                self._closed = True
                return False
            self.count += 1
            self._in_element = True
            self._rejected = False
            return True

    cu.many = CompatMany


_hypothesis_jsonschema_compat()
# django-ninja publishes OpenAPI 3.1 (JSON Schema 2020-12 types such as "null").
schemathesis.experimental.OPEN_API_3_1.enable()


@pytest.fixture
def api_schema(db):
    """The schema served by the app itself; requests go through the whole WSGI stack."""
    from xinren.wsgi import application

    # Like Django's test client: keep the test's database connection (and its transaction)
    # open across requests instead of closing it when each request finishes.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.from_wsgi("/api/v1/openapi.json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_token(org, admin) -> str:
    rep = make_user(org.a_sales, "sales_rep")
    other = make_user(org.b_sales, "sales_rep")
    png = b"\x89PNG\r\n\x1a\n" + bytes(32)
    for i, owner in enumerate([admin, rep, other, rep] * 3):
        account = make_customer(owner, phone="13800138000")
        services.create_contact(
            actor=admin,
            company=account.company,
            data={"name": "联系人", "work_phone": "010-12345678"},
        )
        upload = io.BytesIO(png)
        upload.name, upload.size = f"licence{i}.png", len(png)
        services.upload_document(
            actor=admin, company=account.company, file=upload, doc_type="business_licence"
        )
    return issue_token(admin)[0]


schema = schemathesis.from_pytest_fixture("api_schema").exclude(
    # Revoking the token would sign the fuzzer out; tests/apis/test_auth.py covers it.
    name="DELETE /api/v1/auth/token"
)


# The fuzzer signs in with the admin's bearer token so that it reaches every operation;
# invented credentials are covered by test_auth (bad tokens, garbled session cookies).
@schema.parametrize(generation_config=GenerationConfig(with_security_parameters=False))
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors_and_answers_match_the_schema(case, fuzz_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {fuzz_token}"},
        checks=(not_a_server_error, response_schema_conformance),
    )
