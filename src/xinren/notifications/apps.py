from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "xinren.notifications"
    label = "notifications"
    verbose_name = "Reminders and notifications"
