"""The ``fieldcert`` command: Flask's commands (run, shell, routes), ``db`` and the project's.

``fieldcert run`` serves the API and the built PWA; ``fieldcert db upgrade`` migrates the
database; ``fieldcert demo load`` adds demo users; ``scheme``, ``score`` and ``lifecycle`` need
no app.
"""

from __future__ import annotations

from flask.cli import FlaskGroup

from backend import create_app
from backend.demo import demo_cli
from backend.evidence.cli import evidence_cli
from backend.lifecycle.cli import lifecycle_command
from backend.schemes.cli import import_command as scheme_import_command
from backend.scorecli import register_scoring_commands, scheme_group

main = FlaskGroup(
    name="fieldcert",
    create_app=create_app,
    # Settings come from the real environment only (python-dotenv is merely a test tool's
    # dependency here), so the app behaves the same with and without the dev extra.
    load_dotenv=False,
    help="fieldcert: service-certification field work (API + offline-first PWA).",
)
main.add_command(demo_cli)
main.add_command(evidence_cli)
register_scoring_commands(main)
main.add_command(lifecycle_command)
# `scheme import` needs the app and its database, unlike `scheme validate` (with_appcontext).
scheme_group.add_command(scheme_import_command)

if __name__ == "__main__":
    main()
