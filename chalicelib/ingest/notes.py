"""An upload's release note: the S3 object metadata `note` (`aws s3 cp --metadata note=...`),
which the release keeps and `/changes`, the e-mail, the schedule export and the page show.

S3 keeps metadata as ASCII: a note in another language arrives as RFC 2047 encoded words
(`=?UTF-8?B?...?=`), which is how S3 itself hands back non-ASCII metadata set through its
console, and how `make publish NOTE=...` writes it.
"""

from __future__ import annotations

import unicodedata
from email.errors import HeaderParseError
from email.header import Header, decode_header, make_header

from chalicelib.timetable.text import bidi_control, undecodable, unsafe_character

MAX_NOTE_CHARS = 500
METADATA = "note"


def encode_note(note: str) -> str:
    """A note as S3 metadata can carry it (ASCII as it is, anything else as encoded words)."""
    return note if note.isascii() else Header(note, "utf-8").encode(maxlinelen=10_000)


def read_note(raw: str) -> tuple[str, str | None]:
    """The note a metadata value carries, and what is wrong with it (then the note is "")."""
    text = raw
    if "=?" in raw:
        try:
            text = str(make_header(decode_header(raw)))
        except (HeaderParseError, LookupError, UnicodeDecodeError):
            return "", "the note's encoded words (=?UTF-8?...?=) cannot be decoded; the release has no note"
    text = unicodedata.normalize("NFC", text.strip())
    if len(text) > MAX_NOTE_CHARS:
        return "", (
            f"the note is {len(text):,} characters long, and a note holds at most {MAX_NOTE_CHARS}: "
            "the release has no note; upload again with a shorter one"
        )
    problem = undecodable(text) or unsafe_character(text.replace("\n", " ")) or bidi_control(text)
    if problem:
        return "", f"the note holds {problem}, which no feed can show: the release has no note"
    return text, None
