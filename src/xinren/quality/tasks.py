"""Background tasks of the quality package (found by the worker's tasks autodiscovery)."""

from .measures.tasks import daily_quality_refresh, quality_refresh  # noqa: F401
