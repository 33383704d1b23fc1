from django.urls import path

from . import views

urlpatterns = [
    path("customers/duplicates/", views.duplicate_panel, name="customer-duplicates"),
    path(
        "quality/merge/<int:survivor_id>/<int:other_id>/",
        views.merge_page,
        name="quality-merge",
    ),
    path("quality/merges/", views.merge_list, name="quality-merges"),
    path("quality/merges/<int:pk>/", views.merge_detail, name="quality-merge-detail"),
    path("quality/merges/<int:pk>/undo/", views.merge_undo, name="quality-merge-undo"),
]
