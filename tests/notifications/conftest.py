"""Fixtures of the notification tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clinic.celery import app as celery_app


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run tasks in the test's thread (and raise their errors), as a worker would run them."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved
