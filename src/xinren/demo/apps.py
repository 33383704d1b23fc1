from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "xinren.demo"
    label = "demo"
    verbose_name = "Demo data"
