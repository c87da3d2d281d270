"""Text as every export format can carry it.

XML 1.0 has no way to write most control characters, U+FFFE/U+FFFF or a lone surrogate
(the document stops being well-formed), iCalendar's TEXT excludes controls, and UTF-8
cannot encode a lone surrogate at all. Each exporter passes every field through `clean`,
so one odd character in a name never breaks a whole feed, whatever the ingest let in.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"
# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; surrogates;
# the noncharacters U+FDD0..U+FDEF and U+xFFFE/U+xFFFF of every plane.
_UNCARRIABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]"
)
_LINE_BREAKS = re.compile(r"\r\n?|\n")
_SPACES = re.compile(r"[\t\n]+")


def clean(text: str, *, one_line: bool = False) -> str:
    """`text` with characters no format can carry replaced by U+FFFD, line breaks as `\\n`
    (or, for a one-line field such as a title, as a space)."""
    text = _UNCARRIABLE.sub(REPLACEMENT, _LINE_BREAKS.sub("\n", text))
    return _SPACES.sub(" ", text).strip() if one_line else text
