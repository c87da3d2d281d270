"""A run killed at any AWS call and then retried ends exactly where an uninterrupted run
ends: the same live sets with the same ids, exactly one new release with the same
changes, the same `/stages` and `/days`, no stale 304, the moved set found where it is,
one message, and a next upload of the same file that changes nothing.

The kill is what Lambda does on a timeout: the process stops at the call, and nothing
after it runs (no `finally`, no lease dropped). Here every AWS call from the nth on
raises an exception the code does not catch, so nothing at all is sent after it.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.services import get_services
from chalicelib.storage.lease import LEASE_SECONDS
from tests.aws_calls import app_clients
from tests.conftest import Festival, _fake_credentials, _festival, csv_text

OTHER = csv_text("Tent,2026-07-03,22:00,23:00,Other Act,,")
V1 = csv_text(
    "Main,2026-07-03,18:00,19:00,Opener,indie,",
    "Main,2026-07-03,19:00,20:00,Swap A,,",
    "Main,2026-07-03,20:00,21:00,Swap B,,",
    "Main,2026-07-03,21:00,22:00,Mover,,",
    "Main,2026-07-03,22:00,23:00,To Cancel,,",
    "Main,2026-07-03,23:00,23:45,To Remove,,",
)
V2 = csv_text(
    "Main,2026-07-03,18:00,19:00,Opener,indie,",  # unchanged
    "Main,2026-07-03,19:00,20:00,Swap B,,",  # the two swap
    "Main,2026-07-03,20:00,21:00,Swap A,,",
    "Tent,2026-07-03,21:00,22:00,Mover,,",  # moves to another stage
    "Main,2026-07-03,22:00,23:00,To Cancel,,,cancelled",  # cancelled
    "Main,2026-07-03,23:30,00:30,Newcomer,,",  # new (To Remove is gone)
    "Tent,2026-07-03,22:00,23:00,Taker,,",  # takes other.csv's slot
    header="stage,date,start,end,artist,genre,notes,status\n",
)


class Killed(BaseException):
    """Lambda stopped the process: nothing after this runs."""


@contextmanager
def killed_from(call: int) -> Iterator[list[str]]:
    """Every AWS call of the app's clients from the `call`th on dies; yields the calls made."""
    made: list[str] = []

    def count(model: Any, **_: Any) -> None:
        made.append(model.name)
        if len(made) >= call:
            raise Killed

    clients = [client for service in ("dynamodb", "s3", "sns") for client in app_clients(service)]
    for client in clients:  # (the publication's reads and writes too: its own S3 and DynamoDB calls)
        client.meta.events.register("before-call", count)
    try:
        yield made
    finally:
        for client in clients:
            client.meta.events.unregister("before-call", count)


@dataclass
class Scenario:
    """Uploads before the event, and the event whose run is killed."""

    name: str
    versioned: bool
    setup: Callable[[Festival], None]
    event: Callable[[Festival], dict[str, Any]]


def _reupload_setup(festival: Festival) -> None:
    festival.upload("uploads/other.csv", OTHER)
    festival.upload("uploads/day.csv", V1)


def _rollback_setup(festival: Festival) -> None:
    _reupload_setup(festival)
    festival.upload("uploads/day.csv", V2)


def _rollback(festival: Festival) -> dict[str, Any]:
    versions = festival.s3.list_object_versions(Bucket=festival.bucket, Prefix="uploads/day.csv")["Versions"]
    latest = next(v for v in versions if v["IsLatest"])
    festival.s3.delete_object(Bucket=festival.bucket, Key="uploads/day.csv", VersionId=latest["VersionId"])
    return festival.event("uploads/day.csv", "ObjectRemoved:Delete", version_id=latest["VersionId"])


SCENARIOS = [
    Scenario("re-upload", False, _reupload_setup, lambda festival: festival.put("uploads/day.csv", V2)),
    Scenario("removal", True, _reupload_setup, lambda festival: festival.delete("uploads/day.csv")),
    Scenario("rollback", True, _rollback_setup, _rollback),
]


def get(festival: Festival, path: str, **headers: str) -> Any:
    return festival.client.http.get(path, headers=headers)


def published(festival: Festival) -> dict[str, Any] | None:
    """What the public files say (README, "The public files"): the pointer, with each release
    id as its place among the releases (0 the newest: ids are times, which differ between
    runs), and what every file it names holds that no time is part of; None before any."""
    pointer = festival.pointer()
    if pointer is None:
        return None
    newest_first = [r["release"] for r in json.loads(get(festival, "/changes?limit=50").body)["items"]]

    def ranked(path: str) -> str:
        release = path.split("/")[1]
        return path.replace(release, str(newest_first.index(release)))

    def held(path: str) -> Any:
        body, _ = festival.public(path)  # raises if the pointer names a file that is not there
        if path.endswith("/changes.json"):
            return {k: v for k, v in json.loads(body).items() if k != "release"}
        return json.loads(body) if path.endswith(".json") and "/schedule" not in path else len(body) > 0

    return {
        "release": newest_first.index(pointer["release"]),
        "days": {day: ranked(path) for day, path in pointer["days"].items()},
        "files": {name: ranked(path) for name, path in pointer["files"].items()},
        "held": {ranked(path): held(path) for path in [*pointer["days"].values(), *pointer["files"].values()]},
    }


