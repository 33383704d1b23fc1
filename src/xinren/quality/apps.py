from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "xinren.quality"
    label = "quality"
    verbose_name = "Master-data quality"

    def ready(self) -> None:
        # The customer page follows a merged-away company to its survivor (customers/successors.py).
        from xinren.customers.successors import register_successor_lookup

        from .merging import survivor_of

        register_successor_lookup(survivor_of)
