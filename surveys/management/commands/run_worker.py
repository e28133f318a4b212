from __future__ import annotations

import logging
import random
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from surveys.services.maintenance import maintenance_tick


class Command(BaseCommand):
    help = (
        "Run the background worker: invitation and reminder e-mails, and the daily maintenance "
        "(roster purge, storage scrub of open waves, clean-up). Run one or more in production."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--queue-name",
            default="*",
            help="queues to process, comma-separated, or '*' for all (default: '*')",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds to wait when no task is ready (default: 1)",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="do one round (maintenance, ready tasks), then exit",
        )
        parser.add_argument("--no-startup-delay", action="store_false", dest="startup_delay")
        parser.add_argument(
            "--no-maintenance",
            action="store_false",
            dest="maintenance",
            help="only run tasks; leave the daily maintenance to another worker",
        )
        parser.add_argument(
            "--tasks-per-round",
            type=int,
            default=50,
            help="tasks to run before checking for due maintenance again (default: 50)",
        )
        parser.add_argument("--worker-id", default="", help="unique per worker (default: random)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
            raise CommandError(
                "run_worker needs TASKS to use django_tasks_db.DatabaseBackend "
                "(TASKS_BACKEND in the environment)."
            )
        if options["verbosity"] < 2:
            # Each round would log "Starting worker" / "No more tasks"; task lines stay.
            logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        queue_names = [name.strip() for name in options["queue_name"].split(",") if name.strip()]
        worker_id = options["worker_id"] or get_random_string(32)
        if options["startup_delay"] and not options["batch"]:
            time.sleep(random.random())  # several workers starting together do not collide
        self.stdout.write(f"Worker {worker_id} on queue(s) {','.join(queue_names)}.")
        while True:
            if options["maintenance"]:
                done = maintenance_tick(now=timezone.now())
                if done:
                    self.stdout.write(f"Maintenance: {', '.join(done)}")
            worker = Worker(
                queue_names=queue_names,
                interval=0,
                batch=True,
                backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                startup_delay=False,
                max_tasks=None if options["batch"] else options["tasks_per_round"],
                worker_id=worker_id,
                excluded_queue_names=[],
            )
            # SIGTERM/SIGINT: finish the running task, then stop (the database worker's handling).
            worker.configure_signals()
            worker.run()
            if options["batch"] or not worker.running:
                return
            if not self._ready(queue_names):
                time.sleep(options["interval"])

    def _ready(self, queue_names: list[str]) -> bool:
        tasks = DBTaskResult.objects.ready().filter(backend_name=DEFAULT_TASK_BACKEND_ALIAS)
        if "*" not in queue_names:
            tasks = tasks.filter(queue_name__in=queue_names)
        return tasks.exists()
