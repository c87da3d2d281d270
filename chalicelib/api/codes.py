"""Every error the API answers carries, beside its English `Message` (which stays as it
was), a stable `code` and the named `values` the message is made of, so that a page can say
it in its visitor's language (and fall back to the message for a code it does not know).

The messages are written where the errors are found (parameters, sign-in, drafts, edits);
this table names each kind once, by the message's shape, and any other error gets its
status's code. It runs on error answers only (`app.py`'s middleware), so a read that
succeeds never imports it."""

from __future__ import annotations

import json
import re
from typing import Any

# (code, the message's shape): named groups become the values.
_KNOWN: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (code, re.compile(pattern))
    for code, pattern in (
        ("unknown-parameter", r"^(?P<name>[\w-]+): unknown parameter; this route takes (?P<allowed>.*)$"),
        ("either-or", r"^(?P<name>[\w/-]+): give either (?P<first>[\w/]+) or (?P<second>[\w/]+), not both$"),
        ("bad-cursor", r"^cursor: "),
        ("too-many-ids", r"^ids: give at most (?P<most>\d+) performance ids"),
        ("empty-name", r"^(?P<name>[\w-]+): expected a name, got an empty value"),
        ("bad-parameter", r"^(?P<name>[\w-]+): expected (?P<expected>.*), got (?P<got>.*)$"),
        ("no-set", r"^no performance with id (?P<id>\S+)$"),
        ("sign-in-first", r"^sign in first"),
        ("token-invalid", r"^the token is not valid"),
        ("tokens-unavailable", r"^tokens cannot be checked"),
        ("publishers-only", r"^only publishers may (?P<action>.+?); you are signed in as an? (?P<role>\w+)$"),
        ("no-role", r"^this account has no role yet"),
        ("new-password-required", r"^this is the account's first sign-in"),
        ("new-password-invalid", r"^new_password: (?P<detail>.*)$"),
        ("too-many-sign-ins", r"^too many sign-ins"),
        ("wrong-password", r"^wrong e-mail or password$"),
        ("draft-too-large", r"^the CSV is (?P<count>[\d,]+) bytes; a draft holds at most"),
        ("preview-too-large", r"^the CSV is (?P<count>[\d,]+) bytes; a preview takes at most"),
        ("upload-in-progress", r"^an upload is being applied right now"),
        ("rollback-changed", r"^the file changed while it was being rolled back"),
        ("rollback-version-gone", r"^the version before this release is no longer in the bucket"),
        ("body-too-large", r"^the body is (?P<count>[\d,]+) bytes; at most (?P<most>[\d,]+)$"),
        ("body-not-json", r"^the body is not JSON"),
        ("body-not-object", r"^the body must be a JSON object$"),
        ("note-too-long", r"^note: expected a string of at most (?P<most>\d+) characters$"),
    )
)
_BY_STATUS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    412: "precondition-failed",
    413: "too-large",
    415: "unsupported-type",
    422: "unprocessable",
    428: "precondition-required",
    429: "too-many-requests",
    503: "unavailable",
}


def code_of(status: int, message: str) -> tuple[str, dict[str, str]]:
    """The stable code of an error's message, and the values it names."""
    for code, shape in _KNOWN:
        found = shape.match(message)
        if found:
            return code, {name: value for name, value in found.groupdict().items() if value is not None}
    return _BY_STATUS.get(status, "error" if status >= 500 else "client-error"), {}


def with_code(body: Any, status: int) -> Any:
    """An error answer's body (a dict, or its JSON text) with `code` and `values` beside its
    `Message`; anything else as it is."""
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    try:
        found = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return body
    if not isinstance(found, dict) or not isinstance(found.get("Message"), str) or "code" in found:
        return body
    code, values = code_of(status, found["Message"])
    found = {**found, "code": code, "values": values}
    return found if isinstance(body, dict) else json.dumps(found, ensure_ascii=False, separators=(",", ":"))
