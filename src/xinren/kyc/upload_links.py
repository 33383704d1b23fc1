"""The customer's upload link (客户上传链接): a one-time, expiring link through which the
customer uploads the documents one certification application requires, without signing in.

Staff side (edit right, application's account in scope): :func:`create_link` returns the link
and its raw token once (only its SHA-256 is stored, like a password-reset link);
:func:`revoke_link` closes it. Public side: :func:`resolve_link` answers the link of a token or
refuses it (:class:`LinkRefused`: unknown → 404; expired, used, revoked or application closed
→ 410); :func:`upload_document` stores one document through the link, :func:`finish` is the
customer's "提交/Submit", after which the link is refused.

Choices: a link can be made while the application is a draft or submitted (before the review
starts: reviewers see a stable set of documents), and it stops accepting files as soon as the
application goes into review. The customer's Submit does not change the application's status:
staff submit it (or re-run the checks) after looking at the files; the preparer and the link's
creator are notified.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinren.audit.models import ChangeLog
from xinren.audit.services import record_change, snapshot
from xinren.core.errors import field_error
from xinren.customers.models import Document, DocumentType
from xinren.customers.selectors import visible_accounts
from xinren.customers.services import store_document
from xinren.notifications.models import Notification, NotificationKind
from xinren.notifications.services import channels_for, notification_for
from xinren.orgs.access import require_action
from xinren.orgs.models import Action, User

from .certification import standard_for
from .models import Application, ApplicationStatus, ApplicationStep, UploadLink

DEFAULT_DAYS = 7
MAX_DAYS = 30
DEFAULT_MAX_FILES = 10
MAX_MAX_FILES = 50
# PDF, JPEG and PNG only (what a phone or a scanner produces); OFD is left out on purpose
ALLOWED = ("pdf", "jpg", "jpeg", "png")
OPEN_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED)
AUDITED = ["application", "expires_at", "max_files", "files_uploaded", "used_at", "revoked_at"]
URL_PREFIX = "/kyc/upload/"


def max_bytes() -> int:
    return settings.KYC_UPLOAD_MAX_BYTES


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def link_path(token: str) -> str:
    return f"{URL_PREFIX}{token}/"


# --- states ----------------------------------------------------------------------------------
class LinkState:
    ACTIVE = "active"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"
    CLOSED = "closed"  # the application went into review or was decided


STATE_LABELS = {
    LinkState.ACTIVE: gettext_lazy("有效"),
    LinkState.EXPIRED: gettext_lazy("已过期"),
    LinkState.USED: gettext_lazy("已提交"),
    LinkState.REVOKED: gettext_lazy("已撤销"),
    LinkState.CLOSED: gettext_lazy("申请已进入审核"),
}


def state_of(link: UploadLink, now=None) -> str:
    """Revoked before used before expired before closed: the first reason it is refused."""
    now = now or timezone.now()
    if link.revoked_at:
        return LinkState.REVOKED
    if link.used_at:
        return LinkState.USED
    if link.expires_at <= now:
        return LinkState.EXPIRED
    if link.application.status not in OPEN_STATUSES:
        return LinkState.CLOSED
    return LinkState.ACTIVE


class LinkRefused(Exception):
    """A token that opens nothing: ``status`` 404 (unknown) or 410 (gone), with a message
    the customer can act on."""

    def __init__(self, state: str, status: int, message: str):
        super().__init__(message)
        self.state, self.status, self.message = state, status, message


def _refusal(state: str) -> LinkRefused:
    messages = {
        "unknown": _("链接无效：请检查地址是否完整，或联系您的客户经理索取新链接。"),
        LinkState.EXPIRED: _("该上传链接已过期，请联系您的客户经理索取新链接。"),
        LinkState.USED: _("该上传链接已提交，不能再次使用。如需补充文件，请索取新链接。"),
        LinkState.REVOKED: _("该上传链接已被撤销，请联系您的客户经理。"),
        LinkState.CLOSED: _("该认证申请已进入审核，不再通过此链接接收文件。"),
    }
    return LinkRefused(state, 404 if state == "unknown" else 410, messages[state])


# --- staff side ------------------------------------------------------------------------------
def _application(actor: User, application_id: int, *, lock: bool = False) -> Application:
    """The application if its account is in the actor's scope (else DoesNotExist → 404)."""
    apps = Application.objects.filter(account__in=visible_accounts(actor))
    if lock:
        apps = apps.select_for_update()
    return apps.select_related("account", "account__company").get(pk=application_id)


