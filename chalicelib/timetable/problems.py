"""Messages with a stable code: what the API says stays English (its `message`), and a page
translates it by its `code` with its named `values` (the page falls back to the message for
a code it does not know). A `Problem` is a `str` (the English message), so every place that
joins, logs or compares messages keeps working; only the JSON edges read its code."""

from __future__ import annotations

from typing import Any

Value = str | int


class Problem(str):
    """An English message, with the code a page translates it by and the values it names."""

    code: str
    values: dict[str, Value]

    def __new__(cls, code: str, message: str, **values: Value) -> Problem:
        made = super().__new__(cls, message)
        made.code = code
        made.values = values
        return made

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self), "values": dict(self.values)}


def coded(message: str) -> dict[str, Any]:
    """A message as a JSON problem: its code and values when it has them, else only its text."""
    if isinstance(message, Problem):
        return message.as_json()
    return {"message": message}
