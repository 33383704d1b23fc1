"""Document upload: type, size and content checks, SHA-256, storage under the data dir."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories
from xinren.customers import services
from xinren.customers.models import Document

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def rep_and_company(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    rep = factories.make_user(org.a_sales, "sales_rep")
    return rep, factories.make_customer(rep).company


@pytest.mark.django_db
def test_upload_stores_file_and_hash(rep_and_company, tmp_path):
    rep, company = rep_and_company
    doc = services.upload_document(
        actor=rep,
        company=company,
        doc_type="business_licence",
        file=SimpleUploadedFile("营业执照.pdf", PDF),
    )
    assert doc.sha256 == hashlib.sha256(PDF).hexdigest()
    assert doc.size == len(PDF) and doc.content_type == "application/pdf"
    assert (tmp_path / doc.file.name).read_bytes() == PDF
    assert doc.original_name == "营业执照.pdf"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,content,rule",
    [
        ("virus.exe", b"MZ\x90\x00", "file_type"),
        ("fake.pdf", b"<html>not a pdf</html>", "file_content"),
        ("empty.pdf", b"", "file_empty"),
    ],
)
def test_bad_uploads_refused(rep_and_company, tmp_path, name, content, rule):
    rep, company = rep_and_company
    with pytest.raises(ValidationError) as info:
        services.upload_document(
            actor=rep, company=company, doc_type="other", file=SimpleUploadedFile(name, content)
        )
    assert info.value.error_dict["file"][0].code == rule
    assert Document.objects.count() == 0
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


@pytest.mark.django_db
def test_oversized_upload_refused(rep_and_company, settings):
    rep, company = rep_and_company
    settings.DOCUMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as info:
        services.upload_document(
            actor=rep,
            company=company,
            doc_type="other",
            file=SimpleUploadedFile("big.pdf", PDF + b"0" * 2048),
        )
    assert info.value.error_dict["file"][0].code == "file_size"


@pytest.mark.django_db
def test_expiry_before_issue_refused(rep_and_company):
    import datetime as dt

    rep, company = rep_and_company
    with pytest.raises(ValidationError) as info:
        services.upload_document(
            actor=rep,
            company=company,
            doc_type="business_licence",
            file=SimpleUploadedFile("a.pdf", PDF),
            issued_on=dt.date(2024, 1, 1),
            expires_on=dt.date(2023, 1, 1),
        )
    assert info.value.error_dict["expires_on"][0].code == "date_order"
