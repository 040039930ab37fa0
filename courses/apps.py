from __future__ import annotations

from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses of care"

    def ready(self) -> None:
        from courses import receivers

        receivers.connect()
