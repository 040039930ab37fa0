from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "notifications"

    def ready(self) -> None:
        # Register the tasks in every process (web too): the outbox hands rows to them by name.
        from notifications import tasks  # noqa: F401
