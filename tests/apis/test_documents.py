"""Documents through the API: multipart upload with type/size/content limits, metadata,
scoped download, delete."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.apis.conftest import errors_of
from tests.factories import make_customer, make_user
from xinren.customers.models import Document

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n" + b"x" * 200


def pdf(name: str = "licence.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def rep(org):
    return make_user(org.a_sales, "sales_rep")


@pytest.fixture
def account(rep):
    return make_customer(rep)


def test_upload_metadata_download_delete(rep, account, api_as, settings):
    api = api_as(rep)
    response = api.upload(
        f"/companies/{account.company_id}/documents",
        file=pdf(),
        doc_type="business_licence",
        title="营业执照",
        issued_on="2024-01-01",
        expires_on="2034-01-01",
        account_id=account.pk,
    )
    assert response.status_code == 201, response.content
    doc = response.json()
    assert doc["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (doc["size"], doc["content_type"]) == (len(PDF), "application/pdf")
    assert (doc["account_id"], doc["issued_on"]) == (account.pk, "2024-01-01")

    assert api.get(f"/documents/{doc['id']}").json()["title"] == "营业执照"
    listed = api.get(f"/companies/{account.company_id}/documents").json()["items"]
    assert [d["id"] for d in listed] == [doc["id"]]

    download = api.get(f"/documents/{doc['id']}/download")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]

    manager = make_user(rep.org_unit, "department_head")
    assert api_as(manager).delete(f"/documents/{doc['id']}").status_code == 204
    assert not Document.objects.exists()
    assert api.get(f"/documents/{doc['id']}/download").status_code == 404


@pytest.mark.parametrize(
    "upload,rule",
    [
        (lambda: pdf("virus.exe", b"MZ" + bytes(100)), "file_type"),
        (lambda: pdf("fake.pdf", b"\x89PNG\r\n\x1a\n" + bytes(100)), "file_content"),
        (lambda: pdf("empty.pdf", b""), "file_empty"),
        (lambda: pdf("big.pdf", PDF + b"x" * 2048), "file_size"),
    ],
)
def test_bad_files_are_422_and_nothing_is_stored(rep, account, api_as, settings, upload, rule):
    settings.DOCUMENT_MAX_BYTES = 1024
    response = api_as(rep).upload(
        f"/companies/{account.company_id}/documents", file=upload(), doc_type="other"
    )
    assert response.status_code == 422, response.content
    assert errors_of(response) == {("file", rule)}
    assert not Document.objects.exists()
    root = settings.MEDIA_ROOT
    assert not any(p.is_file() for p in root.rglob("*")) if root.exists() else True


@pytest.mark.parametrize(
    "fields,field,rule",
    [
        ({"doc_type": "passport"}, "doc_type", "literal_error"),
        (
            {"doc_type": "other", "issued_on": "2030-01-01", "expires_on": "2020-01-01"},
            "expires_on",
            "date_order",
        ),
        (
            {"doc_type": "other", "issued_on": "yesterday"},
            "issued_on",
            "date_from_datetime_parsing",
        ),
        ({}, "doc_type", "missing"),
    ],
)
def test_bad_fields_are_422(rep, account, api_as, fields, field, rule):
    response = api_as(rep).upload(
        f"/companies/{account.company_id}/documents", file=pdf(), **fields
    )
    assert response.status_code == 422
    assert (field, rule) in errors_of(response)
    assert not Document.objects.exists()


def test_missing_file_is_422(rep, account, api_as):
    response = api_as(rep).upload(f"/companies/{account.company_id}/documents", doc_type="other")
    assert response.status_code == 422
    assert ("file", "missing") in errors_of(response)


def test_account_of_another_company_or_scope_is_refused(org, rep, account, api_as):
    other_account = make_customer(rep)
    response = api_as(rep).upload(
        f"/companies/{account.company_id}/documents",
        file=pdf(),
        doc_type="contract",
        account_id=other_account.pk,
    )
    assert response.status_code == 422
    assert errors_of(response) == {("account_id", "mismatch")}
    stranger_account = make_customer(make_user(org.b_sales, "sales_rep"))
    response = api_as(rep).upload(
        f"/companies/{account.company_id}/documents",
        file=pdf(),
        doc_type="contract",
        account_id=stranger_account.pk,
    )
    assert errors_of(response) == {("account_id", "not_found")}


def test_out_of_scope_document_is_404_everywhere(org, rep, account, api_as):
    api_as(rep).upload(f"/companies/{account.company_id}/documents", file=pdf(), doc_type="other")
    doc = Document.objects.get()
    stranger = api_as(make_user(org.b_sales, "sales_rep"))
    assert stranger.get(f"/documents/{doc.pk}").status_code == 404
    assert stranger.get(f"/documents/{doc.pk}/download").status_code == 404
    assert stranger.delete(f"/documents/{doc.pk}").status_code == 404
    assert (
        stranger.upload(
            f"/companies/{account.company_id}/documents", file=pdf(), doc_type="other"
        ).status_code
        == 404
    )
    assert Document.objects.count() == 1


def test_file_missing_on_disk_is_404_not_500(rep, account, api_as):
    api = api_as(rep)
    api.upload(f"/companies/{account.company_id}/documents", file=pdf(), doc_type="other")
    doc = Document.objects.get()
    doc.file.storage.delete(doc.file.name)
    assert api.get(f"/documents/{doc.pk}/download").status_code == 404
