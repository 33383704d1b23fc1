from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "xinren.audit"
    label = "audit"
    verbose_name = "Change history"
