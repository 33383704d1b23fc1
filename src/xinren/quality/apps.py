from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "xinren.quality"
    label = "quality"
    verbose_name = "Master-data quality"
