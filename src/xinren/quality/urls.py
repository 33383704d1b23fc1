from django.urls import path

from . import views

urlpatterns = [
    path("customers/duplicates/", views.duplicate_panel, name="customer-duplicates"),
]
