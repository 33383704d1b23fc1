from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "xinren.risk"
    label = "risk"
    verbose_name = "Risk and credit policy"

    def ready(self) -> None:
        # Sales calls the hook; risk (above sales) plugs its policy in. See sales/credit.py.
        from xinren.sales.credit import register_credit_check

        from .policy import check_new_business

        register_credit_check(check_new_business)
