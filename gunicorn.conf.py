"""gunicorn reads this file from the working directory by itself (``gunicorn wsgi:app``).

It refuses to start several workers while sign-in throttling keeps its counters in
process memory (riskreg/deployment.py explains why)."""

import os
import sys

from riskreg.deployment import DeploymentError, check_workers


def on_starting(server) -> None:
    try:
        check_workers(server.cfg.workers, os.environ.get("RISKREG_RATELIMIT_STORAGE_URL"))
    except DeploymentError as exc:
        server.log.error("Riskreg refuses to start: %s", exc)
        sys.exit(1)
