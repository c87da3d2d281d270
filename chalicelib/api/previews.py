"""The edges of `POST /previews`: what a request body may be, and how the answer goes out
(never cached: it is about one request's body)."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Response

from chalicelib.api.caching import IN_FLUX, JSON

MAX_PREVIEW_BYTES = 2 * 1024 * 1024
RETRY_SECONDS = 30


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """An error as the API answers it: its code and message, in JSON."""
    return Response(
        body=json.dumps({"Code": code, "Message": message}, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": JSON, **(headers or {})},
    )


def refusal(body: bytes) -> Response | None:
    """The answer for a body no preview can be made of, or None. (An empty body is previewed
    like an empty upload: its answer says the file is empty.)"""
    if len(body) > MAX_PREVIEW_BYTES:
        return error(
            413,
            "PayloadTooLarge",
            f"the CSV is {len(body):,} bytes; a preview takes at most {MAX_PREVIEW_BYTES:,} bytes (2 MB): "
            "preview a larger file by uploading it under drafts/",
        )
    return None


def answer(preview: dict[str, Any] | None) -> Response:
    """The preview as JSON; a 503 while an upload's writes are landing."""
    if preview is None:
        return error(
            503,
            "ServiceUnavailable",
            "an upload is being applied right now, so what is live cannot be compared with; try again shortly",
            {"Retry-After": str(RETRY_SECONDS)},
        )
    return Response(
        body=json.dumps(preview, ensure_ascii=False, separators=(",", ":")),
        status_code=200,
        headers={"Content-Type": JSON, "Cache-Control": IN_FLUX},
    )