def links_for(actor: User, application_id: int) -> list[UploadLink]:
    """The application's links, newest first (view right, account in scope)."""
    require_action(actor, Action.VIEW)
    app = _application(actor, application_id)
    links = list(app.upload_links.select_related("created_by").order_by("-id"))
    for link in links:
        link.application = app
    return links


def create_link(
    *,
    actor: User,
    application_id: int,
    days: int = DEFAULT_DAYS,
    max_files: int = DEFAULT_MAX_FILES,
) -> tuple[UploadLink, str]:
    """A new link for the application and its raw token (shown once, never stored). Edit
    right; the application is a draft or submitted; valid 1–30 days, 1–50 files."""
    require_action(actor, Action.EDIT)
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise field_error(
            "days", _("有效期须在 1 到 %(max)s 天之间。") % {"max": MAX_DAYS}, "range"
        )
    if not isinstance(max_files, int) or not 1 <= max_files <= MAX_MAX_FILES:
        raise field_error(
            "max_files",
            _("文件数上限须在 1 到 %(max)s 之间。") % {"max": MAX_MAX_FILES},
            "range",
        )
    with transaction.atomic():
        app = _application(actor, application_id, lock=True)
        if app.status not in OPEN_STATUSES:
            raise field_error(
                "status",
                _("只有草稿或已提交（尚未开始审核）的申请可以发送上传链接。"),
                "not_open",
            )
        token = secrets.token_urlsafe(32)
        link = UploadLink.objects.create(
            application=app,
            token_hash=hash_token(token),
            created_by=actor,
            expires_at=timezone.now() + timedelta(days=days),
            max_files=max_files,
        )
        record_change(
            actor=actor,
            action=ChangeLog.Action.CREATE,
            instance=link,
            after=snapshot(link, AUDITED),
            company_id=app.account.company_id,
            account_id=app.account_id,
        )
    return link, token


def revoke_link(*, actor: User, application_id: int, link_id: int) -> UploadLink:
    """Close a link before its time (edit right, account in scope). A link already revoked
    or submitted by the customer is refused (``link``, ``closed``)."""
    require_action(actor, Action.EDIT)
    with transaction.atomic():
        app = _application(actor, application_id, lock=True)
        link = UploadLink.objects.select_for_update().get(pk=link_id, application=app)
        link.application = app
        if link.revoked_at or link.used_at:
            raise field_error("link", _("该链接已撤销或已由客户提交，无需撤销。"), "closed")
        before = snapshot(link, AUDITED)
        link.revoked_at = timezone.now()
        link.revoked_by = actor
        link.save(update_fields=["revoked_at", "revoked_by"])
        record_change(
            actor=actor,
            action=ChangeLog.Action.UPDATE,
            instance=link,
            before=before,
            after=snapshot(link, AUDITED),
            company_id=app.account.company_id,
            account_id=app.account_id,
        )
    return link


# --- public side -----------------------------------------------------------------------------
def resolve_link(token: str, *, lock: bool = False) -> UploadLink:
    """The active link of a raw token, or :class:`LinkRefused` (404 unknown; 410 expired,
    used, revoked, application in review)."""
    token = token or ""
    if not 20 <= len(token) <= 100 or not token.isascii():
        raise _refusal("unknown")
    links = UploadLink.objects.select_related("application__account__company")
    if lock:
        links = links.select_for_update()
    link = links.filter(token_hash=hash_token(token)).first()
    if link is None:
        raise _refusal("unknown")
    state = state_of(link)
    if state != LinkState.ACTIVE:
        raise _refusal(state)
    return link


def required_documents(link: UploadLink) -> list[tuple[str, str]]:
    """``(code, label)`` of the documents the application's standard requires: the only
    types the link accepts."""
    standard = standard_for(link.application.account)
    return [(code, str(DocumentType(code).label)) for code in standard.required_documents]


def uploaded_documents(link: UploadLink) -> list[Document]:
    """What was uploaded through this link (and nothing else of the company)."""
    return list(link.documents.order_by("id"))


