"""Sign-in, the customer list (filters, search, keyset pages) and its export."""

from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinren.customers.exports import csv_stream
from xinren.customers.filters import CompanyFilters, filter_companies
from xinren.customers.selectors import with_visible_accounts

from .forms import CustomerFilterForm
from .paging import keyset_page

PAGE_SIZE = 20


class LoginView(auth_views.LoginView):
    """Django's login (argon2, CSRF, session rotation); django-axes counts failures by
    username and answers a locked account with the lock-out page."""

    template_name = "xinren/web/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request):
    logout(request)
    return redirect("web:login")


def home(request):
    return redirect("web:customer-list")


def _filters(request) -> tuple[CustomerFilterForm, CompanyFilters]:
    form = CustomerFilterForm(request.GET or None)
    data = dict(request.GET.items())
    if data.get("mine"):
        data["owner_id"] = request.user.pk
    return form, CompanyFilters.from_mapping(data)


@login_required
def customer_list(request):
    form, filters = _filters(request)
    companies = filter_companies(request.user, filters).order_by("-id")
    page = keyset_page(
        request, companies, PAGE_SIZE, prepare=lambda qs: with_visible_accounts(request.user, qs)
    )
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "xinren/web/customer_list.html"
    if request.htmx and request.htmx.target == "customer-results":
        template = "xinren/web/_customer_results.html"
    return render(request, template, context)


@login_required
def customer_export(request):
    _, filters = _filters(request)
    companies = filter_companies(request.user, filters).order_by("-id")
    stream = csv_stream(request.user, companies)  # PermissionDenied (403) without the right
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="xinren-customers-{stamp}.csv"'
    return response
