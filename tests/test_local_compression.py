"""`make run` compresses as the deployment does (API Gateway from `minimum_compression_size`,
CloudFront passing it on): a big answer arrives gzipped to a client that accepts gzip, a
small one, an already encoded one and one to a client that does not, as they are."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import threading
from collections.abc import Iterator

import pytest

from chalicelib.services import reset_services
from local.run import free_port
from local.serve import ROOT, accepts_gzip, compressed, create_server

MINIMUM = json.loads((ROOT / ".chalice" / "config.json").read_text())["minimum_compression_size"]


@pytest.fixture(scope="module")
def api() -> Iterator[int]:
    saved = dict(os.environ)
    port = free_port()
    server = create_server("127.0.0.1", port, "local")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server.server_close()
        os.environ.clear()
        os.environ.update(saved)
        reset_services()


def get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def test_a_big_answer_arrives_gzipped_to_a_client_that_accepts_it(api: int) -> None:
    status, plain_headers, plain = get(api, "/openapi.json")
    assert status == 200 and "content-encoding" not in plain_headers and len(plain) >= MINIMUM
    status, headers, body = get(api, "/openapi.json", **{"Accept-Encoding": "gzip, deflate, br"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == plain and len(body) < len(plain) / 3
    assert int(headers["content-length"]) == len(body)
    assert "Accept-Encoding" in headers["vary"]
    assert headers["etag"] == "W/" + plain_headers["etag"]  # weak, as CloudFront makes it
    # The weak tag still revalidates: the API compares weakly.
    status, _, body = get(api, "/openapi.json", **{"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]})
    assert status == 304 and body == b""


def test_a_small_answer_and_a_client_without_gzip_get_it_as_it_is(api: int) -> None:
    status, headers, body = get(api, "/js/no-such-module.js", **{"Accept-Encoding": "gzip"})
    assert status == 404 and len(body) < MINIMUM and "content-encoding" not in headers
    assert json.loads(body)["Message"]
    status, headers, body = get(api, "/openapi.json", **{"Accept-Encoding": "gzip;q=0, identity"})
    assert status == 200 and "content-encoding" not in headers and json.loads(body)["openapi"]


@pytest.mark.parametrize(
    ("header", "accepted"),
    [("gzip", True), ("deflate, gzip;q=0.5", True), ("GZIP", True), ("gzip;q=0", False), ("br", False), ("", False)],
)
def test_which_accept_encoding_headers_ask_for_gzip(header: str, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


def test_an_answer_encoded_already_is_passed_as_it_is() -> None:
    """A release file is stored gzipped (Content-Encoding: gzip): never compressed twice."""
    stored = gzip.compress(b"{}" * 2000)
    headers = {"Content-Encoding": "gzip", "ETag": '"abc"'}
    assert compressed("gzip", headers, stored, MINIMUM) == (headers, stored)
    assert compressed("gzip", {}, b"x" * 5000, None) == ({}, b"x" * 5000)  # a stage that compresses nothing
    at_minimum = compressed("gzip", {"Vary": "Origin"}, b"x" * MINIMUM, MINIMUM)[0]
    assert at_minimum["Vary"] == "Origin, Accept-Encoding" and at_minimum["Content-Encoding"] == "gzip"
    assert compressed("gzip", {}, b"x" * (MINIMUM - 1), MINIMUM) == ({}, b"x" * (MINIMUM - 1))
