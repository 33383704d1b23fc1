"""The customer's upload link in a real browser: staff make a link on the application page
(the address shown once), the customer opens it without signing in, uploads a real PDF,
is refused a renamed PNG, submits, and the link is then gone (410)."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser import ARTIFACTS, BROWSER, sign_in
from xinren.customers.models import Document
from xinren.kyc import certification as cert
from xinren.kyc.models import UploadLink

pytestmark = BROWSER


def small_pdf() -> bytes:
    """A valid one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length 44 >>\nstream\nBT /F1 24 Tf 72 760 Td (Business licence) Tj ET\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    from xinren.orgs.services import ensure_builtin_roles

    settings.MEDIA_ROOT = tmp_path / "files"
    ensure_builtin_roles()  # a transactional test flushes what the data migration made
    org = factories.build_org_tree()
    rep = factories.make_user(org.a_sales, "sales_rep", username="rep", full_name="李销售")
    account = factories.make_customer(rep, name="杭州云帆贸易有限公司")
    return cert.open_application(actor=rep, account_id=account.pk)


def test_customer_uploads_a_pdf_through_the_link(live_server, browser, world, tmp_path):
    staff = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1000})
    sign_in(staff, live_server.url, "rep")
    staff.goto(f"{live_server.url}/kyc/applications/{world.pk}/")
    staff.wait_for_selector("[data-testid=new-link-form]")
    staff.fill("[name=days]", "5")
    staff.click("[data-testid=create-link]")
    url = staff.input_value("[data-testid=new-link-url]")
    assert url.startswith(f"{live_server.url}/kyc/upload/")
    staff.screenshot(path=str(ARTIFACTS / "kyc-upload-link-staff.png"), full_page=True)

    pdf = tmp_path / "营业执照.pdf"
    pdf.write_bytes(small_pdf())
    fake = tmp_path / "身份证.pdf"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    customer = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 1000})
    page = customer.new_page()
    page.goto(url)
    assert "杭州云帆贸易有限公司" in page.inner_text("[data-testid=company]")
    assert "李销售" not in page.content()
    page.select_option("[name=doc_type]", "business_licence")
    page.set_input_files("[name=file]", str(pdf))
    page.fill("[name=issued_on]", "2024-03-01")
    page.fill("[name=expires_on]", "2044-02-29")
    page.click("[data-testid=upload]")
    page.wait_for_selector("[data-testid=uploaded]")
    assert "营业执照.pdf" in page.inner_text("[data-testid=required-business_licence]")

    page.select_option("[name=doc_type]", "legal_rep_id")
    page.set_input_files("[name=file]", str(fake))
    page.click("[data-testid=upload]")
    error = page.wait_for_selector("[data-testid=error-file]")
    assert "文件内容与扩展名" in error.inner_text()
    page.screenshot(path=str(ARTIFACTS / "kyc-upload-link-customer.png"), full_page=True)

    page.click("[data-testid=finish]")
    page.wait_for_selector("[data-testid=done]")
    doc = Document.objects.get()
    assert (doc.original_name, doc.content_type, doc.uploaded_by) == (
        "营业执照.pdf",
        "application/pdf",
        None,
    )
    assert doc.file.read() == small_pdf()
    assert UploadLink.objects.get().used_at is not None
    response = page.goto(url)
    assert response.status == 410
    assert "已提交，不能再次使用" in page.inner_text("[data-testid=refused]")

    english = browser.new_context(locale="en-US").new_page()
    response = english.goto(url)
    assert response.status == 410
    assert "already been submitted" in english.inner_text("[data-testid=refused]")

    staff.reload()
    staff.wait_for_selector("[data-testid=link-list] [data-state=used]")
    assert "客户（上传链接）" in staff.inner_text("[data-testid=steps]")
