from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinren.customers.selectors import visible_companies


class LoginView(auth_views.LoginView):
    template_name = "xinren/web/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request):
    logout(request)
    return redirect("web:login")


def home(request):
    return redirect("web:customer-list")


@login_required
def customer_list(request):
    companies = visible_companies(request.user)[:50]
    return render(request, "xinren/web/customer_list.html", {"companies": companies})
