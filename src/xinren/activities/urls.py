"""Page routes of interactions and timelines; included by ``xinren.web.urls`` (namespace
``web``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("customers/<int:pk>/timeline/", views.company_timeline, name="company-timeline"),
    path("customers/<int:pk>/interactions/new/", views.log_interaction, name="interaction-log"),
    path("accounts/<int:pk>/timeline/", views.account_timeline, name="account-timeline"),
    path("interactions/<int:pk>/edit/", views.edit_interaction, name="interaction-edit"),
    path("interactions/<int:pk>/delete/", views.delete_interaction, name="interaction-delete"),
    path("me/next-steps/", views.my_next_steps, name="my-next-steps"),
    path("interactions/<int:pk>/done/", views.complete_next_step, name="interaction-done"),
]
