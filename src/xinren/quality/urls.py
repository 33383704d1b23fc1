from django.urls import path

from . import views
from .measures import views as measure_views

urlpatterns = [
    path("customers/duplicates/", views.duplicate_panel, name="customer-duplicates"),
    # data-quality measures
    path("quality/", measure_views.dashboard, name="quality-dashboard"),
    path("quality/refresh/", measure_views.refresh, name="quality-refresh"),
    path("quality/tasks/", measure_views.my_tasks, name="quality-tasks"),
    path("quality/tasks/assign/", measure_views.assign, name="quality-assign"),
    path("quality/settings/", measure_views.profile_settings, name="quality-settings"),
]
