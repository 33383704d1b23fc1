from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "xinren.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
