"""Bytes of an uploaded file -> CSV records, each with the line on which it starts.

The encoding is decided from the first 64 KB (UTF-8, else Windows-1252); bytes that
do not decode later on survive as lone surrogates so that the row holding them can be
rejected rather than the whole file. Lines are read with a length cap so that a file
without line breaks never has to fit in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from chalicelib.timetable.problems import Problem

HEAD_BYTES = 64 * 1024
MAX_LINE_CHARS = 1 << 20
DELIMITERS = (",", ";", "\t")

UTF8 = "UTF-8"
WINDOWS_1252 = "Windows-1252"
# Python's codec for each encoding a file is read in (and an edited file written back in).
CODECS = {UTF8: "utf-8", WINDOWS_1252: "cp1252"}

# Formats people upload by mistake, recognised from their first bytes.
_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive, such as an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)
_CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\r\n") | {"\x7f"}
# Bidirectional embeddings, overrides and isolates: they reorder the text around them.
# (The marks U+200E, U+200F and U+061C reorder nothing and are allowed.)
_BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
# What draws nothing: spaces, separators, format characters (zero-width ones among them),
# controls, marks with no base, and the letters and symbols that render blank.
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Mn", "Me"})
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")


@dataclass
class TextFile:
    """A decoded upload: its encoding, and its physical lines read on demand."""

    encoding: str
    stream: io.TextIOBase
    lines_read: int = 0
    overlong_lines: list[int] = field(default_factory=list)

    def lines(self) -> Iterator[str]:
        """Physical lines; one longer than MAX_LINE_CHARS is replaced by a bare newline
        and its number noted in `overlong_lines`, so the row holding it is rejected."""
        readline = self.stream.readline
        while True:
            line = readline(MAX_LINE_CHARS)
            if not line:
                return
            self.lines_read += 1
            if len(line) == MAX_LINE_CHARS and line[-1] not in "\r\n":
                self.overlong_lines.append(self.lines_read)
                while (rest := readline(MAX_LINE_CHARS)) and rest[-1] not in "\r\n":
                    pass
                line = "\n"
            yield line


class _Rejoined(io.RawIOBase):
    """The bytes already read for sniffing, followed by the rest of the stream."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            count = min(len(buffer), len(self._head))
            buffer[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _read_head(stream: BinaryIO) -> tuple[bytes, bool]:
    """Up to HEAD_BYTES from the stream, and whether that was all of it."""
    chunks: list[bytes] = []
    size = 0
    while size < HEAD_BYTES:
        chunk = stream.read(HEAD_BYTES - size)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False


def _is_utf8(head: bytes, complete: bool) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def open_text(stream: BinaryIO) -> TextFile | str:
    """Decode an upload; a string instead says why it is not a text file we can read."""
    head, complete = _read_head(stream)
    if not head:
        return Problem("file-empty", "the file is empty")
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            return Problem(
                "not-text",
                f"the file is {what}, not CSV text: save the timetable as CSV (UTF-8) and upload that",
                what=what,
            )
    has_bom = head.startswith(codecs.BOM_UTF8)
    if has_bom:
        head = head[len(codecs.BOM_UTF8) :]
    encoding = UTF8 if _is_utf8(head, complete) else WINDOWS_1252
    raw = io.BufferedReader(_Rejoined(head, stream), buffer_size=HEAD_BYTES)
    text = io.TextIOWrapper(raw, encoding=CODECS[encoding], errors="surrogateescape", newline="")
    return TextFile(encoding=encoding, stream=text)


def undecodable(value: str) -> str | None:
    """Describe the first byte that did not decode, or None when all did."""
    if value.isascii():
        return None
    for char in value:
        if "\udc80" <= char <= "\udcff":
            return f"0x{ord(char) - 0xDC00:02X}"
    return None


def control_character(value: str) -> str | None:
    """Name the first control character in a value (tabs and line breaks are allowed)."""
    if value.isprintable():
        return None
    for char in value:
        if char in _CONTROL:
            return "a NUL byte" if char == "\x00" else f"the control character U+{ord(char):04X}"
    return None


def unsafe_character(value: str) -> str | None:
    """Describe the first character of a value that a feed cannot carry, or None: XML 1.0
    has no C0 controls and no U+FFFE/U+FFFF, iCalendar no controls, UTF-8 (so JSON as
    sent) no lone surrogates. The other noncharacters are for a program's own use, and C1
    controls draw nothing and are nearly always Windows-1252 text converted as Latin-1.
    Tabs and line breaks are allowed; undecodable bytes (the decoder's U+DC80-U+DCFF
    markers) are `undecodable`'s to report."""
    if value.isprintable():
        return None
    for char in value:
        code = ord(char)
        if char in _CONTROL:
            return "a NUL byte" if code == 0 else f"the control character U+{code:04X}"
        if 0x80 <= code <= 0x9F:
            return (
                f"the C1 control character U+{code:04X} (usually a Windows-1252 dash, quote or € "
                "converted as if it were Latin-1)"
            )
        if 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
            return f"U+{code:04X}, a Unicode noncharacter"
        if 0xD800 <= code <= 0xDFFF and not 0xDC80 <= code <= 0xDCFF:
            return f"U+{code:04X}, a lone surrogate"
    return None


def bidi_control(value: str) -> str | None:
    """Name the first bidirectional embedding, override or isolate in a value."""
    if value.isprintable():
        return None
    return next((described(char) for char in value if char in _BIDI_CONTROLS), None)


def invisible(value: str) -> str | None:
    """When a value draws nothing at all, name what it holds (at most three characters)."""
    if value.isascii() and not value.isspace() and value.isprintable():  # most names: at a glance
        return None
    if any(char not in _BLANK and unicodedata.category(char) not in _INVISIBLE_CATEGORIES for char in value):
        return None
    held = list(dict.fromkeys(value))
    return ", ".join(described(char) for char in held[:3]) + (", ..." if len(held) > 3 else "")


def described(char: str) -> str:
    """`U+202E RIGHT-TO-LEFT OVERRIDE`: a character as its code point and name."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X}"


def sniff_delimiter(header_line: str, known: set[str]) -> str:
    """The delimiter under which the header names the most known columns (comma on a tie)."""

    def score(delimiter: str) -> int:
        names = next(csv.reader([header_line], delimiter=delimiter), [])
        return sum(1 for name in names if name.strip().lower() in known)

    return max(DELIMITERS, key=score)


def shown(value: str, limit: int = 40) -> str:
    """A value quoted for a message, cut to `limit` characters."""
    return '"' + (value if len(value) <= limit else value[: limit - 1] + "…") + '"'
