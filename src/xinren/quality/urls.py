from django.urls import path

from . import export_views, views, views_dedupe
from .measures import views as measure_views

urlpatterns = [
    path("customers/duplicates/", views.duplicate_panel, name="customer-duplicates"),
    # batch detection and its review queue
    path("quality/duplicates/", views_dedupe.duplicate_queue, name="quality-duplicates"),
    path("quality/duplicates/run/", views_dedupe.duplicate_run, name="quality-duplicates-run"),
    path(
        "quality/duplicates/<int:pk>/decide/",
        views_dedupe.duplicate_decide,
        name="quality-duplicate-decide",
    ),
    path(
        "quality/merge/<int:survivor_id>/<int:other_id>/",
        views.merge_page,
        name="quality-merge",
    ),
    path("quality/merges/", views.merge_list, name="quality-merges"),
    path("quality/merges/<int:pk>/", views.merge_detail, name="quality-merge-detail"),
    path("quality/merges/<int:pk>/undo/", views.merge_undo, name="quality-merge-undo"),
    path("quality/import/", views.customer_import, name="customer-import"),
    path("quality/import/report.xlsx", views.customer_import_report, name="customer-import-report"),
    # data-quality measures
    path("quality/", measure_views.dashboard, name="quality-dashboard"),
    path("quality/refresh/", measure_views.refresh, name="quality-refresh"),
    path("quality/tasks/", measure_views.my_tasks, name="quality-tasks"),
    path("quality/tasks/assign/", measure_views.assign, name="quality-assign"),
    path("quality/settings/", measure_views.profile_settings, name="quality-settings"),
    # exports of the list pages
    path("exports/<slug:name>.<str:fmt>", export_views.export, name="export"),
    path("exports/runs/<int:pk>/", export_views.export_run, name="export-run"),
    path("exports/runs/<int:pk>/download/", export_views.export_download, name="export-download"),
]
