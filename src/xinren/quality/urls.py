from django.urls import path

from . import views

urlpatterns = [
    path("customers/duplicates/", views.duplicate_panel, name="customer-duplicates"),
    path("quality/import/", views.customer_import, name="customer-import"),
    path("quality/import/report.xlsx", views.customer_import_report, name="customer-import-report"),
]
