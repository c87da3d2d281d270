"""`chalice local` for `make run`, with the festival's settings from the environment.

Chalice copies .chalice/config.json's environment over the process's when it loads the
app, so `FESTIVAL_TIMEZONE=Australia/Sydney make run` would serve Amsterdam's clock. Here
the festival settings given in the environment are put back once the app is loaded, as
`cli validate` and the deployment read them.

Answers are compressed as the deployment compresses them, so that `make run` is measured
as deployed: API Gateway gzips an answer of `minimum_compression_size` bytes or more
(.chalice/config.json) for a client that accepts gzip, unless it already has a
Content-Encoding; CloudFront then passes it on, its strong ETag made weak (it does that to
what it compresses itself too).
"""

from __future__ import annotations

import argparse
import gzip
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from chalice.cli import validate_routes
from chalice.cli.factory import CLIFactory
from chalice.config import Config
from chalice.local import ChaliceRequestHandler, CustomLocalChalice, LocalChalice, LocalDevServer

from chalicelib.settings import FESTIVAL_SETTINGS

ROOT = Path(__file__).resolve().parents[1]
GZIP_LEVEL = 6  # zlib's default, and nginx's usual choice


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header names gzip (and not with q=0). No header at all
    means no compression, as API Gateway reads it."""
    for coding in accept_encoding.split(","):
        name, _, params = coding.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip"):
            weight = params.strip().lower().removeprefix("q=")
            try:
                return not params or float(weight) > 0
            except ValueError:
                return False
    return False


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    return next((key for key in headers if key.lower() == name), None)


def compressed(
    accept_encoding: str, headers: dict[str, Any], body: bytes, minimum: int | None
) -> tuple[dict[str, Any], bytes]:
    """An answer as the deployment sends it: gzipped when the client accepts gzip, the
    stage compresses (`minimum` is not None), the body is at least `minimum` bytes and not
    encoded already; with `Vary: Accept-Encoding` and its ETag weak. Otherwise unchanged."""
    if minimum is None or len(body) < minimum or not accepts_gzip(accept_encoding):
        return headers, body
    if _header(headers, "content-encoding") is not None:
        return headers, body
    changed = dict(headers)
    changed["Content-Encoding"] = "gzip"
    vary = _header(changed, "vary")
    if vary is None:
        changed["Vary"] = "Accept-Encoding"
    elif "accept-encoding" not in str(changed[vary]).lower():
        changed[vary] = f"{changed[vary]}, Accept-Encoding"
    etag = _header(changed, "etag")
    if etag is not None and not str(changed[etag]).startswith("W/"):
        changed[etag] = f"W/{changed[etag]}"
    return changed, gzip.compress(body, GZIP_LEVEL, mtime=0)


class CompressingHandler(ChaliceRequestHandler):
    """`chalice local`'s request handler, compressing as API Gateway does."""

    def __init__(self, request: Any, client_address: Any, server: Any, app_object: Any, config: Config) -> None:
        self.minimum_compression_size: int | None = config.minimum_compression_size
        super().__init__(request, client_address, server, app_object, config)

    def _send_http_response_with_body(self, code: int, headers: Any, body: str | bytes) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        accepted = self.headers.get("Accept-Encoding", "")
        headers, data = compressed(accepted, headers, data, self.minimum_compression_size)
        super()._send_http_response_with_body(code, headers, data)


def create_server(host: str, port: int, stage: str) -> LocalDevServer:
    """The local API server, bound to host:port, with the environment's festival settings,
    compressing its answers as the deployment does."""
    given = {name: os.environ[name] for name in FESTIVAL_SETTINGS if name in os.environ}
    factory = CLIFactory(str(ROOT), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name=stage)
    app = config.chalice_app  # loading it copies the config's environment into os.environ
    os.environ.update(given)
    validate_routes(app.routes)
    # As chalice.local.create_local_server, with our handler; once per app object (a
    # second server in one process would make the class its own base).
    if not isinstance(app, LocalChalice):
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    return LocalDevServer(app, config, host, port, handler_cls=CompressingHandler)


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
