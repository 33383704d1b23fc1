from django.urls import path

from . import views

urlpatterns = [
    path("risk/", views.risk_list, name="risk-list"),
    path("risk/rescore/", views.rescore, name="risk-rescore"),
    path("risk/accounts/<int:pk>/", views.account_risk, name="risk-account"),
    path("risk/policy/", views.policy_settings, name="risk-policy"),
]
