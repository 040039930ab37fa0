"""`manage.py prepare_local_run`: the folders and the dev secret that `make run` needs under var/."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create var/ (static root, the filesystem broker's folders) and a dev-only secret key, if missing."

    def handle(self, *args: Any, **options: Any) -> None:
        folders = [Path(settings.STATIC_ROOT)]
        transport = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        broker_folders = ("data_folder_in", "data_folder_out", "control_folder")
        folders += [Path(transport[key]) for key in broker_folders if key in transport]
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
        secret_file = Path(settings.BASE_DIR) / "var" / "dev-secret-key"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_urlsafe(50))
            secret_file.chmod(0o600)
        self.stdout.write(f"Ready: {', '.join(str(f) for f in folders)} and {secret_file}.")
