from django.urls import path

from . import views

urlpatterns = [
    path("kyc/lists/", views.lists, name="kyc-lists"),
    path("kyc/lists/<int:pk>/", views.list_detail, name="kyc-list"),
    path("kyc/hits/", views.hits, name="kyc-hits"),
    path("kyc/hits/<int:pk>/decision/", views.hit_decision, name="kyc-hit-decision"),
    path("customers/<int:pk>/list-hits/", views.company_hits, name="kyc-company-hits"),
    path("kyc/applications/", views.applications, name="kyc-applications"),
    path("kyc/applications/new/", views.application_open, name="kyc-application-open"),
    path("kyc/applications/<int:pk>/", views.application_detail, name="kyc-application"),
    path("kyc/standards/", views.standards, name="kyc-standards"),
    path("kyc/registry/", views.registry_page, name="kyc-registry"),
]
