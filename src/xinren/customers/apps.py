from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "xinren.customers"
    label = "customers"
    verbose_name = "Customer master data"
