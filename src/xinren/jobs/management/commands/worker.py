"""``xinren worker``: the background-job consumer (Huey), running periodic tasks too."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules


class Command(BaseCommand):
    help = "Run the background-job worker (reminders, e-mail, digests, imports)."

    def add_arguments(self, parser):
        parser.add_argument("--workers", "-w", type=int, default=1, help="worker threads")
        parser.add_argument(
            "--no-periodic", action="store_true", help="do not run the periodic schedule"
        )

    def handle(self, *args, workers, no_periodic, **options):
        from huey.consumer_options import ConsumerConfig
        from huey.contrib.djhuey import HUEY

        if workers < 1:
            from django.core.management.base import CommandError

            raise CommandError("--workers must be at least 1")
        autodiscover_modules("tasks")
        # flush_locks: a worker killed mid-task leaves its task lock behind; clear it at start.
        config = ConsumerConfig(
            workers=workers, worker_type="thread", periodic=not no_periodic, flush_locks=True
        )
        config.validate()
        logger = logging.getLogger("huey")
        if not logger.handlers:
            config.setup_logger(logger)
        # Huey's own handler only (the root console handler printed every line twice), and
        # each task execution (the outbox runs every minute) only with -v 2.
        logger.propagate = False
        logger.setLevel(logging.INFO if options.get("verbosity", 1) >= 2 else logging.WARNING)
        logging.getLogger("huey.consumer").setLevel(logging.INFO)
        where = "Redis (REDIS_URL)" if settings.REDIS_URL else settings.HUEY.get("filename")
        self.stdout.write(f"Xinren worker: {workers} worker(s), queue {where}", ending="\n")
        self.stdout.flush()
        if not no_periodic:
            # Catch up at start (after a restart or a first `make run`) instead of waiting
            # for the next hourly run; a scan is harmless to repeat.
            from xinren.notifications.tasks import reminder_scan

            reminder_scan()
        HUEY.create_consumer(**config.values).run()
