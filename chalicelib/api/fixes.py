"""The edges of `POST /fixes`: a timetable CSV in, with one of its preview's `fixes` named in
the query (line, column, the value the preview saw, the value it suggested); the same file
out with that one cell rewritten (`timetable.cells`: every other byte kept, in the file's
own encoding and quoting). Nothing is read from or written to the schedule: the organiser's
page keeps the fixed file as its draft and previews it again.

The page could rewrite the cell itself, but a browser cannot write Windows-1252 (its
TextEncoder writes UTF-8 only), and the rules for where a cell is and how it is quoted
would then live twice: here they are the ones an on-the-day edit uses."""

from __future__ import annotations

from collections.abc import Mapping

from chalice.app import Response

from chalicelib.api.caching import IN_FLUX
from chalicelib.api.params import FIX_COLUMN, MAX_CELL_CHARS, MAX_LINE, InvalidParameter, Params, shown
from chalicelib.api.previews import error, refusal
from chalicelib.timetable.cells import Refusal, TimetableFile

CSV = "text/csv"


def fixed(body: bytes, query: Mapping[str, str] | None) -> Response:
    """The file with the fix the query names written in; 409 when the cell no longer holds
    what the preview saw, 422 when the fix cannot be written."""
    too_large = refusal(body)
    if too_large is not None:
        return too_large
    params = Params(query, "/fixes")
    line = _line(params.get("line"))
    column = params.get("column") or ""
    if column not in FIX_COLUMN.schema["enum"]:
        raise InvalidParameter(
            "column", f"expected one of {', '.join(FIX_COLUMN.schema['enum'])}, got {_shown(column)}"
        )
    value, suggested = _cell(params, "value"), _cell(params, "suggested")
    if "\r" in suggested or "\n" in suggested:
        raise InvalidParameter("suggested", "a fix is written on one line: expected no line break")
    file = TimetableFile.read(body)
    if isinstance(file, Refusal):
        return error(422, "UnprocessableEntity", f"the file cannot be read: {file.reason}")
    holds = file.value(line, column)
    if holds is None:
        return error(422, "UnprocessableEntity", f"line {line} holds no row with a {column} column")
    if holds != value:
        return error(
            409,
            "Conflict",
            f"line {line}'s {column} holds {shown(holds)}, not {shown(value)}: preview the file again for its fixes",
        )
    written = file.replaced({line: {column: suggested}})
    if isinstance(written, Refusal):
        return error(422, "UnprocessableEntity", written.reason)
    return Response(body=written, status_code=200, headers={"Content-Type": CSV, "Cache-Control": IN_FLUX})


def _line(text: str | None) -> int:
    if text is None:
        raise InvalidParameter("line", "missing: give the line the fix names")
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_LINE))) or not 1 <= int(text) <= MAX_LINE:
        raise InvalidParameter("line", f"expected a line number from 1 to {MAX_LINE:,}, got {_shown(text)}")
    return int(text)


def _cell(params: Params, name: str) -> str:
    text = params.get(name)
    if text is None:
        raise InvalidParameter(name, "missing: give it as the preview's fix has it")
    if len(text) > MAX_CELL_CHARS:
        raise InvalidParameter(name, f"a cell holds at most {MAX_CELL_CHARS:,} characters")
    return text


def _shown(text: str) -> str:
    return shown(text) if text else "nothing"
