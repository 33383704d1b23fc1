from django.apps import AppConfig


class CadenceConfig(AppConfig):
    name = "xinren.cadence"
    label = "cadence"
    verbose_name = "Service tiers and visit cadence"
