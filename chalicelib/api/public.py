"""The public files through the API (README, "The public files"): where no CDN serves them
from the bucket (`make run`, a stage without `CDN=1`), the API answers the same paths,
`/public/current.json` and `/public/releases/<R>/...`, with the bytes S3 holds and their
headers. And the whole festival's exports without a filter answer with the current
release's file, whatever its size: a redirect to its public path.

Only names a publication writes are looked up: any other path is a 404 that asks S3 nothing.
"""

from __future__ import annotations

import base64
import gzip
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from chalice.app import Response

from chalicelib.api.params import InvalidParameter, Params, shown
from chalicelib.publish.files import POINTER_CACHE, RELEASE_FILES, day_path, release_path
from chalicelib.services import Services
from chalicelib.storage.public import Publications, PublicFiles, PublicObject

_RELEASE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")  # as `storage.releases.RELEASE_ID`
_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})\.json")
# A body a client that takes no gzip gets uncompressed, if it fits a Lambda answer then.
_MAX_PLAIN_BYTES = 5_000_000


class BinaryResponse(Response):
    """An answer of bytes, as API Gateway's proxy integration takes them (base64, flagged),
    whatever its media type: a public file is stored compressed, JSON or not."""

    def to_dict(self, binary_types: list[str] | None = None) -> dict[str, Any]:
        response = super().to_dict(None)
        response["body"] = base64.b64encode(self.body).decode("ascii")
        response["isBase64Encoded"] = True
        return response


def _release(raw: str) -> str:
    release = unquote(raw)
    if not _RELEASE.fullmatch(release):
        raise InvalidParameter("release", f"expected a release id as the pointer names it, got {shown(release)}")
    return release


def release_file(release: str, name: str) -> str | None:
    """`releases/<R>/<name>` for a name a release has, or None (a 404); a malformed release is a 400."""
    found, name = _release(release), unquote(name)
    return release_path(found, name) if name in RELEASE_FILES else None


def day_file(release: str, name: str) -> str:
    """`releases/<R>/days/<YYYY-MM-DD>.json`; a malformed release or name is a 400."""
    found, name = _release(release), unquote(name)
    day = _DAY.fullmatch(name)
    if day is None:
        raise InvalidParameter("name", f"expected a festival day's file, YYYY-MM-DD.json, got {shown(name)}")
    return day_path(found, day.group(1))


def _files(services: Services) -> PublicFiles:
    return PublicFiles(services.s3_client, services.settings.schedule_bucket)


def serve(services: Services, route: str, locate: Callable[[], str | None], request: Any) -> Response:
    """A public file as S3 holds it (its Content-Type, Content-Encoding and Cache-Control),
    a 304 when `If-None-Match` names it, a 404 when there is none; a query is a 400, and so
    is a path the description refuses (`locate` says which file, checked after the query)."""
    Params(request.query_params, route)
    path = locate()
    headers: Mapping[str, str] = request.headers
    found = None if path is None else _files(services).read(path, if_none_match=headers.get("if-none-match", ""))
    if found is None:
        shown = path or "that path"
        return Response(
            body={"Code": "NotFoundError", "Message": f"no public file {shown}"},
            status_code=404,
            headers={"Content-Type": "application/json; charset=utf-8", "Cache-Control": POINTER_CACHE},
        )
    if not isinstance(found, PublicObject):
        return Response(body="", status_code=304, headers={"ETag": headers.get("if-none-match", "")})
    answer = {"Content-Type": found.media_type, "Cache-Control": found.cache_control, "ETag": found.etag}
    body = found.body
    if found.encoding == "gzip" and "gzip" not in headers.get("accept-encoding", "").lower():
        plain = gzip.decompress(body)
        if len(plain) <= _MAX_PLAIN_BYTES:  # a client that reads no gzip (the CDN would send it anyway)
            return BinaryResponse(body=plain, status_code=200, headers={**answer, "Vary": "Accept-Encoding"})
    if found.encoding:
        answer["Content-Encoding"] = found.encoding
    return BinaryResponse(body=body, status_code=200, headers={**answer, "Vary": "Accept-Encoding"})


def published_export(services: Services, name: str, query: Mapping[str, str] | None) -> Response | None:
    """The whole festival's export (`schedule.json`, `schedule.xml`, `calendar.ics`) without a
    filter: a redirect to the current release's file, or None when the API must build it:
    a query; nothing published yet; or the published links name another origin than the
    API's (no PUBLIC_ORIGIN: each request's own Host; or it changed since). One GetItem."""
    origin = services.settings.public_origin
    if query or not origin:
        return None
    published = Publications(services.indexes.client, services.settings.bookkeeping_table).published(consistent=False)
    path = published.files.get(name)
    if not path or published.origin != origin:
        return None
    # Relative: `/api/schedule.json` goes to `/api/public/...` (the API), `/schedule.json`
    # behind the CDN to `/public/...` (the bucket).
    return Response(body="", status_code=302, headers={"Location": f"public/{path}", "Cache-Control": POINTER_CACHE})
