"""``xinren serve``: the production server.

Migrates the database and collects static files first, then runs gunicorn in-process (so the
same ``xinren`` entry point works everywhere, without a separate gunicorn config file).
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def default_workers() -> int:
    """Two workers per core, at least two; SQLite serialises writers anyway, so more buys
    nothing in the embedded default."""
    return max(2, 2 * (os.cpu_count() or 1))


class Command(BaseCommand):
    help = "Run Xinren with gunicorn after migrating and collecting static files."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=None)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument(
            "--no-migrate", action="store_true", help="skip migrate and collectstatic"
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="do not start a background worker (default: one, unless REDIS_URL is set)",
        )

    def handle(self, *args, host, port, workers, threads, no_migrate, no_worker, **options):
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}")
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=1)
            call_command("collectstatic", interactive=False, verbosity=0)
        workers = workers or default_workers()
        self.stdout.write(
            f"Xinren on http://{host}:{port}/  (data: {settings.DATA_DIR}, "
            f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
            f"{workers} workers)"
        )
        from gunicorn.app.base import BaseApplication

        from xinren.wsgi import application

        class XinrenServer(BaseApplication):
            def load_config(self):
                for key, value in {
                    "bind": f"{host}:{port}",
                    "workers": workers,
                    "threads": threads,
                    "worker_class": "gthread",
                    "accesslog": "-",
                    "errorlog": "-",
                    "timeout": 60,
                    "graceful_timeout": 20,
                    "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
                }.items():
                    self.cfg.set(key, value)

            def load(self):
                return application

        from xinren.jobs.worker_process import start_worker, stop_worker

        # The embedded default runs one background worker as a child (reminders work out of
        # the box); with Redis, workers run separately (`xinren worker`).
        child = None if no_worker or settings.REDIS_URL else start_worker()
        try:
            XinrenServer().run()
        finally:
            stop_worker(child)
