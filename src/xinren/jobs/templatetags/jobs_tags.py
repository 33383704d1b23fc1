from django import template
from django.utils import timezone

register = template.Library()

# Below this, a job shows only a quiet "working" line: a bar that flashes by helps nobody.
BAR_AFTER_SECONDS = 2


@register.filter
def shows_bar(job) -> bool:
    started = job.started_at or job.created_at
    return (timezone.now() - started).total_seconds() >= BAR_AFTER_SECONDS
