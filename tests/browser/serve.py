"""Serve the app in a process of its own for the browser tests (``python -m tests.browser.serve``).

A process, not a thread, so that a test can kill the server in the middle of a request (SIGKILL:
no clean shutdown, as when a machine loses power) and start it again on the same port and
database. The Flask config comes as JSON in the first argument; the port in the second.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from werkzeug.serving import make_server

from backend import create_app


def main() -> None:
    config = json.loads(sys.argv[1])
    # JSON has no paths; the app expects Path objects for these (backend/config.py).
    for key in ("PWA_DIST", "FIELDCERT_STORAGE_DIR", "FIELDCERT_INSTANCE_DIR"):
        if key in config:
            config[key] = Path(config[key])
    port = int(sys.argv[2])
    app = create_app(config)
    server = make_server("127.0.0.1", port, app, threaded=True)
    print("serving", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
