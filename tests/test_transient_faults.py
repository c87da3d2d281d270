"""Faults that pass, at 5-20% of the app's HTTP requests, below botocore's retries
(throttles, 5xx, S3's SlowDown, a read that timed out after AWS took the request): a
re-upload delivered as Lambda delivers it (at most three times, while it raises) ends where
a clean run ends, or, when every delivery failed before its plan was kept, where the live
schedule was before, with an error report; a plan left pending is finished by the scheduled
run. The release is announced once, or again, the same, only where a publish's outcome
was unknown."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.services import get_services
from chalicelib.storage.lease import LEASE_SECONDS
from chalicelib.storage.sending import Backoff
from tests.aws_calls import TransientFaults
from tests.conftest import Festival, _fake_credentials, _festival
from tests.test_crash_proof import OTHER, V1, V2

DELIVERIES = 3  # Lambda's first try and its two retries


def state(festival: Festival) -> dict[str, Any]:
    """What users see (ids and release times aside, which differ between festivals)."""
    get = festival.client.http.get
    releases = json.loads(get("/changes?limit=50").body)["items"]
    return {
        "sets": [(i["stage"], i["slot"], i["artist"], i.get("status")) for i in festival.items()],
        "stages": json.loads(get("/stages").body)["items"],
        "days": json.loads(get("/days").body)["items"],
        "releases": [(r["source"], r["counts"]) for r in releases],
        "tagged": "ETag" in get("/days").headers,  # nothing pending
    }


def setup(festival: Festival) -> None:
    festival.upload("uploads/other.csv", OTHER)
    festival.upload("uploads/day.csv", V1)
    festival.notifications()


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Any]:
    """The state before the re-upload, and after a clean run of it (module-wide: one
    festival on moto at a time)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _fake_credentials(monkeypatch)
        with _festival(monkeypatch) as clean:
            setup(clean)
            before = state(clean)
            clean.deliver(clean.put("uploads/day.csv", V2))
            [message] = clean.notifications()
            return {"before": before, "after": state(clean), "message": message["body"]["changes"]}


@pytest.mark.parametrize("rate", [0.05, 0.2])
@pytest.mark.parametrize("seed", range(4))
def test_a_run_through_passing_faults_ends_as_a_clean_run_or_where_it_began(
    outcomes: dict[str, Any], festival: Festival, monkeypatch: pytest.MonkeyPatch, rate: float, seed: int
) -> None:
    setup(festival)
    monkeypatch.setattr(get_services().writes, "backoff", Backoff(sleep=lambda seconds: None))
    event = festival.put("uploads/day.csv", V2)
    faults = TransientFaults(rate, seed)
    delivered = False
    with faults.active():
        for _ in range(DELIVERIES):
            try:
                festival.deliver(event)
            except Exception:  # Lambda retries it, minutes later: by then the lease has run out
                lease = get_services().lease
                later = lease.clock() + LEASE_SECONDS + 1
                monkeypatch.setattr(lease, "clock", lambda later=later: later)
                continue
            delivered = True
            break
    festival.scheduled_run()  # five minutes on
    assert faults.injected, "no fault was injected: raise the rate or change the seed"
    ended = state(festival)
    messages = [m["body"] for m in festival.notifications()]
    if not delivered and ended == outcomes["before"]:  # every delivery failed before the plan was kept
        assert festival.report("uploads/day.csv")["status"] == "error"
        assert messages == []
        return
    assert ended == outcomes["after"], faults.injected
    releases = {m.get("release") for m in messages}
    assert len(releases) == 1 and all(m["changes"] == outcomes["message"] for m in messages)
    if len(messages) > 1:  # a message sent again, the same, only where its outcome was unknown
        assert "Publish" in faults.timed_out or not delivered, (faults.injected, messages)
    assert festival.report("uploads/day.csv")["status"] == "ok"
