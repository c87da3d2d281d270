"""What an organiser asks of the live schedule on the day, read from the JSON the page sends:
an `Edit` of one set, or a `StageDelay` of the rest of a stage's festival day. A body that
does not ask one clear thing gets the reason, never a guess."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalicelib.ingest.notes import read_note
from chalicelib.timetable import clock
from chalicelib.timetable.text import shown

EDIT_FIELDS = ("start", "end", "stage", "status", "delay", "note")
DELAY_FIELDS = ("from", "minutes", "note")
# A set moves within its festival day, so no delay is a day or more.
MAX_DELAY_MINUTES = clock.MINUTES_PER_DAY - 1
CANCELLED = "cancelled"


@dataclass(frozen=True)
class Edit:
    """A change of one set. `start` and `end` are times of the set's festival day, in minutes
    after its midnight as a timetable writes them (24:00-29:59 after midnight); `delay`
    moves start and end together; None keeps what the set has."""

    start: int | None = None
    end: int | None = None
    stage: str | None = None
    cancelled: bool | None = None
    delay: int | None = None
    note: str = ""


@dataclass(frozen=True)
class StageDelay:
    """Every set on `stage` starting at or after `since` in that festival day, `minutes` later
    (earlier when negative): the cascade a late headliner causes."""

    stage: str
    since: int  # a moment
    minutes: int
    note: str = ""


def read_edit(body: Any) -> Edit | str:
    """The edit a JSON body asks for, or why it is not one."""
    if not isinstance(body, dict):
        return "the body must be a JSON object with any of start, end, stage, status and delay (and a note)"
    unknown = _unknown(body, EDIT_FIELDS)
    if unknown:
        return unknown
    times: dict[str, int | None] = {}
    for name in ("start", "end"):
        times[name] = None
        if name in body:
            value = body[name]
            parsed = clock.parse_time(value) if isinstance(value, str) else "is not a time in the form HH:MM"
            if isinstance(parsed, str):
                return f"{name} {_json_value(value)} {parsed}"
            times[name] = parsed
    stage = None
    if "stage" in body:
        stage = body["stage"].strip() if isinstance(body["stage"], str) else ""
        if not stage or "\n" in stage or "\r" in stage:
            return f"stage {_json_value(body['stage'])} is not a stage's name (text on one line)"
    cancelled = None
    if "status" in body:
        if body["status"] not in (CANCELLED, ""):
            return f'status {_json_value(body["status"])} is not one an edit can set: "cancelled", or "" to restore'
        cancelled = body["status"] == CANCELLED
    delay = None
    if "delay" in body:
        minutes = _minutes(body["delay"])
        if isinstance(minutes, str):
            return f"delay {minutes}"
        delay = minutes
        if times["start"] is not None or times["end"] is not None:
            return "give either a delay (start and end move together) or start and end, not both"
    note, problem = _note(body)
    if problem:
        return problem
    edit = Edit(times["start"], times["end"], stage, cancelled, delay, note)
    if edit == Edit(note=edit.note):
        return "the body asks for no change: give start, end, stage, status or delay"
    return edit


def read_delay(stage: str, body: Any) -> StageDelay | str:
    """The stage delay a JSON body asks for, or why it is not one."""
    if not isinstance(body, dict):
        return 'the body must be a JSON object: {"from": "YYYY-MM-DDTHH:MM", "minutes": N}'
    unknown = _unknown(body, DELAY_FIELDS)
    if unknown:
        return unknown
    since = clock.parse_moment(body["from"]) if isinstance(body.get("from"), str) else None
    if since is None:
        return f"from {_json_value(body.get('from'))} is not a moment in the form YYYY-MM-DDTHH:MM"
    minutes = _minutes(body.get("minutes"))
    if isinstance(minutes, str):
        return f"minutes {minutes}"
    note, problem = _note(body)
    if problem:
        return problem
    return StageDelay(stage, since, minutes, note)


def _unknown(body: dict[str, Any], fields: tuple[str, ...]) -> str | None:
    unknown = sorted(name for name in body if name not in fields)
    if not unknown:
        return None
    return f"unknown field {_json_value(unknown[0])}: the body may hold {', '.join(fields)}"


def _minutes(value: Any) -> int | str:
    """Whole minutes, not zero, less than a day either way; or why not (after the field's name)."""
    if isinstance(value, float) and value.is_integer():  # JSON does not tell 15.0 from 15
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        return f"{_json_value(value)} is not a whole number of minutes"
    if value == 0 or abs(value) > MAX_DELAY_MINUTES:
        return f"{value} is not a delay: give minutes from 1 to {MAX_DELAY_MINUTES} (negative: earlier)"
    return value


def _note(body: dict[str, Any]) -> tuple[str, str | None]:
    """The release note (checked as an upload's is), and why it cannot be one."""
    if "note" not in body:
        return "", None
    if not isinstance(body["note"], str):
        return "", "note must be text"
    note, problem = read_note(body["note"])
    return note, f"the note cannot be used ({problem})" if problem else None


def _json_value(value: Any) -> str:
    """A value from the body as a reason quotes it: text in quotes, anything else as JSON."""
    return shown(value) if isinstance(value, str) else json.dumps(value)[:40]
