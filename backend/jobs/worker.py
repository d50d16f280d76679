"""``fieldcert worker``: the Huey consumer that runs the app's background jobs.

One worker process per machine (systemd unit ``fieldcert-worker.service``, docs/deploy.md),
with ``--threads`` job threads; ``make run`` starts one beside the development server. Before
it takes new work it puts back on the queue the jobs a killed worker of this host was running
(``Jobs.recover_abandoned``). SIGTERM (systemd's stop) lets running jobs finish (up to 60 s);
SIGINT (Ctrl-C) stops at once, and a job interrupted so is put back on the queue.
"""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext
from huey.api import Task
from huey.signals import SIGNAL_INTERRUPTED

from backend.jobs.engine import Jobs, jobs_of

logger = logging.getLogger(__name__)


def run_worker(jobs: Jobs, *, threads: int = 2, periodic: bool = True) -> None:
    """Run the consumer until it is told to stop (blocks)."""
    if jobs.mode == "immediate":
        raise click.ClickException("FIELDCERT_JOBS=immediate runs jobs in the caller: no worker")
    huey = jobs.huey

    def _put_back(signal: str, task: Task, *args: object) -> None:
        # A job stopped half way (Ctrl-C, shutdown timeout passed): run it again later, whole.
        jobs.forget_running(task)
        huey.enqueue(task)

    huey.signal(SIGNAL_INTERRUPTED)(_put_back)

    for name in jobs.recover_abandoned():
        logger.warning("recovered job %s of a killed worker", name)
    consumer = huey.create_consumer(
        workers=threads,
        periodic=periodic,
        worker_type="thread",
        # systemd stops services with SIGTERM: finish the running jobs first.
        graceful_signal="TERM",
        shutdown_timeout=60,
        check_worker_health=True,
    )
    consumer.run()


@click.command("worker")
@click.option("--threads", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--no-periodic", is_flag=True, help="Leave the periodic jobs to other workers.")
@click.option("--status", is_flag=True, help="Print the queue's depth and failures, then exit.")
@with_appcontext
def worker_command(threads: int, no_periodic: bool, status: bool) -> None:
    """Run background jobs: push, evidence renditions, the daily housekeeping (Huey)."""
    jobs = jobs_of(current_app._get_current_object())  # type: ignore[attr-defined]
    if status:
        state = jobs.status()
        click.echo(
            f"{state['mode']}: {state['pending']} waiting, {state['scheduled']} scheduled, "
            f"{state['running']} running, {len(state['failed'])} failed"
        )
        for failure in state["failed"]:
            click.echo(f"  failed {failure['failed_at']} {failure['name']}: {failure['error']}")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    click.echo(f"fieldcert worker: {jobs.mode}, {threads} thread(s)", err=True)
    run_worker(jobs, threads=threads, periodic=not no_periodic)
