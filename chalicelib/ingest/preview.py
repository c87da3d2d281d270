"""A preview: what a version would change if it were published now, from the same plan the
ingest applies (a draft's report, and `POST /previews`), with nothing written."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.ingest.plan import Plan, Planner
from chalicelib.sets.changes import change_json
from chalicelib.storage.committed import MAX_PREVIEW_DAYS
from chalicelib.timetable import clock
from chalicelib.timetable.problems import Problem

MAX_NOT_COMPARED_SHOWN = 50


def preview_json(
    plan: Plan,
    *,
    against_release: str,
    computed_at: str,
    draft: str | None = None,
    max_bytes: int | None = None,
    not_compared: list[int] | None = None,
) -> dict[str, Any]:
    """The plan's report, with its changes (every one, or as many as `max_bytes` of JSON
    hold), and what it was compared with: the live schedule as of `against_release`, at
    `computed_at`. If the live schedule changes before the file is published, the release
    follows the file. Every set and change says its festival day (by the festival's day
    change), so a page that shows them by day needs no rule of its own."""

    def day(moment: int) -> str:
        return clock.festival_date(moment, plan.day_change)

    report = dict(plan.report)
    entries = []
    size = 0
    for change in plan.changes.changes:
        entry = change_json(change)
        entry["day"] = day(change.set.start)
        if change.origin is not None:
            entry["from"]["day"] = day(change.origin.start)
        size += len(json.dumps(entry, ensure_ascii=False).encode("utf-8", "surrogateescape"))
        if max_bytes is not None and size > max_bytes:
            break
        entries.append(entry)
    report["changelog"] = entries
    report["changelog_truncated"] = plan.changes.total > len(entries)
    # Every set of the file as it would be live (the changelog has only those that change),
    # placed by the same code as the ingest: the organiser's page draws them, line by line.
    shown = []
    for stored in sorted(plan.sets, key=lambda s: (s.start, s.stage)):
        entry = {
            "id": stored.id,
            "stage": stored.stage,
            "artist": stored.artist,
            "start": clock.iso(stored.start),
            "end": clock.iso(stored.end),
            "day": day(stored.start),
            "status": stored.status,
            "line": plan.lines.get(stored.slot),
        }
        size += len(json.dumps(entry, ensure_ascii=False).encode("utf-8", "surrogateescape"))
        if max_bytes is not None and size > 2 * max_bytes:
            break
        shown.append(entry)
    report["sets"] = shown
    report["sets_truncated"] = len(plan.sets) > len(shown)
    report["preview"] = {
        "computed_at": computed_at,
        "against_release": against_release or None,
        "publishes_as": plan.version.source,
        "would_release": bool(plan.changes.total),
        **({"draft": draft} if draft else {}),
        "compared_in_full": not not_compared,
    }
    if not_compared:  # a preview reads a bounded part of the festival (`storage.committed.PreviewFestival`)
        report["preview"]["not_compared"] = [clock.iso_date(day) for day in not_compared[:MAX_NOT_COMPARED_SHOWN]]
        warning = Problem(
            "days-not-compared",
            f"{len(not_compared):,} festival days this file names were not compared with the other files' sets "
            f"live on them (a preview compares at most {MAX_PREVIEW_DAYS} days): a set it would replace there is "
            "not listed as removed; once published, the release compares every day",
            count=len(not_compared),
            most=MAX_PREVIEW_DAYS,
        )
        report["warnings"] = [*report["warnings"], str(warning)]
        report["warning_details"] = [*report.get("warning_details", []), warning.as_json()]
    if draft:
        report["source"] = {**report["source"], "key": draft}
    return report


def refused_preview(planner: Planner, reason: str, *, against_release: str, computed_at: str) -> dict[str, Any]:
    """The preview of a file the ingest would fail as a whole (a plan no table could hold),
    as the API answers it."""
    planner.report.fail(reason)
    report = planner.report.as_dict()
    report.pop("source", None)
    report.update(changelog=[], changelog_truncated=False, sets=[], sets_truncated=False)
    report["preview"] = {
        "computed_at": computed_at,
        "against_release": against_release or None,
        "publishes_as": planner.version.source,
        "would_release": False,
        "compared_in_full": True,
    }
    return report


def answered_preview(
    plan: Plan, *, against_release: str, computed_at: str, max_bytes: int, not_compared: list[int] | None = None
) -> dict[str, Any]:
    """A preview as the API answers it (`POST /previews`, an edit's dry run): the report
    without where the file is kept and the run's requests and timings."""
    answer = preview_json(
        plan, against_release=against_release, computed_at=computed_at, max_bytes=max_bytes, not_compared=not_compared
    )
    for internal in ("source", "requests", "timings"):
        answer.pop(internal, None)
    return answer
