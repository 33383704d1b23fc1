"""Sign-in and sign-out."""

from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.views.decorators.http import require_POST


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
