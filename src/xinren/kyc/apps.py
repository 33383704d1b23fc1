from django.apps import AppConfig


class KycConfig(AppConfig):
    name = "xinren.kyc"
    label = "kyc"
    verbose_name = "Certification (KYC) and risk control"
