from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "xinren.standards"
    label = "standards"
    verbose_name = "National standards (codes and formats)"
