from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "xinren.orgs"
    label = "orgs"
    verbose_name = "Organisation and access"
