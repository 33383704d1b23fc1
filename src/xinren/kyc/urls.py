from django.urls import path

from . import upload_views, views

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
    # the customer's upload link: public (no sign-in), see upload_views
    path("kyc/upload/<str:token>/", upload_views.upload_page, name="kyc-upload"),
    path(
        "kyc/applications/<int:pk>/upload-links/",
        upload_views.links_panel,
        name="kyc-upload-links",
    ),
    path("kyc/registry/", views.registry_page, name="kyc-registry"),
    path("kyc/registry/jobs/<uuid:pk>/", views.registry_job, name="kyc-registry-job"),
]
