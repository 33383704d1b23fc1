from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "xinren.activities"
    label = "activities"
    verbose_name = "Interactions"
