"""The customer's upload link: refused when unknown (404), expired, used or revoked (410);
each page shows only its own application; size, type, count and content-vs-extension limits;
only the standard's document types; nothing stored on a refusal; the token never stored in
clear; the staff API and its rights."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests import factories
from tests.apis.conftest import ApiClient
from xinren.audit.models import ChangeLog
from xinren.customers.models import Document
from xinren.kyc import certification as cert
from xinren.kyc import upload_links as links
from xinren.kyc.models import ApplicationStep, CertificationStandard, UploadLink
from xinren.notifications.models import Notification, NotificationKind
from xinren.orgs.auth import issue_token

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 40


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def people(org):
    return {
        "rep": factories.make_user(org.a_sales, "sales_rep", username="rep", full_name="李销售"),
        "other": factories.make_user(org.b_sales, "sales_rep", username="other"),
        "risk": factories.make_user(org.a_sales, "risk_officer", username="risk"),
        "head": factories.make_user(
            org.a_sales, "department_head", username="head", full_name="张主管"
        ),
    }


@pytest.fixture
def app(people):
    account = factories.make_customer(people["rep"], name="上传测试有限公司")
    return cert.open_application(actor=people["rep"], account_id=account.pk)


def new_link(people, app, **kwargs):
    return links.create_link(actor=people["rep"], application_id=app.pk, **kwargs)


def upload(token, name="licence.pdf", content=PDF, doc_type="business_licence", **kwargs):
    return links.upload_document(
        token=token, doc_type=doc_type, file=SimpleUploadedFile(name, content), **kwargs
    )


def rule_of(exc, field: str) -> str:
    return exc.value.error_dict[field][0].code


def page(token: str) -> str:
    return f"/kyc/upload/{token}/"


def post(client: Client, token: str, **data):
    return client.post(page(token), data)


def stored() -> tuple[int, int, int]:
    return Document.objects.count(), ApplicationStep.objects.count(), ChangeLog.objects.count()


# --- the link ------------------------------------------------------------------------------
def test_token_is_shown_once_and_stored_only_as_its_hash(people, app):
    link, token = new_link(people, app)
    assert len(token) >= 40
    link.refresh_from_db()
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in link.token_hash
    for row in UploadLink.objects.values():
        assert token not in str(row)
    for entry in ChangeLog.objects.filter(entity="kyc.uploadlink"):
        assert token not in str(entry.changes)
    assert links.resolve_link(token).pk == link.pk
    assert (link.expires_at - timezone.now()).days in (6, 7)  # 7 days by default
    assert link.max_files == 10


def test_link_settings_are_checked(people, app):
    with pytest.raises(ValidationError) as exc:
        new_link(people, app, days=31)
    assert rule_of(exc, "days") == "range"
    with pytest.raises(ValidationError) as exc:
        new_link(people, app, days=0)
    assert rule_of(exc, "days") == "range"
    with pytest.raises(ValidationError) as exc:
        new_link(people, app, max_files=0)
    assert rule_of(exc, "max_files") == "range"
    assert not UploadLink.objects.exists()
    link, _token = new_link(people, app, days=30, max_files=3)
    assert (link.expires_at - timezone.now()).days in (29, 30)


def test_rights_and_scope_to_create(people, app):
    with pytest.raises(PermissionDenied):  # a risk officer has no edit right
        links.create_link(actor=people["risk"], application_id=app.pk)
    with pytest.raises(UploadLink.application.field.related_model.DoesNotExist):
        links.create_link(actor=people["other"], application_id=app.pk)  # other subsidiary
    assert not UploadLink.objects.exists()
    link, _token = links.create_link(actor=people["head"], application_id=app.pk)
    assert link.created_by == people["head"]


def test_only_draft_or_submitted_applications_get_a_link(people, app):
    cert.submit(actor=people["rep"], application_id=app.pk)
    new_link(people, app)  # submitted: still fine
    cert.start_review(actor=people["risk"], application_id=app.pk)
    with pytest.raises(ValidationError) as exc:
        new_link(people, app)
    assert rule_of(exc, "status") == "not_open"


def test_unknown_token_is_404(client, people, app):
    new_link(people, app)
    for token in ["x" * 43, "short", "ü" * 30]:
        with pytest.raises(links.LinkRefused) as exc:
            links.resolve_link(token)
        assert exc.value.status == 404
    response = client.get(page("y" * 43))
    assert response.status_code == 404
    assert "链接无效" in response.content.decode()


def test_expired_link_is_refused(client, people, app):
    link, token = new_link(people, app)
    UploadLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    before = stored()
    with pytest.raises(links.LinkRefused) as exc:
        upload(token)
    assert (exc.value.status, exc.value.state) == (410, "expired")
    response = client.get(page(token))
    assert response.status_code == 410
    assert "已过期" in response.content.decode()
    assert "上传测试有限公司" not in response.content.decode()
    assert post(client, token, action="upload").status_code == 410
    assert stored() == before


def test_used_link_cannot_be_reused(client, people, app):
    link, token = new_link(people, app)
    with pytest.raises(ValidationError) as exc:  # nothing uploaded yet: nothing to submit
        links.finish(token=token)
    assert rule_of(exc, "file") == "no_files"
    upload(token)
    links.finish(token=token)
    link.refresh_from_db()
    assert link.used_at is not None
    before = stored()
    with pytest.raises(links.LinkRefused) as exc:
        upload(token, name="again.pdf")
    assert (exc.value.status, exc.value.state) == (410, "used")
    with pytest.raises(links.LinkRefused):
        links.finish(token=token)
    response = client.get(page(token))
    assert response.status_code == 410
    assert "已提交，不能再次使用" in response.content.decode()
    assert stored() == before


def test_revoked_link_is_refused(client, people, app):
    link, token = new_link(people, app)
    links.revoke_link(actor=people["rep"], application_id=app.pk, link_id=link.pk)
    with pytest.raises(links.LinkRefused) as exc:
        links.resolve_link(token)
    assert (exc.value.status, exc.value.state) == (410, "revoked")
    assert client.get(page(token)).status_code == 410
    with pytest.raises(ValidationError) as exc:
        links.revoke_link(actor=people["rep"], application_id=app.pk, link_id=link.pk)
    assert rule_of(exc, "link") == "closed"


def test_link_closes_when_the_review_starts(client, people, app):
    _link, token = new_link(people, app)
    cert.submit(actor=people["rep"], application_id=app.pk)
    assert client.get(page(token)).status_code == 200
    cert.start_review(actor=people["risk"], application_id=app.pk)
    response = client.get(page(token))
    assert response.status_code == 410
    assert "进入审核" in response.content.decode()


# --- uploads ---------------------------------------------------------------------------------
def test_upload_stores_a_document_for_the_application(people, app):
    link, token = new_link(people, app)
    today = timezone.localdate()
    doc = upload(token, issued_on=today - timedelta(days=10), expires_on=today + timedelta(400))
    assert doc.company_id == app.account.company_id
    assert doc.account_id == app.account_id
    assert doc.uploaded_by is None
    assert (doc.content_type, doc.size) == ("application/pdf", len(PDF))
    assert doc.sha256 == hashlib.sha256(PDF).hexdigest()
    assert doc.file.read() == PDF
    link.refresh_from_db()
    assert link.files_uploaded == 1
    assert list(link.documents.all()) == [doc]
    step = ApplicationStep.objects.filter(application=app).last()
    assert step.actor is None and step.from_status == step.to_status == "draft"
    assert f"#{link.pk}" in step.note and "licence.pdf" in step.note
    upload(token, name="id.PNG", content=PNG, doc_type="legal_rep_id")
    upload(token, name="premises.jpeg", content=JPEG, doc_type="premises_proof")
    assert link.documents.count() == 3


def test_size_limit(settings, people, app):
    settings.KYC_UPLOAD_MAX_BYTES = 1024
    _link, token = new_link(people, app)
    before = stored()
    with pytest.raises(ValidationError) as exc:
        upload(token, content=PDF + b"0" * 1024)
    assert rule_of(exc, "file") == "file_size"
    with pytest.raises(ValidationError) as exc:
        upload(token, content=b"")
    assert rule_of(exc, "file") == "file_empty"
    assert stored() == before
    upload(token, content=PDF)


@pytest.mark.parametrize(
    "name, content",
    [("licence.exe", EXE), ("licence.docx", b"PK\x03\x04" + b"0" * 20),
     ("licence.ofd", b"PK\x03\x04" + b"0" * 20), ("licence", PDF), ("licence.gif", b"GIF89a")],
)  # fmt: skip
def test_type_limit(people, app, name, content):
    _link, token = new_link(people, app)
    before = stored()
    with pytest.raises(ValidationError) as exc:
        upload(token, name=name, content=content)
    assert rule_of(exc, "file") == "file_type"
    assert stored() == before


@pytest.mark.parametrize(
    "name, content",
    [("licence.pdf", PNG), ("licence.pdf", EXE), ("photo.png", JPEG), ("photo.jpg", PDF),
     ("scan.jpeg", EXE), ("scan.png", b"<html><script>alert(1)</script></html>")],
)  # fmt: skip
def test_content_must_match_the_extension(people, app, name, content):
    _link, token = new_link(people, app)
    before = stored()
    with pytest.raises(ValidationError) as exc:
        upload(token, name=name, content=content)
    assert rule_of(exc, "file") == "file_content"
    assert stored() == before


def test_count_limit(people, app):
    link, token = new_link(people, app, max_files=2)
    upload(token)
    upload(token, doc_type="legal_rep_id")
    before = stored()
    with pytest.raises(ValidationError) as exc:
        upload(token, doc_type="premises_proof")
    assert rule_of(exc, "file") == "file_count"
    assert stored() == before
    link.refresh_from_db()
    assert link.files_uploaded == 2


def test_only_the_standards_document_types(people, app):
    CertificationStandard.objects.create(
        business_unit=None, industry_code="", required_documents=["business_licence"],
        required_checks=["documents"],
    )  # fmt: skip
    # the group's standard applies when the subsidiary has none of its own
    assert cert.standard_for(app.account).required_documents == ["business_licence"]
    _link, token = new_link(people, app)
    before = stored()
    for doc_type in ("legal_rep_id", "contract", "other", "nonsense"):
        with pytest.raises(ValidationError) as exc:
            upload(token, doc_type=doc_type)
        assert rule_of(exc, "doc_type") == "not_required"
    assert stored() == before
    upload(token, doc_type="business_licence")


def test_dates_are_checked(people, app):
    _link, token = new_link(people, app)
    today = timezone.localdate()
    before = stored()
    with pytest.raises(ValidationError) as exc:
        upload(token, issued_on=today, expires_on=today - timedelta(days=1))
    assert rule_of(exc, "expires_on") == "date_order"
    with pytest.raises(ValidationError) as exc:
        upload(token, issued_on=today + timedelta(days=1))
    assert rule_of(exc, "issued_on") == "date_future"
    assert stored() == before


def test_finish_notifies_the_preparer_and_keeps_the_status(people, app):
    link, token = new_link(people, app)
    upload(token)
    links.finish(token=token)
    app.refresh_from_db()
    assert app.status == "draft"  # staff submit the application themselves
    note = Notification.objects.get(recipient=people["rep"])
    assert note.kind == NotificationKind.KYC_UPLOAD
    assert "上传测试有限公司" in note.title and note.url == f"/kyc/applications/{app.pk}/"
    step = ApplicationStep.objects.filter(application=app).last()
    assert "提交了 1 份文件" in step.note
    # and the documents check sees the uploaded licence
    checks = cert.submit(actor=people["rep"], application_id=app.pk)
    documents = checks.checks.get(code="documents")
    assert "营业执照" in documents.evidence.split("缺少")[0] or "齐全有效" in documents.evidence


# --- the public page -------------------------------------------------------------------------
def test_each_page_shows_only_its_own_application(client, people, app):
    other_account = factories.make_customer(people["head"], name="另一家客户有限公司")
    other_app = cert.open_application(actor=people["head"], account_id=other_account.pk)
    # a document of the company that did not come through the link stays private
    Document.objects.create(
        company=app.account.company, doc_type="contract", file="documents/secret.pdf",
        original_name="机密合同.pdf", content_type="application/pdf", size=10, sha256="0" * 64,
    )  # fmt: skip
    _l1, token1 = new_link(people, app)
    _l2, token2 = links.create_link(actor=people["head"], application_id=other_app.pk)
    upload(token1, name="我的执照.pdf")
    upload(token2, name="他的执照.pdf")
    one = client.get(page(token1)).content.decode()
    two = client.get(page(token2)).content.decode()
    assert "上传测试有限公司" in one and "另一家客户有限公司" not in one
    assert "我的执照.pdf" in one and "他的执照.pdf" not in one
    assert "另一家客户有限公司" in two and "上传测试有限公司" not in two
    assert "他的执照.pdf" in two and "我的执照.pdf" not in two
    for text in (one, two):
        assert "机密合同" not in text
        assert app.account.company.uscc not in text  # nothing of the record but the name
        assert "李销售" not in text and "张主管" not in text  # no staff names
        assert f"/kyc/applications/{app.pk}" not in text


def test_public_page_headers_and_no_sign_in(client, people, app):
    _link, token = new_link(people, app)
    response = client.get(page(token))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    assert "上传认证文件" in response.content.decode()
    required = response.content.decode()
    for label in ("营业执照", "行业资质", "法定代表人身份证", "经营场所证明"):
        assert label in required, label
    refused = client.get(page("z" * 43))
    assert "no-store" in refused["Cache-Control"]
    assert refused["Referrer-Policy"] == "same-origin"


def test_public_page_in_english(client, people, app):
    _link, token = new_link(people, app)
    text = client.get(page(token), headers={"accept-language": "en"}).content.decode()
    assert "Upload certification documents" in text
    text = client.get(page("q" * 43), headers={"accept-language": "en"}).content.decode()
    assert "This link is not valid" in text


def test_upload_through_the_page(client, people, app):
    link, token = new_link(people, app)
    response = post(
        client, token, action="upload", doc_type="business_licence",
        file=SimpleUploadedFile("执照.pdf", PDF), issued_on="2024-01-02", expires_on="",
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == page(token) + "?uploaded=1"
    text = client.get(response["Location"]).content.decode()
    assert "执照.pdf" in text and "文件已上传" in text
    response = post(
        client, token, action="upload", doc_type="business_licence",
        file=SimpleUploadedFile("fake.pdf", PNG),
    )  # fmt: skip
    assert response.status_code == 422
    assert "文件内容与扩展名" in response.content.decode()
    response = post(client, token, action="finish")
    assert response.status_code == 200
    assert "文件已提交" in response.content.decode()
    link.refresh_from_db()
    assert link.used_at is not None and link.files_uploaded == 1
    assert client.get(page(token)).status_code == 410


def test_too_large_file_on_the_page_is_a_clear_error(client, settings, people, app):
    settings.KYC_UPLOAD_MAX_BYTES = 1024 * 1024
    _link, token = new_link(people, app)
    big = PDF + b"0" * (1024 * 1024 + 10)
    before = stored()
    response = post(
        client, token, action="upload", doc_type="business_licence",
        file=SimpleUploadedFile("big.pdf", big),
    )  # fmt: skip
    assert response.status_code == 422
    assert "文件过大：最大 1 MB" in response.content.decode()
    huge = PDF + b"0" * (4 * 1024 * 1024)  # far over: refused before the body is read
    response = post(
        client, token, action="upload", doc_type="business_licence",
        file=SimpleUploadedFile("huge.pdf", huge),
    )  # fmt: skip
    assert response.status_code == 413
    assert "文件过大" in response.content.decode()
    assert stored() == before


def test_csrf_is_still_checked(people, app):
    _link, token = new_link(people, app)
    client = Client(enforce_csrf_checks=True)
    response = post(
        client, token, action="upload", doc_type="business_licence",
        file=SimpleUploadedFile("a.pdf", PDF),
    )  # fmt: skip
    assert response.status_code == 403
    assert not Document.objects.exists()
    client.get(page(token))
    response = client.post(
        page(token),
        {"action": "upload", "doc_type": "business_licence",
         "file": SimpleUploadedFile("a.pdf", PDF),
         "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
    )  # fmt: skip
    assert response.status_code == 302
    assert Document.objects.count() == 1


# --- staff: page panel and API ---------------------------------------------------------------
def test_staff_panel_creates_shows_once_and_revokes(people, app):
    client = Client()
    client.force_login(people["rep"])
    url = f"/kyc/applications/{app.pk}/upload-links/"
    response = client.post(
        url, {"action": "create", "days": 7, "max_files": 5}, HTTP_HX_REQUEST="true"
    )
    text = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    link = UploadLink.objects.get()
    start = text.index("/kyc/upload/") + len("/kyc/upload/")
    token = text[start : text.index("/", start)]
    assert links.resolve_link(token).pk == link.pk
    listing = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert token not in listing and 'data-state="active"' in listing
    client.post(url, {"action": "revoke", "link": link.pk}, HTTP_HX_REQUEST="true")
    assert 'data-state="revoked"' in client.get(url, HTTP_HX_REQUEST="true").content.decode()
    detail = client.get(f"/kyc/applications/{app.pk}/").content.decode()
    assert url in detail  # the panel is loaded into the application page
    # without htmx the same address is a page of its own, and its forms still work
    page_of_its_own = client.post(url, {"action": "create", "days": 2, "max_files": 1})
    assert page_of_its_own.status_code == 200
    assert (
        "<nav" in page_of_its_own.content.decode()
        and "/kyc/upload/" in page_of_its_own.content.decode()
    )
    assert UploadLink.objects.count() == 2


def test_staff_panel_is_scoped(people, app):
    client = Client()
    client.force_login(people["other"])
    url = f"/kyc/applications/{app.pk}/upload-links/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "create", "days": 7, "max_files": 5}).status_code == 404
    assert not UploadLink.objects.exists()
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def api(user) -> ApiClient:
    return ApiClient(issue_token(user)[0])


def test_api_create_list_revoke(people, app):
    base = f"/kyc/applications/{app.pk}/upload-links"
    response = api(people["rep"]).post(base, {"days": 3, "max_files": 4})
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "active" and body["max_files"] == 4
    token = body["url"].rsplit("/kyc/upload/", 1)[1].strip("/")
    assert links.resolve_link(token).pk == body["id"]
    listed = api(people["rep"]).get(base).json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]
    assert "url" not in listed[0] and token not in str(listed)
    revoked = api(people["rep"]).post(f"{base}/{body['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    again = api(people["rep"]).post(f"{base}/{body['id']}/revoke")
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "link"


def test_api_errors_rights_and_scope(people, app):
    base = f"/kyc/applications/{app.pk}/upload-links"
    response = api(people["rep"]).post(base, {"days": 45})
    assert response.status_code == 422
    assert (response.json()["errors"][0]["field"], response.json()["errors"][0]["rule"]) == (
        "days",
        "range",
    )
    assert api(people["risk"]).post(base, {}).status_code == 403
    assert api(people["risk"]).get(base).status_code == 200  # view right: the list
    assert api(people["other"]).get(base).status_code == 404
    assert api(people["other"]).post(base, {}).status_code == 404
    link, _token = new_link(people, app)
    assert api(people["other"]).post(f"{base}/{link.pk}/revoke").status_code == 404
    other_app_account = factories.make_customer(people["other"], name="乙公司")
    other_app = cert.open_application(actor=people["other"], account_id=other_app_account.pk)
    # a link id under another application is not found either
    wrong = f"/kyc/applications/{other_app.pk}/upload-links/{link.pk}/revoke"
    assert api(people["other"]).post(wrong).status_code == 404
    assert UploadLink.objects.count() == 1
    assert UploadLink.objects.get().revoked_at is None
