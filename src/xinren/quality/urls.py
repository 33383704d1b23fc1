from django.urls import path

from . import export_views, views

urlpatterns = [
    path("customers/duplicates/", views.duplicate_panel, name="customer-duplicates"),
    # exports of the list pages
    path("exports/<slug:name>.<str:fmt>", export_views.export, name="export"),
    path("exports/runs/<int:pk>/", export_views.export_run, name="export-run"),
    path("exports/runs/<int:pk>/download/", export_views.export_download, name="export-download"),
]
