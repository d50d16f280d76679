"""The ``fieldcert`` command: Flask's commands (run, shell, routes), ``db`` and the project's.

``fieldcert run`` serves the API and the built PWA on a laptop, ``fieldcert serve`` on a server
(gunicorn, backend/serve.py), ``fieldcert worker`` its background jobs (backend/jobs);
``fieldcert db upgrade`` migrates the
database; ``fieldcert demo load`` adds demo users; ``scheme``, ``score``, ``lifecycle``
and ``verify`` (given ``--public-key``) need no app; ``export engagement`` writes a
certification file, ``cnca MONTH`` the CNCA monthly sheets.

The project's commands are imported when they are asked for, not up front: importing all of
them (the app's models, WeasyPrint, openpyxl, …) takes about two seconds, which ``fieldcert
score`` on a file of a few evaluations should not pay (issue 13: the scoring CLI end to end).
``fieldcert score`` does not even import Flask (``run``, the console script): it needs no app.
``main``, the Flask command group, is built on first use (``from backend.cli import main``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from flask.cli import FlaskGroup

# Each loader imports its command where it is asked for; the imports are written out (not module
# names in strings) so that a reader, and tests/architecture/test_signals.py, can find them.
Loader = Callable[[], click.Command]


def _demo() -> click.Command:
    from backend.demo import demo_cli

    return demo_cli


def _evidence() -> click.Command:
    from backend.evidence.cli import evidence_cli

    return evidence_cli


def _score() -> click.Command:
    from backend.scorecli import score_command

    return score_command


def _lifecycle() -> click.Command:
    from backend.lifecycle.cli import lifecycle_command

    return lifecycle_command


def _verify() -> click.Command:
    from backend.bag.cli import verify_command

    return verify_command


def _certificate() -> click.Command:
    from backend.certificates.cli import certificate_cli

    return certificate_cli


def _serve() -> click.Command:
    from backend.serve import serve_command

    return serve_command


def _nonconformities() -> click.Command:
    from backend.nonconformities.cli import nonconformities_cli

    return nonconformities_cli


def _export() -> click.Command:
    from backend.export.cli import export_cli

    return export_cli


def _cnca() -> click.Command:
    from backend.cnca.cli import cnca_command

    return cnca_command


def _worker() -> click.Command:
    from backend.jobs.worker import worker_command

    return worker_command


def _scheme_import() -> click.Command:
    from backend.schemes.cli import import_command

    return import_command


def _scheme_group() -> click.Command:
    """``scheme validate`` (no app, from backend.scorecli) and ``scheme import`` (app, database)."""
    from backend.scorecli import scheme_group

    return _LazyGroup(
        "scheme",
        commands=scheme_group.commands,
        help=scheme_group.help,
        lazy={"import": _scheme_import},
    )


#: Command name -> the loader of its click command, called on first use.
LAZY_COMMANDS: dict[str, Loader] = {
    "demo": _demo,
    "evidence": _evidence,
    "scheme": _scheme_group,
    "score": _score,
    "lifecycle": _lifecycle,
    "verify": _verify,
    "certificate": _certificate,
    "serve": _serve,
    "nonconformities": _nonconformities,
    "export": _export,
    "cnca": _cnca,
    "worker": _worker,
}


class _LazyGroup(click.Group):
    """A click group whose subcommands (``lazy``: name -> loader) load on demand."""

    def __init__(self, *args: object, lazy: dict[str, Loader], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = dict(lazy)

    def _ensure(self, name: str) -> None:
        loader = self.lazy.pop(name, None)
        if loader is not None:
            self.add_command(loader(), name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._ensure(cmd_name)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        for name in list(self.lazy):
            self._ensure(name)
        return super().list_commands(ctx)


def _flask_group() -> FlaskGroup:
    """Flask's command group (app commands, plugins) with the project's commands loaded lazily.

    A project command is found without scanning the installed plugins or loading the app.
    """
    from flask.cli import FlaskGroup

    from backend import create_app

    class LazyFlaskGroup(_LazyGroup, FlaskGroup):
        def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
            self._ensure(cmd_name)
            found = self.commands.get(cmd_name)
            return found if found is not None else super().get_command(ctx, cmd_name)

    return LazyFlaskGroup(
        name="fieldcert",
        create_app=create_app,
        # Settings come from the real environment only (python-dotenv is merely a test tool's
        # dependency here), so the app behaves the same with and without the dev extra.
        load_dotenv=False,
        help="fieldcert: service-certification field work (API + offline-first PWA).",
        lazy=LAZY_COMMANDS,
    )


_built: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    """``main``: the ``fieldcert`` command group, made when first asked for (PEP 562)."""
    if name != "main":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if "main" not in _built:
        _built["main"] = _flask_group()
    return _built["main"]


def run() -> None:
    """The ``fieldcert`` console script: ``score`` straight to its command, the rest to ``main``.

    ``fieldcert score …`` is the command other tools call in loops; it needs no app, so it is
    run without importing Flask (the options and exit codes are the command's own either way).
    """
    args = sys.argv[1:]
    if args[:1] == ["score"]:
        _score().main(args[1:], prog_name="fieldcert score")
    else:
        __getattr__("main")()


if __name__ == "__main__":
    run()
