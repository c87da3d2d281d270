"""What the team is told on SNS about an upload: a subject SNS accepts, and a short
plain-text summary a person can read on a phone (e-mail); other subscribers get the JSON
summary itself (see `storage.topic`)."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

MAX_SUBJECT = 100
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]+")
_PUNCTUATION = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00df": "ss",
    }
)


def ascii_text(text: str) -> str:
    """Text SNS accepts in a subject: accents dropped, anything else non-ASCII or
    non-printable (line breaks too) turned into a space."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PUNCTUATION))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_NOT_PRINTABLE_ASCII.sub(" ", stripped).split())


def subject_for(summary: dict[str, Any], *, preview: bool = False) -> str:
    """At most 100 printable ASCII characters, however the object key is spelt."""
    status = summary["status"]
    if status == "removed":
        counts = f"{summary['changes']['removed']} sets removed"
    else:
        counts = f"{summary['accepted']} accepted, {summary['rejected']} rejected"
    head = f"{'Preview' if preview else 'Timetable'} {status} ({counts}): "
    name = ascii_text(summary["source"]["key"].rsplit("/", 1)[-1]) or "upload"
    room = MAX_SUBJECT - len(head)
    if len(name) > room:
        name = name[: max(room - 3, 0)] + "..."
    return (head + name)[:MAX_SUBJECT]


_EMAILED_CHANGES = 20
_EMAILED_ERRORS = 5


def _when(change: dict[str, Any]) -> str:
    """`Main, 2026-07-03 21:00-22:30`."""
    start, end = change["start"], change["end"]
    return f"{change['stage']}, {start[:10]} {start[11:]}-{end[11:]}"


def change_line(change: dict[str, Any]) -> str:
    """One change of the changelog, as a line of text."""
    kind, artist = change["change"], change["artist"]
    fields = f" ({', '.join(change['fields'])})" if change.get("fields") else ""
    if kind == "moved":
        return f"- moved: {artist}{fields}, from {_when(change['from'])} to {_when(change)}"
    return f"- {kind}: {artist}{fields}, {_when(change)}"


def email_text(summary: dict[str, Any], *, preview: bool = False) -> str:
    """The summary in plain text: what happened, what changed, the first errors, where the report is."""
    counts = summary.get("changes", {})
    what = summary.get("what", "")
    lines = [f"{summary['source']['key']}: {summary['status']}", what[:1].upper() + what[1:] + "." if what else ""]
    if preview:
        lines.insert(0, "PREVIEW: nothing is live yet. Copy the draft under uploads/ to publish it.\n")
    if summary.get("note"):
        lines.append(f"Note: {summary['note']}")
    if summary.get("reason"):
        lines.append(f"Why: {summary['reason']}")
    if "accepted" in summary:
        lines.append(f"{summary['accepted']:,} rows accepted, {summary['rejected']:,} rejected.")
    changelog = summary.get("changelog", [])
    if changelog:
        total = sum(count for kind, count in counts.items() if kind != "unchanged")
        heading = "Changes it would make" if preview else f"Changes ({total:,}, release {summary.get('release', '')})"
        lines += ["", f"{heading} ({total:,}):" if preview else f"{heading}:"]
        lines += [change_line(change) for change in changelog[:_EMAILED_CHANGES]]
        if total > _EMAILED_CHANGES:
            lines.append(f"... and {total - _EMAILED_CHANGES:,} more in the report")
    elif summary.get("status") != "failed":
        lines += ["", "It would change nothing live." if preview else "Nothing live changed."]
    errors = summary.get("errors", [])
    if errors:
        rejected = summary["rejected"]
        lines += ["", f"First errors ({rejected:,} {'row' if rejected == 1 else 'rows'} rejected):"]
        lines += [f"- line {error['line']}: {error['reason']}" for error in errors[:_EMAILED_ERRORS]]
    if summary.get("warnings"):
        lines += ["", "Warnings:"] + [f"- {warning}" for warning in summary["warnings"]]
    lines += ["", f"Report: {summary['report']}"]
    text = "\n".join(lines) + "\n"
    if len(text) > MAX_EMAIL_CHARS:
        text = text[: MAX_EMAIL_CHARS - 200] + f"\n...\n\nThe rest is in the report: {summary['report']}\n"
    return text


MAX_ANNOUNCED_CHANGES = 50  # in the SNS message (and so in the file's record); the release has them all
MAX_SUMMARY_WARNINGS = 20
_MAX_WARNING_CHARS = 1000
# SNS takes 256 KB a message, which holds the summary and the e-mail text; the summary is
# also kept in the file's record. Names can be 2 KB each, so counts alone do not bound them.
MAX_SUMMARY_BYTES = 64_000
MAX_EMAIL_CHARS = 32_000


def summary_of(report: dict[str, Any], location: str) -> dict[str, Any]:
    """The message's JSON: the report's head, its first changes and errors, where it is.
    Bounded, whatever the file: it is kept in the file's record to send it again."""
    summary: dict[str, Any] = {
        name: report[name]
        for name in ("status", "what", "reason", "source", "release", "note", "accepted", "rejected", "changes")
        if name in report
    }
    changelog = report.get("changelog", [])
    summary["changelog"] = changelog[:MAX_ANNOUNCED_CHANGES]
    total = sum(count for kind, count in report.get("changes", {}).items() if kind != "unchanged")
    summary["changelog_truncated"] = total > len(summary["changelog"])
    summary["errors"] = report["errors"][:5]
    warnings = report["warnings"][:MAX_SUMMARY_WARNINGS]
    summary["warnings"] = [w if len(w) <= _MAX_WARNING_CHARS else w[: _MAX_WARNING_CHARS - 1] + "…" for w in warnings]
    summary["report"] = location
    while _size(summary) > MAX_SUMMARY_BYTES and (summary["changelog"] or summary["errors"] or summary["warnings"]):
        for name in ("changelog", "errors", "warnings"):  # keep the first half of each, until it fits
            summary[name] = summary[name][: len(summary[name]) // 2]
        summary["changelog_truncated"] = total > len(summary["changelog"])
    return summary


def _size(summary: dict[str, Any]) -> int:
    return len(json.dumps(summary, ensure_ascii=False).encode("utf-8", "surrogateescape"))
