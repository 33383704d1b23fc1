from django.urls import path

from . import views, views_dedupe

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
]
