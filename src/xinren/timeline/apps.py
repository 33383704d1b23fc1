from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "xinren.timeline"
    label = "timeline"
    verbose_name = "Customer timeline"
