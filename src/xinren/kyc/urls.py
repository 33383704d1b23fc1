from django.urls import path

from . import views

urlpatterns = [
    path("kyc/lists/", views.lists, name="kyc-lists"),
    path("kyc/lists/<int:pk>/", views.list_detail, name="kyc-list"),
    path("kyc/hits/", views.hits, name="kyc-hits"),
    path("kyc/hits/<int:pk>/decision/", views.hit_decision, name="kyc-hit-decision"),
    path("customers/<int:pk>/list-hits/", views.company_hits, name="kyc-company-hits"),
]
