"""Pages of the customer's upload link: the public page /kyc/upload/<token>/ (no sign-in:
only the company's name, the required documents and what went up through this link), and
staff's panel on the application page (make, list, revoke links)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from xinren.core.errors import error_items
from xinren.customers.models import Document
from xinren.orgs.access import has_action
from xinren.orgs.models import Action
from xinren.web.forms import add_service_errors

from . import upload_links
from .models import Application, UploadLink
from .upload_forms import LinkUploadForm, NewLinkForm

# A request this much larger than one file is refused before its body is read.
BODY_MARGIN = 1024 * 1024


class _SizeCap(FileUploadHandler):
    """Stops reading a file as soon as it passes the limit (nothing of it reaches the disk);
    the page then says "too large" instead of failing."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit, self.seen, self.too_large = limit, 0, False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.seen = 0

    def receive_data_chunk(self, raw_data, start):
        self.seen += len(raw_data)
        if self.seen > self.limit:
            self.too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def _public(response):
    """Never cached, never indexed, and the address (the token) never sent to another site
    in a Referer. ``same-origin`` rather than ``no-referrer``: under ``no-referrer`` a browser
    posts the page's own forms with ``Origin: null``, which the CSRF check rightly refuses;
    the page loads nothing from other sites, and no link on it leads to one."""
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request, refusal: upload_links.LinkRefused):
    return _public(
        render(
            request,
            "xinren/kyc/upload_refused.html",
            {"message": refusal.message, "state": refusal.state},
            status=refusal.status,
        )
    )


@csrf_exempt  # the size cap must be installed before the CSRF check reads the body …
@never_cache
def upload_page(request, token: str):
    """The customer's page: GET shows it; POST ``action=upload`` stores one document,
    ``action=finish`` submits (the link is then used up)."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if request.method == "POST" and (
        not length.isdigit() or int(length) > upload_links.max_bytes() * 2 + BODY_MARGIN
    ):
        # far too large: answered without reading the body (nothing is stored, so no CSRF)
        try:
            link = upload_links.resolve_link(token)
        except upload_links.LinkRefused as refusal:
            return _refused(request, refusal)
        choices = upload_links.required_documents(link)
        return _page(request, link, choices, LinkUploadForm(choices=choices), [_too_large()], 413)
    cap = _SizeCap(request, upload_links.max_bytes())
    request.upload_handlers.insert(0, cap)
    return _upload_page(request, token, cap)


def _too_large() -> str:
    return _("文件过大：最大 %(m)d MB。") % {"m": upload_links.max_bytes() // (1024 * 1024)}


def _page(request, link, choices, form, errors, status, uploaded_now=False):
    context = _context(link, choices)
    context.update(form=form, errors=errors, uploaded_now=uploaded_now)
    return _public(render(request, "xinren/kyc/upload.html", context, status=status))


@csrf_protect  # … and the token is checked here, as on every other form
def _upload_page(request, token: str, cap: _SizeCap):
    try:
        link = upload_links.resolve_link(token)
    except upload_links.LinkRefused as refusal:
        return _refused(request, refusal)
    choices = upload_links.required_documents(link)
    form = LinkUploadForm(choices=choices)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        status = 422
        action = request.POST.get("action", "")
        try:
            if action == "finish":
                link = upload_links.finish(token=token)
                return _public(
                    render(request, "xinren/kyc/upload_done.html", _context(link, choices))
                )
            if action != "upload":
                raise ValidationError({"action": [ValidationError(_("未知操作。"), "choice")]})
            form = LinkUploadForm(request.POST, request.FILES, choices=choices)
            if cap.too_large:
                form.is_valid()
                form.errors.pop("file", None)
                form.add_error("file", _too_large())
            elif form.is_valid():
                upload_links.upload_document(token=token, **form.cleaned_data)
                # after a POST, a GET: reloading the page does not upload the file again
                return _public(redirect(f"{request.path}?uploaded=1"))
        except upload_links.LinkRefused as refusal:
            return _refused(request, refusal)
        except ValidationError as exc:
            if action == "upload":
                add_service_errors(form, exc)
            else:
                errors = [item["message"] for item in error_items(exc)]
    uploaded_now = request.method == "GET" and request.GET.get("uploaded") == "1"
    return _page(request, link, choices, form, errors, status, uploaded_now)


def _context(link: UploadLink, choices) -> dict:
    docs = upload_links.uploaded_documents(link)
    by_type: dict[str, list[Document]] = {}
    for doc in docs:
        by_type.setdefault(doc.doc_type, []).append(doc)
    return {
        "company_name": link.application.account.company.name,
        "required": [(code, label, by_type.get(code, [])) for code, label in choices],
        "link": link,
        "remaining": max(link.max_files - link.files_uploaded, 0),
        "max_mb": upload_links.max_bytes() // (1024 * 1024),
        "allowed": "PDF, JPG, PNG",
    }


# --- staff -----------------------------------------------------------------------------------
@login_required
def links_panel(request, pk: int):
    """The application page's panel (htmx): the links with their state; a new link's full
    address is shown once, right after it was made."""
    user = request.user
    try:
        links = upload_links.links_for(user, pk)
    except Application.DoesNotExist:
        raise Http404 from None
    form = NewLinkForm()
    errors: list[str] = []
    new_url = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "create":
                form = NewLinkForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(form.errors.as_data())
                _link, token = upload_links.create_link(
                    actor=user, application_id=pk, **form.cleaned_data
                )
                new_url = request.build_absolute_uri(upload_links.link_path(token))
                form = NewLinkForm()
            elif action == "revoke":
                link_id = request.POST.get("link", "")
                if not link_id.isdigit():
                    raise Http404
                upload_links.revoke_link(actor=user, application_id=pk, link_id=int(link_id))
            else:
                raise ValidationError({"action": [ValidationError(_("未知操作。"), "choice")]})
        except (Application.DoesNotExist, UploadLink.DoesNotExist):
            raise Http404 from None
        except ValidationError as exc:
            status = 422
            if action == "create" and not form.errors:
                add_service_errors(form, exc)
            elif action != "create":
                errors = [item["message"] for item in error_items(exc)]
        links = upload_links.links_for(user, pk)
    app = links[0].application if links else None
    if app is None:
        app = Application.objects.get(pk=pk)  # in scope: links_for checked it
    response = render(
        request,
        "xinren/kyc/_upload_links.html" if request.htmx else "xinren/kyc/upload_links_page.html",
        {
            "app": app,
            "links": [
                (link, state, upload_links.STATE_LABELS[state])
                for link in links
                for state in [upload_links.state_of(link)]
            ],
            "form": form,
            "errors": errors,
            "new_url": new_url,
            "can_edit": has_action(user, Action.EDIT),
            "open": app.status in upload_links.OPEN_STATUSES,
            "nav": "kyc-applications",
        },
        status=status,
    )
    if new_url:
        response["Cache-Control"] = "no-store"
    return response
