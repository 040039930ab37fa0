"""The health check for load balancers: database, broker and migrations."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinic.celery import app as celery_app


def check_database() -> tuple[bool, str]:
    """Return whether the database answers a trivial query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return False, exc.__class__.__name__
    return True, "ok"


def check_migrations() -> tuple[bool, str]:
    """Return whether every migration has been applied."""
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return False, exc.__class__.__name__
    return (not pending, "ok" if not pending else f"{len(pending)} pending")


def check_broker() -> tuple[bool, str]:
    """Return whether the Celery broker accepts a connection."""
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # kombu raises transport-specific errors; any of them means "down"
        return False, exc.__class__.__name__
    return True, "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the database, the broker and the migrations are fine, else 503. Public."""
    checks: dict[str, Any] = {}
    healthy = True
    for name, check in (("database", check_database), ("migrations", check_migrations), ("broker", check_broker)):
        ok, detail = check() if name != "migrations" or checks["database"]["ok"] else (False, "database down")
        checks[name] = {"ok": ok, "detail": detail}
        healthy = healthy and ok
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)
