"""`chalice local` for `make run`, with the festival's settings from the environment.

Chalice copies .chalice/config.json's environment over the process's when it loads the
app, so `FESTIVAL_TIMEZONE=Australia/Sydney make run` would serve Amsterdam's clock. Here
the festival settings given in the environment are put back once the app is loaded, as
`cli validate` and the deployment read them.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from chalice.cli import validate_routes
from chalice.cli.factory import CLIFactory
from chalice.local import LocalDevServer

from chalicelib.settings import FESTIVAL_SETTINGS

ROOT = Path(__file__).resolve().parents[1]


def create_server(host: str, port: int, stage: str) -> LocalDevServer:
    """The local API server, bound to host:port, with the environment's festival settings."""
    given = {name: os.environ[name] for name in FESTIVAL_SETTINGS if name in os.environ}
    factory = CLIFactory(str(ROOT), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name=stage)
    app = config.chalice_app  # loading it copies the config's environment into os.environ
    os.environ.update(given)
    validate_routes(app.routes)
    return factory.create_local_server(app, config, host, port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stage", default="local")
    args = parser.parse_args(argv)
    os.environ["AWS_CHALICE_CLI_MODE"] = "true"  # as the chalice CLI sets it
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    create_server(args.host, args.port, args.stage).serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
