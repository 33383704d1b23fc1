from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "xinren.sales"
    label = "sales"
    verbose_name = "Contracts, orders and payments"