def _list_separator() -> str:
    return "、" if (translation.get_language() or "zh").startswith("zh") else ", "


def _step_note(link: UploadLink, text: str) -> None:
    app = link.application
    ApplicationStep.objects.create(
        application=app, from_status=app.status, to_status=app.status, actor=None, note=text
    )


def upload_document(
    *,
    token: str,
    doc_type: str,
    file,
    issued_on: date | None = None,
    expires_on: date | None = None,
) -> Document:
    """Store one document through the link: a type the standard requires, PDF/JPEG/PNG whose
    content matches its extension, at most ``KYC_UPLOAD_MAX_BYTES``, within the link's file
    count. The document belongs to the application's account and company (``uploaded_by``
    empty: the customer); the step history notes it with the link. Nothing is stored on a
    refusal."""
    with transaction.atomic():
        link = resolve_link(token, lock=True)
        app = link.application
        required = [code for code, _label in required_documents(link)]
        if doc_type not in required:
            raise field_error(
                "doc_type",
                _("此链接只接收本次认证所需的证照：%(docs)s。")
                % {"docs": _list_separator().join(label for _c, label in required_documents(link))},
                "not_required",
            )
        if link.files_uploaded >= link.max_files:
            raise field_error(
                "file",
                _("已达到此链接的文件数上限（%(max)s 份）。") % {"max": link.max_files},
                "file_count",
            )
        today = timezone.localdate()
        if issued_on and issued_on > today:
            raise field_error("issued_on", _("签发日期不能晚于今天。"), "date_future")
        document = store_document(
            actor=None,
            company=app.account.company,
            account=app.account,
            file=file,
            doc_type=doc_type,
            issued_on=issued_on,
            expires_on=expires_on,
            allowed=ALLOWED,
            max_bytes=max_bytes(),
        )
        link.documents.add(document)
        link.files_uploaded += 1
        link.save(update_fields=["files_uploaded"])
        with translation.override(settings.LANGUAGE_CODE):
            _step_note(
                link,
                _("客户通过上传链接 #%(link)s 上传了%(type)s：%(name)s")
                % {
                    "link": link.pk,
                    "type": document.get_doc_type_display(),
                    "name": document.original_name,
                },
            )
    return document


def finish(*, token: str) -> UploadLink:
    """The customer's Submit: the link is used up (refused from now on), the step history
    notes it, and the preparer and the link's creator are notified. At least one file."""
    with transaction.atomic():
        link = resolve_link(token, lock=True)
        if link.files_uploaded == 0:
            raise field_error("file", _("请至少上传一份文件后再提交。"), "no_files")
        before = snapshot(link, AUDITED)
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
        app = link.application
        record_change(
            actor=None,
            action=ChangeLog.Action.UPDATE,
            instance=link,
            before=before,
            after=snapshot(link, AUDITED),
            company_id=app.account.company_id,
            account_id=app.account_id,
        )
        with translation.override(settings.LANGUAGE_CODE):
            _step_note(
                link,
                _("客户通过上传链接 #%(link)s 提交了 %(count)s 份文件")
                % {"link": link.pk, "count": link.files_uploaded},
            )
        _notify(link)
    return link


def _notify(link: UploadLink) -> None:
    app = link.application
    recipients = [
        u
        for u in User.objects.filter(
            pk__in={app.prepared_by_id, link.created_by_id} - {None}, is_active=True
        )
    ]
    prefs = channels_for({u.pk for u in recipients})
    now = timezone.now()
    rows = []
    for user in recipients:
        channels = prefs(user.pk, NotificationKind.KYC_UPLOAD)
        if not any(channels):
            continue
        with translation.override(user.preferred_language or None):
            title = _("%(customer)s 已通过上传链接提交 %(count)s 份认证文件") % {
                "customer": app.account.company.name,
                "count": link.files_uploaded,
            }
        rows.append(
            notification_for(
                user,
                channels,
                now,
                kind=NotificationKind.KYC_UPLOAD,
                event_key=f"kyc-upload:{link.pk}",
                title=title[:255],
                url=f"/kyc/applications/{app.pk}/",
                company_id=app.account.company_id,
                account_id=app.account_id,
            )  # fmt: skip
        )
    Notification.objects.bulk_create(rows)
