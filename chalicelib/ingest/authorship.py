"""Who made a version of an upload and how, from the object's metadata, which the
organiser API writes with every copy it makes under uploads/ (S3 keeps it with the
version): `x-amz-meta-action` (`publish`, `rollback`, `edit`), `x-amz-meta-author` (the
organiser's e-mail, RFC 2047-encoded when not ASCII, as a note is) and, for a rollback,
`x-amz-meta-rollback-of` (the release rolled back). A version without them was uploaded
straight to the bucket (`upload`); a key with no current version is a `removal`.

Whoever may write to the bucket may write these too: the bucket's writers are the
operators, whom the history trusts (README, security)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.header import decode_header, make_header

from chalicelib.ingest.notes import encode_note

ACTION, AUTHOR, ROLLBACK_OF = "action", "author", "rollback-of"
UPLOAD, PUBLISH, ROLLBACK, EDIT, REMOVAL = "upload", "publish", "rollback", "edit", "removal"
ACTIONS = (UPLOAD, PUBLISH, ROLLBACK, EDIT, REMOVAL)
# What metadata may claim: an upload and a removal are what S3 itself says.
_WRITTEN = (PUBLISH, ROLLBACK, EDIT)
_RELEASE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
MAX_AUTHOR_CHARS = 320  # an e-mail address's longest


@dataclass(frozen=True)
class Authorship:
    """How a version came: its action, its author ("" for the bucket's), what it rolls back."""

    action: str = UPLOAD
    author: str = ""
    rollback_of: str = ""


def metadata(action: str, author: str, rollback_of: str = "") -> dict[str, str]:
    """The metadata the organiser API writes with a version."""
    found = {ACTION: action, AUTHOR: encode_note(author)}
    if rollback_of:
        found[ROLLBACK_OF] = rollback_of
    return found


def read_authorship(found: Mapping[str, str] | None) -> Authorship:
    """How the current version came (None: the key holds no current version)."""
    if found is None:
        return Authorship(REMOVAL)
    action = found.get(ACTION, "")
    if action not in _WRITTEN:
        return Authorship()
    author = _decoded(found.get(AUTHOR, ""))
    rollback_of = found.get(ROLLBACK_OF, "")
    return Authorship(action, author, rollback_of if action == ROLLBACK and _RELEASE.fullmatch(rollback_of) else "")


def _decoded(raw: str) -> str:
    text = raw
    if "=?" in raw:
        try:
            text = str(make_header(decode_header(raw)))
        except (HeaderParseError, LookupError, UnicodeDecodeError):
            return ""
    text = text.strip()
    return text if len(text) <= MAX_AUTHOR_CHARS and text.isprintable() else ""