def end_state(festival: Festival, releases_before: int) -> dict[str, Any]:
    """What users see, and what the next run reads, without the times that differ between runs."""
    sets = [
        {name: item.get(name) for name in ("stage", "slot", "id", "artist", "status", "end", "genre", "sequence")}
        for item in festival.items()
    ]
    releases = json.loads(get(festival, "/changes?limit=50").body)["items"]
    assert len(releases) == releases_before + 1, "exactly one new release"
    newest = json.loads(get(festival, f"/changes/{releases[0]['release']}").body)
    moved = next((item for item in festival.items() if item["artist"] == "Mover"), None)
    return {
        "sets": sets,
        "release": {"counts": newest["counts"], "changes": newest["items"], "source": newest["source"]},
        "stages": json.loads(get(festival, "/stages").body),
        "days": json.loads(get(festival, "/days").body),
        "moved": None if moved is None else json.loads(get(festival, f"/performances/{moved['id']}").body),
        "messages": [(m["subject"], m["body"]["changes"]) for m in festival.notifications()],
        "published": published(festival),
    }


def run(scenario: Scenario, kill_at: int | None) -> tuple[dict[str, Any], list[str]]:
    """The scenario on a fresh festival, killed at a call (or not), then retried; its end
    state, and how many calls the killed run made."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _fake_credentials(monkeypatch)
        return _run(scenario, kill_at, monkeypatch)


def _run(scenario: Scenario, kill_at: int | None, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], list[str]]:
    with _festival(monkeypatch) as festival:
        if scenario.versioned:
            festival.s3.put_bucket_versioning(Bucket=festival.bucket, VersioningConfiguration={"Status": "Enabled"})
        scenario.setup(festival)
        festival.notifications()
        releases_before = len(json.loads(get(festival, "/changes?limit=50").body)["items"])
        etag = get(festival, "/days").headers["ETag"]
        event = scenario.event(festival)
        made: list[str] = []
        if kill_at is None:
            festival.deliver(event)
        else:
            with killed_from(kill_at) as made, contextlib.suppress(Killed):
                festival.deliver(event)
            # Wherever it died, the pointer is on a complete release: the last one, or the new one.
            after_kill = published(festival)
            assert after_kill is not None and after_kill["release"] in (0, 1), after_kill
            later = time.time() + LEASE_SECONDS + 1
            for lease in (get_services().lease, get_services().publication_lease):
                monkeypatch.setattr(lease, "clock", lambda: later)  # the dead run's leases have run out
            festival.deliver(event)  # Lambda's retry, minutes later
        state = end_state(festival, releases_before)
        assert get(festival, "/days", **{"If-None-Match": etag}).status_code == 200  # no stale 304
        # The next upload of the file that is current changes nothing.
        current = festival.s3.list_objects_v2(Bucket=festival.bucket, Prefix="uploads/day.csv").get("Contents")
        if current:
            body = festival.s3.get_object(Bucket=festival.bucket, Key="uploads/day.csv")["Body"].read()
            report = festival.upload("uploads/day.csv", body + b"\n")  # another version, the same sets
            assert report["changes"]["unchanged"] == report["accepted"]
            again = end_state(festival, releases_before)
            assert again["sets"] == state["sets"] and again["stages"] == state["stages"]
        # The file whose slot was taken no longer claims it: its next version leaves the taker alone.
        taker = [(s["stage"], s["slot"]) for s in state["sets"] if s["artist"] == "Taker"]
        festival.upload("uploads/other.csv", csv_text("Tent,2026-07-03,10:00,11:00,Other Morning,,"))
        assert [(i["stage"], i["slot"]) for i in festival.items() if i["artist"] == "Taker"] == taker
        return state, list(made)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_a_run_killed_at_any_call_and_retried_ends_as_an_uninterrupted_run(scenario: Scenario) -> None:
    expected, _ = run(scenario, None)
    assert len(expected["messages"]) == 1
    call = 1
    while True:
        state, made = run(scenario, call)
        where = f"killed at call {call} ({made[call - 1] if len(made) >= call else 'none'})"
        if len(made) >= call and made[call - 2 : call] == ["Publish", "TransactWriteItems"]:
            # Killed between sending the message and noting it was sent: the retry cannot
            # know whether it went out, so it sends it again, the same (at least once).
            first, second = state.pop("messages")
            assert first == second == expected["messages"][0], where
            state["messages"] = expected["messages"]
        assert state == expected, where
        if len(made) < call:  # the run finished before reaching this call: every call was tried
            break
        call += 1
    assert call > 15  # every call of the run was a kill point
