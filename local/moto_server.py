"""`python -m local.moto_server -H 127.0.0.1 -p PORT`: moto's server, whose CloudFormation
makes the template's Cognito resources too (local.moto_cognito), answering item reads
without moto's slow serializer (local.moto_reads), measuring each new item once
(local.moto_items)."""

from __future__ import annotations

import sys

from moto.server import main

import local.moto_cognito  # noqa: F401  (registers the Cognito resources with moto's CloudFormation)
from local import moto_items, moto_reads

if __name__ == "__main__":
    moto_reads.install()
    moto_items.install()
    sys.exit(main(sys.argv[1:]))
